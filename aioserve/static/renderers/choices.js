// Choices: Select and MultiSelect (native <select>), RadioGroup (radio inputs
// in a <fieldset>). Options are "value" or ["value", "label"].

import {h} from "../dom.js";
import {FieldView, ModelView} from "./base.js";

export function normalizeOptions(options) {
  return (options ?? []).map((option) =>
    Array.isArray(option) ? [String(option[0]), String(option[1] ?? option[0])] : [String(option), String(option)]);
}

function fillOptions(select, options) {
  select.replaceChildren(...normalizeOptions(options).map(([value, label]) => h("option", {value}, label)));
}

export class SelectView extends FieldView {
  get fieldClass() {
    return "aio-select";
  }

  renderControl() {
    const select = h("select");
    fillOptions(select, this.props.options);
    select.value = this.props.value ?? "";
    select.addEventListener("change", () => {
      if (this.ctx.live()) this.ctx.set(this.id, "value", select.value);
    });
    return select;
  }

  updateField(attr, value) {
    if (attr === "options") {
      fillOptions(this.control, value);
      this.control.value = this.props.value ?? "";
    } else if (attr === "value") {
      this.control.value = value ?? "";
    }
  }
}

export class MultiSelectView extends FieldView {
  get fieldClass() {
    return "aio-multiselect";
  }

  renderControl() {
    const select = h("select", {multiple: true, size: this.props.size ?? 4});
    fillOptions(select, this.props.options);
    this.showValue(this.props.value, select);
    select.addEventListener("change", () => {
      if (!this.ctx.live()) return;
      this.ctx.set(this.id, "value", [...select.selectedOptions].map((option) => option.value));
    });
    return select;
  }

  showValue(value, select = this.control) {
    const chosen = new Set(value ?? []);
    for (const option of select.options) option.selected = chosen.has(option.value);
  }

  updateField(attr, value) {
    if (attr === "options") {
      fillOptions(this.control, value);
      this.showValue(this.props.value);
    } else if (attr === "value") {
      this.showValue(value);
    } else if (attr === "size") {
      this.control.size = value ?? 4;
    }
  }
}

export class RadioGroupView extends ModelView {
  render() {
    this.legend = h("legend", {class: "aio-field-title"});
    this.options = h("div", {class: "aio-radio-options"});
    this.disabled = false;
    this.el = h("fieldset", {class: "aio-radio-group"}, this.legend, this.options);
    this.setTitle(this.props.title);
    this.renderOptions();
    this.setInline(this.props.inline);
    return this.el;
  }

  setTitle(title) {
    this.legend.textContent = title ?? "";
    this.legend.hidden = !title;
  }

  setInline(inline) {
    this.el.classList.toggle("aio-inline", Boolean(inline));
  }

  renderOptions() {
    const name = this.domId("radio");
    this.inputs = (this.props.labels ?? []).map((label, index) => {
      const input = h("input", {type: "radio", name, value: String(index), id: this.domId(`radio-${index}`),
        checked: this.props.active === index, disabled: this.disabled});
      input.addEventListener("change", () => {
        if (input.checked && this.ctx.live()) this.ctx.set(this.id, "active", index);
      });
      return input;
    });
    this.options.replaceChildren(...this.inputs.map((input, index) =>
      h("label", {class: "aio-check", for: input.id}, input, h("span", {class: "aio-check-label"},
        String(this.props.labels[index])))));
  }

  showActive(active) {
    this.inputs.forEach((input, index) => {
      input.checked = active === index;
    });
  }

  setDisabled(disabled) {
    this.disabled = disabled;
    this.el.disabled = disabled;
  }

  update(attr, value) {
    if (attr === "title") this.setTitle(value);
    else if (attr === "labels") this.renderOptions();
    else if (attr === "active") this.showActive(value);
    else if (attr === "inline") this.setInline(value);
  }
}
