// FileInput: each chosen file goes to the server as one `upload` event with
// its content in base64. A file over `max_size` is refused here, never sent.

import {h} from "../dom.js";
import {FieldView} from "./base.js";

export function formatBytes(size) {
  if (size < 1024) return `${size} B`;
  const units = ["KB", "MB", "GB"];
  let value = size;
  let unit = "B";
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${unit}`;
}

// Room in a message for everything but the file: the JSON envelope, name and type.
const ENVELOPE_BYTES = 2048;

/**
 * The largest file that may be sent: the model's `max_size`, and what fits in one
 * message once base64 (4 bytes for 3) is counted. {bytes, byServer} or null.
 */
export function uploadLimit(maxSize, maxMessageBytes) {
  const own = typeof maxSize === "number" && maxSize > 0 ? maxSize : Infinity;
  const wire = Number.isInteger(maxMessageBytes) && maxMessageBytes > 0 ?
    Math.max(0, Math.floor(((maxMessageBytes - ENVELOPE_BYTES) * 3) / 4)) : Infinity;
  const bytes = Math.min(own, wire);
  return Number.isFinite(bytes) ? {bytes, byServer: wire < own} : null;
}

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error("read failed"));
    reader.readAsDataURL(file);
  });
}

export class FileInputView extends FieldView {
  get fieldClass() {
    return "aio-file";
  }

  render() {
    const el = super.render();
    // The browser's own text beside its button ("No file chosen", or the file's name)
    // is cleared after each upload so the same file can be chosen again, and knows
    // nothing of the server: it is hidden, and our status takes its place in the box.
    const box = h("div", {class: "aio-file-box"});
    this.control.replaceWith(box);
    box.append(this.control, this.status);
    return el;
  }

  renderControl() {
    const input = h("input", {type: "file"});
    this.setAccept(input);
    input.addEventListener("change", () => this.chosen());
    return input;
  }

  renderAfter() {
    this.status = h("span", {class: "aio-file-name", "aria-live": "polite"});
    this.showFilename(this.props.filename);
    return [this.status];
  }

  setAccept(input = this.control) {
    input.accept = this.props.accept ?? "";
    input.multiple = Boolean(this.props.multiple);
  }

  showFilename(name) {
    this.status.textContent = name ? `Uploaded: ${name}` :
      (this.props.multiple ? "No files chosen" : "No file chosen");
    this.status.classList.toggle("aio-file-none", !name);
  }

  async chosen() {
    const files = [...(this.control.files ?? [])];
    this.control.value = ""; // choosing the same file again fires "change" again
    if (!this.ctx.live()) return;
    const limit = uploadLimit(this.props.max_size, this.ctx.maxMessageBytes?.() ?? null);
    let sent = null;
    for (const file of files) {
      if (limit && file.size > limit.bytes) {
        const why = limit.byServer ? "the server takes files up to" : "the limit is";
        this.ctx.notify(`“${file.name}” is too large (${formatBytes(file.size)}); ${why} ${formatBytes(limit.bytes)}. It was not uploaded.`, "error");
        continue;
      }
      this.status.classList.remove("aio-file-none");
      this.status.textContent = `Uploading ${file.name}…`;
      try {
        const content = await readBase64(file);
        this.ctx.event(this.id, "upload", {
          filename: file.name, mime_type: file.type || "application/octet-stream", size: file.size, content,
        });
        sent = file.name;
      } catch (err) {
        this.ctx.notify(`Could not read “${file.name}”: ${err.message}`, "error");
      }
    }
    this.showFilename(sent ?? this.props.filename);
  }

  updateField(attr, value) {
    if (attr === "filename") this.showFilename(value);
    else if (attr === "accept" || attr === "multiple") {
      this.setAccept();
      this.showFilename(this.props.filename);
    }
  }
}
