// The page's entry point: reads the token and websocket path from the meta
// tags, connects, and renders the session's document into #aioserve-root.

import {Connection, decodeTokenPayload, websocketUrl} from "./connection.js";
import {DocumentStore} from "./document.js";
import {h} from "./dom.js";
import {Outbox} from "./outbox.js";
import {StatusBadge} from "./status_badge.js";
import {Toasts} from "./toasts.js";
import {View} from "./view.js";

function meta(name) {
  return document.querySelector(`meta[name="${name}"]`)?.getAttribute("content") ?? null;
}

/**
 * Connect and render. Without options, the token and websocket path come from
 * the page's meta tags and the app goes into #aioserve-root; embed.js passes
 * {token, wsUrl (absolute ws(s):// URL), element} instead.
 */
export function start(options = {}) {
  const token = options.token ?? meta("aioserve-token");
  const wsPath = options.wsUrl ?? meta("aioserve-ws");
  if (!token || !wsPath) return null; // the error page, or a page without an app
  const toasts = new Toasts(document.body);
  const notify = (text, level = "error", options = {}) => toasts.show(text, level, options);
  let sessionId;
  try {
    sessionId = decodeTokenPayload(token).session_id;
  } catch (err) {
    notify(`This page's session token cannot be read (${err.message}). Reload the page.`);
    return null;
  }
  let root = options.element ?? document.getElementById("aioserve-root");
  if (!root) {
    root = h("div", {id: "aioserve-root"});
    document.body.append(root);
  }
  root.classList.add("aio-app"); // aioserve's styles apply inside it only

  const store = new DocumentStore();
  let connection = null;
  const outbox = new Outbox(store, {send: (msg) => connection.send(msg), notify});
  const view = new View(root, store, {
    set: (model, attr, value) => outbox.set(model, attr, value),
    event: (model, name, data) => outbox.event(model, name, data),
    request: (msg) => outbox.request(msg),
    notify,
    live: () => connection.open,
    maxMessageBytes: () => connection.maxMessageBytes,
  });
  const badge = new StatusBadge(document.body, {
    onReconnect: () => connection.reconnectNow(),
    onReload: () => location.reload(),
  });

  const handle = (msg) => {
    switch (msg.type) {
      case "doc":
        store.load(msg.doc ?? {}, msg.seq);
        break;
      case "patch":
        store.applyPatch(msg.events ?? [], msg.seq);
        break;
      case "resumed":
        store.noteSeq(msg.seq);
        break;
      case "ok":
      case "error":
      case "rows":
        // The client does not count an `ok` as a seq of its own (it cannot know which number
        // its change got); an `ok` that carries `seq` is taken into account.
        if (msg.type === "ok") store.noteSeq(msg.seq);
        outbox.reply(msg);
        break;
      case "notice":
        notify(msg.message ?? "", msg.level ?? "error");
        break;
      case "reload":
        connection.suspend();
        location.reload();
        break;
      default:
        console.warn("aioserve: unknown message", msg);
    }
  };

  connection = new Connection({
    url: websocketUrl(location, wsPath, sessionId),
    token,
    since: () => store.seq,
    onMessage: handle,
    onState: (state, detail) => {
      const live = state === "connected";
      if (!live) outbox.reset(); // no reply will come for what was in flight
      view.setLive(live);
      badge.show(state, detail);
    },
    onNotice: notify,
    reload: () => location.reload(),
  });

  // A socket closed by leaving the page is not a reason to reconnect.
  addEventListener("pagehide", () => connection.suspend());
  addEventListener("beforeunload", () => {
    connection.suspend();
    setTimeout(() => connection.unsuspend(), 3000); // still here: the unload was cancelled
  });
  addEventListener("pageshow", (event) => {
    if (event.persisted) connection.unsuspend();
  });
  addEventListener("online", () => connection.reconnectNow());

  connection.start();
  return {store, view, connection, outbox, toasts};
}

// For tests and debugging in the console: window.aioserve.store, .connection, ...
globalThis.aioserve = start();
