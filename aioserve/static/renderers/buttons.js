// Button (a click event) and Toggle (a settable `active`), both native <button>s.

import {h} from "../dom.js";
import {ModelView} from "./base.js";

const BUTTON_TYPES = ["default", "primary", "success", "warning", "danger"];

class BaseButtonView extends ModelView {
  render() {
    const el = h("button", {type: "button", class: "aio-button"});
    el.addEventListener("click", () => {
      if (this.ctx.live()) this.clicked();
    });
    this.el = el;
    this.setLabel(this.props.label);
    this.setType(this.props.button_type);
    return el;
  }

  setLabel(label) {
    this.el.textContent = label ?? "";
  }

  setType(type) {
    for (const t of BUTTON_TYPES) this.el.classList.remove(`aio-button-${t}`);
    this.el.classList.add(`aio-button-${BUTTON_TYPES.includes(type) ? type : "default"}`);
  }

  setDisabled(disabled) {
    this.el.disabled = disabled;
  }

  update(attr, value) {
    if (attr === "label") this.setLabel(value);
    else if (attr === "button_type") this.setType(value);
  }
}

export class ButtonView extends BaseButtonView {
  clicked() {
    this.ctx.event(this.id, "click", {});
  }
}

export class ToggleView extends BaseButtonView {
  render() {
    const el = super.render();
    el.classList.add("aio-toggle");
    this.setActive(this.props.active);
    return el;
  }

  setActive(active) {
    this.el.setAttribute("aria-pressed", active ? "true" : "false");
  }

  clicked() {
    this.ctx.set(this.id, "active", !this.props.active);
  }

  update(attr, value) {
    if (attr === "active") this.setActive(value);
    else super.update(attr, value);
  }
}
