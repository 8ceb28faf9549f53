// Puts the document on the page: one renderer object per model, created the
// first time a layout (or the root list) asks for it and destroyed when no
// longer reachable from the roots. All controls sit inside one <fieldset>, so a
// single `disabled` switches every input off while the page is not connected.

import {refId, refsIn} from "./document.js";
import {h, syncChildren} from "./dom.js";
import {rendererFor} from "./renderers/index.js";

export class View {
  /**
   * @param {HTMLElement} root
   * @param {import("./document.js").DocumentStore} store
   * @param {{set: Function, event: Function, notify: Function, live: () => boolean,
   *   maxMessageBytes?: () => number | null}} actions
   */
  constructor(root, store, actions) {
    this.root = root;
    this.store = store;
    this.views = new Map();
    this.container = h("fieldset", {class: "aio-document", disabled: true});
    this.ctx = {store, child: (ref) => this.elementFor(ref), ...actions};
    this._collectQueued = false;
    store.subscribe((change) => this.onChange(change));
  }

  elementFor(ref) {
    const id = refId(ref);
    const existing = this.views.get(id);
    if (existing) return existing.el;
    const model = this.store.get(id);
    if (!model) return h("div", {class: "aio-unsupported", role: "note"}, `Missing model: ${id}`);
    const Renderer = rendererFor(model.type);
    let view;
    try {
      view = new Renderer(model, this.ctx);
    } catch (err) {
      console.error(`aioserve: cannot render ${model.type} ${id}`, err);
      view = {el: h("div", {class: "aio-unsupported", role: "note", dataset: {modelId: id, modelType: model.type}},
        `Could not render ${model.type}: ${err.message}`), destroy() {}};
    }
    this.views.set(id, view);
    return view.el;
  }

  showRoots() {
    if (this.container.parentNode !== this.root) this.root.replaceChildren(this.container);
    syncChildren(this.container, this.store.roots.map((id) => this.elementFor(id)));
    this.collect();
  }

  onChange(change) {
    switch (change.kind) {
      case "reset":
        for (const view of this.views.values()) view.destroy();
        this.views.clear();
        this.container.replaceChildren();
        this.showTitle();
        this.addThemeCss(this.store.themeCss);
        this.showRoots();
        break;
      case "roots":
        this.showRoots();
        break;
      case "title":
        this.showTitle();
        break;
      case "set":
        if (refsIn(change.old).length || refsIn(change.value).length) this.queueCollect();
        break;
      default:
        break;
    }
  }

  showTitle() {
    if (this.store.title) document.title = this.store.title;
  }

  addThemeCss(urls) {
    const have = new Set([...document.querySelectorAll("link[rel=stylesheet]")].map((l) => l.getAttribute("href")));
    for (const url of urls ?? []) {
      if (!have.has(url)) document.head.append(h("link", {rel: "stylesheet", href: url}));
    }
  }

  setLive(live) {
    this.container.disabled = !live;
    this.root.dataset.live = live ? "true" : "false";
    if (live) for (const view of this.views.values()) view.onLive?.();
  }

  /** Destroy the views of models that are no longer reachable from the roots. */
  collect() {
    this._collectQueued = false;
    const reachable = new Set();
    const stack = [...this.store.roots];
    while (stack.length) {
      const id = stack.pop();
      if (reachable.has(id)) continue;
      reachable.add(id);
      const model = this.store.get(id);
      if (model) stack.push(...refsIn(model.props));
    }
    for (const [id, view] of this.views) {
      if (!reachable.has(id)) {
        view.destroy();
        this.views.delete(id);
      }
    }
  }

  queueCollect() {
    if (this._collectQueued) return;
    this._collectQueued = true;
    queueMicrotask(() => this.collect());
  }
}
