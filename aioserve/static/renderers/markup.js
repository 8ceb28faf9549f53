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
    const height = this.props.height;
    let content;
    switch (mime) {
      case "text/html":
        // No scripts, no same-origin access: sandbox="" with the HTML in srcdoc.
        content = h("iframe", {sandbox: "", srcdoc: text, class: "aio-pane-frame",
          title: this.props.name || "HTML content", style: {height: px(height ?? 300)}});
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
    el.replaceChildren(content);
  }

  applySize(width, height) {
    this.el.style.width = px(width);
    // An iframe takes the height itself; other content may scroll inside it.
    this.el.style.height = this.props.mime === "text/html" ? "" : px(height);
    const frame = this.el.querySelector("iframe");
    if (frame) frame.style.height = px(height ?? 300);
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
