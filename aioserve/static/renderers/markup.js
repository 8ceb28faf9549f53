// Text and rich content: Div, Markdown, Pane; and the placeholders for models
// that have no view (sources) or no renderer yet.

import {h, px} from "../dom.js";
import {renderMarkdown} from "../markdown.js";
import {ModelView} from "./base.js";

export class DivView extends ModelView {
  render() {
    const el = h("div", {class: "aio-div"});
    this.fill(el);
    return el;
  }

  fill(el = this.el) {
    const {text, render_as_text: asText} = this.props;
    // `text` is HTML written by the app author (trusted, as in Bokeh).
    if (asText) el.textContent = text ?? "";
    else el.innerHTML = text ?? "";
  }

  update(attr) {
    if (attr === "text" || attr === "render_as_text") this.fill();
  }
}

export class MarkdownView extends ModelView {
  render() {
    const el = h("div", {class: "aio-markdown aio-prose"});
    el.innerHTML = renderMarkdown(this.props.text);
    return el;
  }

  update(attr, value) {
    if (attr === "text") this.el.innerHTML = renderMarkdown(value);
  }
}

function base64Utf8(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

// The look of HTML inside a pane's frame: the page's font and colours, and tables as a
// notebook shows them (pandas' `_repr_html_` among others).
const FRAME_STYLE = `<!doctype html><meta charset="utf-8"><style>
:root { color-scheme: light dark; }
body { margin: 0; padding: 10px 12px; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto,
  "Noto Sans", "Liberation Sans", Arial, sans-serif; color: CanvasText; background: transparent; }
body > :first-child { margin-top: 0; } body > :last-child { margin-bottom: 0; }
table { border-collapse: collapse; border: none; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border: none; border-bottom: 1px solid rgba(128, 128, 128, 0.22);
  text-align: right; vertical-align: top; }
thead th { border-bottom: 1px solid rgba(128, 128, 128, 0.55); font-weight: 600; }
tbody th { font-weight: 600; text-align: left; }
tbody tr:nth-child(odd) { background: rgba(128, 128, 128, 0.07); }
tbody tr:hover { background: rgba(45, 106, 224, 0.1); }
img, svg { max-width: 100%; height: auto; }
a { color: #2d6ae0; }
pre, code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
</style>`;
// What matplotlib writes at the top of every SVG it saves.
const MATPLOTLIB_SVG = /<dc:title>Matplotlib v|Created with matplotlib/i;
// Tall HTML scrolls inside its frame past this height (unless the app sets `height`).
const MAX_FIT_HEIGHT = 640;

/** Whatever an object could show of itself: HTML (isolated), SVG, PNG, JPEG, Markdown, text. */
export class PaneView extends ModelView {
  render() {
    const el = h("div", {class: "aio-pane"});
    this.fill(el);
    return el;
  }

  fill(el = this.el) {
    const {mime, data} = this.props;
    const text = data ?? "";
    let content;
    switch (mime) {
      case "text/html":
        // The sandbox has no allow-scripts: nothing in the frame runs script, not even an
        // inline handler, and it can neither navigate this page nor submit forms.
        // allow-same-origin only lets this page measure the content to fit the height.
        content = h("iframe", {sandbox: "allow-same-origin", srcdoc: FRAME_STYLE + text,
          class: "aio-pane-frame", title: this.props.name || "HTML content",
          style: {height: px(this.props.height ?? 150)}});
        content.addEventListener("load", () => this.fitFrame(content));
        this.watchFrame(content);
        break;
      case "image/svg+xml":
        // As an <img>, an SVG cannot run script.
        content = h("img", {src: `data:image/svg+xml;base64,${base64Utf8(text)}`, alt: this.props.name || ""});
        break;
      case "image/png":
      case "image/jpeg":
        content = h("img", {src: `data:${mime};base64,${text.replace(/\s+/g, "")}`, alt: this.props.name || ""});
        break;
      case "text/markdown":
        content = h("div", {class: "aio-prose"});
        content.innerHTML = renderMarkdown(text);
        break;
      default:
        content = h("pre", {class: "aio-pre"}, text);
    }
    el.dataset.mime = mime ?? "text/plain";
    // A matplotlib figure is drawn black on white; the page's dark theme turns its
    // colours round (aioserve.css), as no setting of the figure follows the page.
    if (mime === "image/svg+xml" && MATPLOTLIB_SVG.test(text.slice(0, 4000))) el.dataset.figure = "matplotlib";
    else delete el.dataset.figure;
    el.replaceChildren(content);
  }

  /** Without a fixed `height`, the frame is as tall as its content (up to a limit). */
  fitFrame(frame) {
    if (typeof this.props.height === "number" || !frame.isConnected) return;
    const body = frame.contentDocument?.body;
    // Hidden (an inactive tab, a collapsed card): nothing to measure yet; see watchFrame.
    if (!body || frame.clientWidth === 0) return;
    const height = px(Math.min(MAX_FIT_HEIGHT, Math.ceil(body.scrollHeight) + 2));
    if (frame.style.height !== height) frame.style.height = height;
  }

  /** Fit again when the frame is shown or resized (its content reflows with the width). */
  watchFrame(frame) {
    this._frameObserver?.disconnect();
    if (typeof ResizeObserver === "undefined") return;
    let width = -1;
    this._frameObserver = new ResizeObserver(() => {
      if (frame.clientWidth === width) return; // our own height change: nothing to do
      width = frame.clientWidth;
      this.fitFrame(frame);
    });
    this._frameObserver.observe(frame);
  }

  destroy() {
    this._frameObserver?.disconnect();
    super.destroy();
  }

  applySize(width, height) {
    this.el.style.width = px(width);
    // An iframe takes the height itself; other content may scroll inside it.
    this.el.style.height = this.props.mime === "text/html" ? "" : px(height);
    const frame = this.el.querySelector("iframe");
    if (frame) {
      if (typeof height === "number") frame.style.height = px(height);
      else this.fitFrame(frame);
    }
  }

  update(attr) {
    if (attr === "mime" || attr === "data") {
      this.fill();
      this.applySize(this.props.width ?? null, this.props.height ?? null);
    }
  }
}

/** A model the page cannot show: a visible note instead of a crash. */
export class UnsupportedView extends ModelView {
  render() {
    return h("div", {class: "aio-unsupported", role: "note"}, `Unsupported model: ${this.model.type}`);
  }
}

/** A model with no view of its own (a ColumnDataSource placed in a layout). */
export class NonVisualView extends ModelView {
  render() {
    return h("span", {class: "aio-nonvisual", hidden: true});
  }

  updateCommon(attr) {
    return attr === "visible" || super.updateCommon(attr);
  }
}
