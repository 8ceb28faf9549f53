// The entry point autoload.js imports: one app session inside an element of
// another site's page. `wsUrl` is absolute (ws:// or wss://), since the page's
// own location says nothing about where the app is served.

import {start} from "./aioserve.js";

export function embed({token, wsUrl, element}) {
  element.classList.add("aioserve-embed");
  return start({token, wsUrl, element});
}
