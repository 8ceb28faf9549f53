// --dev, on an app's error page: wait until the server reloads its apps (the
// fix was saved), then reload this page. Live pages get a "reload" message on
// their websocket instead; an error page has no session to carry one.

const url = document.querySelector('meta[name="aioserve-dev-wait"]')?.getAttribute("content");
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForReload() {
  for (;;) {
    try {
      const response = await fetch(url, {cache: "no-store"});
      if (response.ok && (await response.json()).changed) {
        location.reload();
        return;
      }
      if (!response.ok) await pause(1000);
    } catch {
      await pause(1000); // the server is restarting, or unreachable for now
    }
  }
}

if (url) waitForReload();
