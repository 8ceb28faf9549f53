// The base of every renderer: one view object per model, owning one element.
// It applies the props every visible model has (name, visible, width, height,
// sizing_mode, css_classes, disabled) and routes later changes to `update`.
//
// A renderer gets `ctx`:
//   ctx.store                       the DocumentStore (read props, resolve refs)
//   ctx.child(ref)                  the element of another model (made once, reused)
//   ctx.set(model, attr, value)     the user changed a client-settable property
//   ctx.event(model, name, data)    the user triggered an event
//   ctx.request(msg)                a request answered by a reply of its own (`rows`): a Promise
//   ctx.notify(text, level)         a toast
//   ctx.live()                      true while the page may send input
//   ctx.maxMessageBytes()           the largest message the server takes, or null

import {domId, h, px} from "../dom.js";

const SIZING_CLASSES = {
  stretch_width: ["aio-stretch-width"],
  stretch_height: ["aio-stretch-height"],
  stretch_both: ["aio-stretch-width", "aio-stretch-height"],
};

export class ModelView {
  constructor(model, ctx) {
    this.model = model;
    this.id = model.id;
    this.ctx = ctx;
    this._cleanups = [];
    this._userClasses = [];
    this.el = this.render();
    this.el.classList.add("aio-model");
    this.el.dataset.modelId = this.id;
    this.el.dataset.modelType = model.type;
    for (const attr of ["name", "visible", "sizing_mode", "css_classes", "disabled"]) {
      this.updateCommon(attr);
    }
    this.watch(this.id, (change) => this.onChange(change));
  }

  get props() {
    return this.model.props;
  }

  /** Build and return the element. Subclasses must implement it. */
  render() {
    return h("div");
  }

  /** A property of this model changed (not one of the common ones). */
  update(_attr, _value) {}

  /** Stream / patch events on this model (only sources have them). */
  onData(_change) {}

  onChange(change) {
    if (change.kind !== "set") this.onData(change);
    else if (!this.updateCommon(change.attr)) this.update(change.attr, change.value, change);
  }

  updateCommon(attr) {
    const p = this.props;
    switch (attr) {
      case "name":
        if (p.name) this.el.dataset.name = p.name;
        else delete this.el.dataset.name;
        return true;
      case "visible":
        this.el.hidden = p.visible === false;
        return true;
      case "width":
      case "height":
      case "sizing_mode":
        this.el.classList.remove("aio-stretch-width", "aio-stretch-height");
        this.el.classList.add(...(SIZING_CLASSES[p.sizing_mode] ?? []));
        // A stretched dimension follows the container, whatever the fixed size says.
        this.applySize(this.el.classList.contains("aio-stretch-width") ? null : p.width ?? null,
          this.el.classList.contains("aio-stretch-height") ? null : p.height ?? null);
        return true;
      case "css_classes":
        this.el.classList.remove(...this._userClasses);
        this._userClasses = (p.css_classes ?? []).filter((c) => typeof c === "string" && c);
        this.el.classList.add(...this._userClasses);
        return true;
      case "disabled":
        if (!("disabled" in p)) return false;
        this.setDisabled(Boolean(p.disabled));
        return true;
      default:
        return false;
    }
  }

  applySize(width, height) {
    this.el.style.width = px(width);
    this.el.style.height = px(height);
  }

  setDisabled(_disabled) {}

  domId(part) {
    return domId(this.id, part);
  }

  watch(id, fn) {
    const stop = this.ctx.store.watch(id, fn);
    this._cleanups.push(stop);
    return stop;
  }

  /** addEventListener on something outside this.el, removed on destroy. */
  listen(target, type, fn, options) {
    target.addEventListener(type, fn, options);
    this._cleanups.push(() => target.removeEventListener(type, fn, options));
  }

  destroy() {
    for (const cleanup of this._cleanups.splice(0)) cleanup();
  }
}

/**
 * A widget made of a title and one native control. The title is a <label> whose
 * `for` names the control, so it names it for assistive tech and for tests. It
 * does not wrap the control: a label around a <select> would take every option's
 * text into the control's name.
 */
export class FieldView extends ModelView {
  render() {
    this.control = this.renderControl();
    this.control.id = this.domId("input");
    this.control.classList.add("aio-control");
    this.titleEl = h("label", {class: "aio-field-title", for: this.control.id});
    this.titleText = h("span", {class: "aio-field-title-text"});
    this.titleEl.append(this.titleText, ...this.renderTitleExtras());
    const el = h("div", {class: ["aio-field", this.fieldClass]},
      this.titleEl, this.control, ...this.renderAfter());
    this.setTitle(this.model.props.title);
    return el;
  }

  get fieldClass() {
    return "";
  }

  renderControl() {
    return h("input", {type: "text"});
  }

  renderTitleExtras() {
    return [];
  }

  renderAfter() {
    return [];
  }

  setTitle(title) {
    this.titleText.textContent = title ?? "";
    this.titleEl.hidden = !title && !this.titleEl.querySelector("output:not([hidden])");
  }

  update(attr, value) {
    if (attr === "title") this.setTitle(value);
    else this.updateField(attr, value);
  }

  updateField(_attr, _value) {}

  setDisabled(disabled) {
    this.control.disabled = disabled;
  }

  applySize(width, height) {
    this.el.style.width = px(width);
    this.control.style.height = px(height);
  }
}
