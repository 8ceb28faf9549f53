// Text-like inputs and the checkbox: TextInput, TextArea, NumberInput,
// DatePicker, Checkbox. A server `set` of a value the user is editing replaces
// what they typed (server wins; the caret stays where it was).

import {h, setInputValue} from "../dom.js";
import {FieldView, ModelView} from "./base.js";

const VALUE_INPUT_DEBOUNCE_MS = 150;

/** Sends `value` on change (blur) and Enter; TextInput adds `value_input` while typing. */
class CommitOnChangeView extends FieldView {
  renderControl() {
    const control = this.createControl();
    control.addEventListener("change", () => this.commit());
    control.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && control.tagName !== "TEXTAREA") this.commit();
    });
    return control;
  }

  /** The value to send, or undefined to send nothing (and show the model's value again). */
  readValue() {
    return this.control.value;
  }

  commit() {
    if (!this.ctx.live()) return;
    const value = this.readValue();
    if (value === undefined) this.showValue(this.props.value);
    else if (value !== (this.props.value ?? null)) this.ctx.set(this.id, "value", value);
  }

  showValue(value) {
    setInputValue(this.control, value);
  }

  updateField(attr, value) {
    if (attr === "value") this.showValue(value);
    else if (attr === "placeholder") this.control.placeholder = value ?? "";
  }
}

export class TextInputView extends CommitOnChangeView {
  createControl() {
    const input = h("input", {type: "text", autocomplete: "off", spellcheck: "false",
      placeholder: this.props.placeholder ?? "", value: this.props.value ?? ""});
    input.addEventListener("input", () => {
      clearTimeout(this.inputTimer);
      this.inputTimer = setTimeout(() => this.sendValueInput(), VALUE_INPUT_DEBOUNCE_MS);
    });
    return input;
  }

  sendValueInput() {
    clearTimeout(this.inputTimer);
    const value = this.control.value;
    if (this.ctx.live() && value !== (this.props.value_input ?? "")) {
      this.ctx.set(this.id, "value_input", value);
    }
  }

  readValue() {
    this.sendValueInput(); // value_input first, so the server sees the keystrokes before the commit
    return this.control.value;
  }

  destroy() {
    clearTimeout(this.inputTimer);
    super.destroy();
  }
}

export class TextAreaView extends CommitOnChangeView {
  get fieldClass() {
    return "aio-field-textarea";
  }

  createControl() {
    return h("textarea", {placeholder: this.props.placeholder ?? "", rows: this.props.rows ?? 2,
      value: this.props.value ?? ""});
  }

  updateField(attr, value) {
    if (attr === "rows") this.control.rows = value ?? 2;
    else super.updateField(attr, value);
  }
}

export class NumberInputView extends CommitOnChangeView {
  createControl() {
    const input = h("input", {type: "number", value: this.props.value ?? ""});
    this.setLimits(input);
    return input;
  }

  setLimits(input = this.control) {
    const {low, high, step} = this.props;
    for (const [name, value] of [["min", low], ["max", high]]) {
      if (typeof value === "number") input.setAttribute(name, value);
      else input.removeAttribute(name);
    }
    input.step = typeof step === "number" && step > 0 ? String(step) : "any";
  }

  readValue() {
    if (this.control.validity.badInput) return undefined;
    if (this.control.value.trim() === "") return null;
    const number = Number(this.control.value);
    return Number.isFinite(number) ? number : undefined;
  }

  updateField(attr, value) {
    if (attr === "low" || attr === "high" || attr === "step") this.setLimits();
    else super.updateField(attr, value);
  }
}

export class DatePickerView extends CommitOnChangeView {
  createControl() {
    const input = h("input", {type: "date", value: this.props.value ?? ""});
    this.setLimits(input);
    return input;
  }

  setLimits(input = this.control) {
    input.min = this.props.min_date ?? "";
    input.max = this.props.max_date ?? "";
  }

  readValue() {
    return this.control.value || null;
  }

  updateField(attr, value) {
    if (attr === "min_date" || attr === "max_date") this.setLimits();
    else super.updateField(attr, value);
  }
}

export class CheckboxView extends ModelView {
  render() {
    this.control = h("input", {type: "checkbox", id: this.domId("input"), class: "aio-control",
      checked: Boolean(this.props.active)});
    this.control.addEventListener("change", () => {
      if (this.ctx.live()) this.ctx.set(this.id, "active", this.control.checked);
      else this.control.checked = Boolean(this.props.active);
    });
    this.labelText = h("span", {class: "aio-check-label"}, this.props.label ?? "");
    return h("label", {class: "aio-check", for: this.control.id}, this.control, this.labelText);
  }

  setDisabled(disabled) {
    this.control.disabled = disabled;
  }

  update(attr, value) {
    if (attr === "active") this.control.checked = Boolean(value);
    else if (attr === "label") this.labelText.textContent = value ?? "";
  }
}
