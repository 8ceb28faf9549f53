// Notices at the top of the page: errors stay until dismissed, others fade
// after a few seconds. The same message twice shows once, with a count.

import {h} from "./dom.js";

const MAX_SHOWN = 4;
const INFO_MS = 6000;

export class Toasts {
  constructor(parent) {
    this.el = h("div", {id: "aioserve-notices", class: "aio-toasts"});
    parent.append(this.el);
  }

  /** Errors, and `sticky` notices, stay until dismissed; the others fade. */
  show(message, level = "error", {sticky = level === "error"} = {}) {
    const text = String(message);
    for (const toast of this.el.children) {
      if (toast.dataset.text === text && toast.dataset.level === level) {
        const count = Number(toast.dataset.count) + 1;
        toast.dataset.count = String(count);
        toast.querySelector(".aio-toast-count").textContent = `×${count}`;
        return toast;
      }
    }
    const close = h("button", {type: "button", class: "aio-toast-close", "aria-label": "Dismiss notice"}, "×");
    const toast = h("div", {class: "aio-toast", role: level === "error" ? "alert" : "status",
      dataset: {level, text, count: "1"}},
    h("span", {class: "aio-toast-icon", "aria-hidden": "true"}, level === "error" ? "!" : "i"),
    h("span", {class: "aio-toast-text"}, text), h("span", {class: "aio-toast-count"}), close);
    close.addEventListener("click", () => toast.remove());
    this.el.append(toast);
    while (this.el.children.length > MAX_SHOWN) this.el.firstElementChild.remove();
    if (!sticky) setTimeout(() => toast.remove(), INFO_MS);
    return toast;
  }
}
