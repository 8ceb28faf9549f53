// The connection badge (fixed, top right). #aioserve-status carries
// data-state = connecting | connected | reconnecting | disconnected and is a
// polite live region; the Reconnect / Reload button sits beside it, outside it.

import {h} from "./dom.js";

const COMPACT_AFTER_MS = 2500;

export class StatusBadge {
  constructor(parent, {onReconnect, onReload}) {
    this.text = h("span", {class: "aio-status-text"});
    this.status = h("div", {id: "aioserve-status", class: "aio-status", role: "status", "aria-live": "polite"},
      h("span", {class: "aio-status-dot", "aria-hidden": "true"}), this.text);
    this.button = h("button", {type: "button", class: "aio-status-action", hidden: true});
    this.button.addEventListener("click", () => (this.action === "reload" ? onReload() : onReconnect()));
    this.el = h("div", {class: "aio-status-wrap"}, this.status, this.button);
    this.action = null;
    this._timer = null;
    parent.append(this.el);
    this.show("connecting");
  }

  /** state: a Connection state; detail: its detail object. */
  show(state, detail = {}) {
    clearTimeout(this._timer);
    this.el.classList.remove("aio-compact");
    let text;
    let action = null;
    let shown = state;
    switch (state) {
      case "connected":
        text = "Connected";
        this._timer = setTimeout(() => this.el.classList.add("aio-compact"), COMPACT_AFTER_MS);
        break;
      case "reconnecting":
        text = detail.delay >= 1000 ? `Reconnecting in ${Math.round(detail.delay / 1000)} s…` : "Reconnecting…";
        break;
      case "disconnected":
        text = "Disconnected";
        action = detail.canRetry === false ? "reload" : "reconnect";
        break;
      case "expired":
        text = "Session expired — reloading…";
        shown = "disconnected";
        break;
      default:
        text = detail.delay >= 1000 ? `Connecting in ${Math.round(detail.delay / 1000)} s…` : "Connecting…";
        shown = "connecting";
    }
    this.status.dataset.state = shown;
    this.el.dataset.state = shown;
    this.text.textContent = text;
    this.action = action;
    this.button.hidden = action === null;
    this.button.textContent = action === "reload" ? "Reload page" : "Reconnect";
  }
}
