// aioserve autoload: shows one app session inside an element of this page.
// Generated per request (it carries a fresh session token); never cache it.
(function () {
  "use strict";
  const config = {{ config|tojson }};
  let target = document.getElementById(config.elementId);
  if (!target) {
    console.error("aioserve: no element with id " + JSON.stringify(config.elementId) +
                  " to show " + config.app + " in");
    return;
  }
  if (target.tagName === "SCRIPT") {
    // Bokeh's server_document() gives its <script> tag the id: the app goes right after it.
    const box = document.createElement("div");
    target.parentNode.insertBefore(box, target.nextSibling);
    target = box;
  }
  // aioserve's styles apply inside this element only (see aioserve.css).
  target.classList.add("aio-app");
  const present = Array.prototype.map.call(
    document.querySelectorAll("link[rel=stylesheet]"), function (link) { return link.href; });
  config.css.forEach(function (href) {
    if (present.indexOf(href) !== -1) return;
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.appendChild(link);
  });

  function showError(text) {
    const card = document.createElement("div");
    card.className = "aio-error-card";
    card.setAttribute("role", "alert");
    const title = document.createElement("strong");
    title.textContent = "The app " + config.app + " failed to load";
    const detail = document.createElement("pre");
    detail.textContent = text;
    card.appendChild(title);
    card.appendChild(detail);
    target.replaceChildren(card);
    console.error("aioserve: " + config.app + " failed to load: " + text);
  }

  if (config.error) {
    showError(config.error);
    return;
  }
  const loading = document.createElement("div");
  loading.className = "aio-loading";
  loading.textContent = "Loading " + config.app + "\u2026";
  target.replaceChildren(loading);
  import(config.module).then(function (client) {
    const handle = client.embed({token: config.token, wsUrl: config.wsUrl, element: target});
    (window.aioserveEmbeds = window.aioserveEmbeds || {})[config.elementId] = handle;
  }, function (err) {
    showError("cannot load the aioserve client from " + config.module + ": " + err);
  });
})();
