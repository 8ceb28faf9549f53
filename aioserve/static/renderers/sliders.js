// Slider and RangeSlider on native <input type="range">. Values are sent while
// dragging; the outbox keeps one message in flight and sends only the latest
// value after it, so a fast drag never floods the socket.

import {h} from "../dom.js";
import {FieldView, ModelView} from "./base.js";

function decimalsOf(step) {
  if (typeof step !== "number" || !Number.isFinite(step)) return 2;
  const text = String(step);
  if (text.includes("e-")) return Number(text.split("e-")[1]);
  return (text.split(".")[1] ?? "").length;
}

export function formatSliderValue(value, step) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "";
  return value.toFixed(Math.min(20, decimalsOf(step)));
}

function setRangeAttrs(input, {start, end, step}) {
  input.min = String(start ?? 0);
  input.max = String(end ?? 1);
  input.step = typeof step === "number" && step > 0 ? String(step) : "any";
}

/** Where `value` sits between start and end, 0..1 (for the filled part of the track). */
function fraction(value, {start, end}) {
  const lo = start ?? 0;
  const span = (end ?? 1) - lo;
  if (!span || typeof value !== "number") return 0;
  return Math.min(1, Math.max(0, (value - lo) / span));
}

export class SliderView extends FieldView {
  get fieldClass() {
    return "aio-slider";
  }

  renderControl() {
    const input = h("input", {type: "range"});
    setRangeAttrs(input, this.props);
    input.value = String(this.props.value ?? this.props.start ?? 0);
    input.addEventListener("input", () => {
      const value = Number(input.value);
      this.showValue(value);
      if (this.ctx.live() && value !== this.props.value) this.ctx.set(this.id, "value", value);
    });
    return input;
  }

  renderTitleExtras() {
    this.output = h("output", {class: "aio-slider-value", "aria-hidden": "true"});
    this.showValue(this.props.value);
    return [this.output];
  }

  showValue(value) {
    this.output.textContent = formatSliderValue(value, this.props.step);
    this.output.hidden = this.props.show_value === false;
    this.control.style.setProperty("--aio-fill", String(fraction(value, this.props)));
  }

  updateField(attr, value) {
    if (attr === "value") {
      if (Number(this.control.value) !== value) this.control.value = String(value);
      this.showValue(value);
    } else if (attr === "start" || attr === "end" || attr === "step") {
      setRangeAttrs(this.control, this.props);
      this.control.value = String(this.props.value);
      this.showValue(this.props.value);
    } else if (attr === "show_value") {
      this.showValue(this.props.value);
      this.setTitle(this.props.title);
    }
  }
}

export class RangeSliderView extends ModelView {
  render() {
    const titleId = this.domId("title");
    this.titleText = h("span", {class: "aio-field-title-text"});
    this.output = h("output", {class: "aio-slider-value", "aria-hidden": "true"});
    this.titleEl = h("span", {class: "aio-field-title", id: titleId}, this.titleText, this.output);
    this.lo = h("input", {type: "range", class: "aio-control", id: this.domId("lo")});
    this.hi = h("input", {type: "range", class: "aio-control", id: this.domId("hi")});
    this.fill = h("span", {class: "aio-range-fill"});
    this.track = h("span", {class: "aio-range-track"}, h("span", {class: "aio-range-rail"}), this.fill,
      this.lo, this.hi);
    // Keyboard (and tests' fill()) work on the inputs; the pointer works on the track, which
    // picks the nearer thumb, so two thumbs on one spot can still be pulled apart.
    for (const input of [this.lo, this.hi]) input.addEventListener("input", () => this.moved(input));
    this.dragging = null;
    this.track.addEventListener("pointerdown", (event) => this.pointerDown(event));
    this.track.addEventListener("pointermove", (event) => this.pointerMove(event));
    for (const type of ["pointerup", "pointercancel"]) {
      this.track.addEventListener(type, () => {
        this.dragging = null;
      });
    }
    this.el = h("div", {class: "aio-field aio-range-slider", role: "group", "aria-labelledby": titleId},
      this.titleEl, this.track);
    this.setLimits();
    this.setTitle(this.props.title);
    this.showValue(this.props.value);
    return this.el;
  }

  setTitle(title) {
    this.titleText.textContent = title ?? "";
    this.lo.setAttribute("aria-label", `${title ?? "Range"} minimum`);
    this.hi.setAttribute("aria-label", `${title ?? "Range"} maximum`);
  }

  setLimits() {
    setRangeAttrs(this.lo, this.props);
    setRangeAttrs(this.hi, this.props);
  }

  /** The value under a pointer at clientX, snapped to the step. */
  valueAt(clientX) {
    const rect = this.track.getBoundingClientRect();
    const thumb = 18; // keep in step with the thumb width in aioserve.css
    const ratio = Math.min(1, Math.max(0, (clientX - rect.left - thumb / 2) / Math.max(1, rect.width - thumb)));
    const start = this.props.start ?? 0;
    const end = this.props.end ?? 1;
    const step = this.props.step;
    let value = start + ratio * (end - start);
    if (typeof step === "number" && step > 0) {
      value = start + Math.round((value - start) / step) * step;
      value = Number(value.toFixed(Math.min(20, decimalsOf(step))));
    }
    return Math.min(end, Math.max(start, value));
  }

  pointerDown(event) {
    if (event.button !== 0 || this.lo.matches(":disabled") || !this.ctx.live()) return;
    event.preventDefault();
    const value = this.valueAt(event.clientX);
    const lo = Number(this.lo.value);
    const hi = Number(this.hi.value);
    if (lo !== hi) this.dragging = Math.abs(value - lo) <= Math.abs(value - hi) ? this.lo : this.hi;
    else this.dragging = value < lo ? this.lo : value > hi ? this.hi : null; // decided by the first move
    this.track.setPointerCapture?.(event.pointerId);
    (this.dragging ?? this.hi).focus();
    if (this.dragging) this.dragTo(value);
  }

  pointerMove(event) {
    if (!this.track.hasPointerCapture?.(event.pointerId)) return;
    const value = this.valueAt(event.clientX);
    if (!this.dragging) {
      const at = Number(this.lo.value);
      if (value === at) return;
      this.dragging = value < at ? this.lo : this.hi;
      this.dragging.focus();
    }
    this.dragTo(value);
  }

  dragTo(value) {
    if (Number(this.dragging.value) === value) return;
    this.dragging.value = String(value);
    this.moved(this.dragging);
  }

  moved(input) {
    let lo = Number(this.lo.value);
    let hi = Number(this.hi.value);
    if (lo > hi) {
      // Keep lo <= hi: the thumb being moved stops at the other one.
      if (input === this.lo) lo = hi;
      else hi = lo;
      input.value = String(input === this.lo ? lo : hi);
    }
    this.showValue([lo, hi]);
    const current = this.props.value ?? [];
    if (this.ctx.live() && (current[0] !== lo || current[1] !== hi)) this.ctx.set(this.id, "value", [lo, hi]);
  }

  showValue(value) {
    const [lo, hi] = Array.isArray(value) ? value : [this.props.start ?? 0, this.props.end ?? 1];
    if (Number(this.lo.value) !== lo) this.lo.value = String(lo);
    if (Number(this.hi.value) !== hi) this.hi.value = String(hi);
    const step = this.props.step;
    this.output.textContent = `${formatSliderValue(lo, step)} – ${formatSliderValue(hi, step)}`;
    this.output.hidden = this.props.show_value === false;
    this.el.style.setProperty("--aio-lo", String(fraction(lo, this.props)));
    this.el.style.setProperty("--aio-hi", String(fraction(hi, this.props)));
  }

  setDisabled(disabled) {
    this.lo.disabled = disabled;
    this.hi.disabled = disabled;
  }

  update(attr, value) {
    if (attr === "title") this.setTitle(value);
    else if (attr === "value") this.showValue(value);
    else if (attr === "start" || attr === "end" || attr === "step" || attr === "show_value") {
      this.setLimits();
      this.showValue(this.props.value);
    }
  }
}
