// Small DOM helpers shared by the renderers.

const PROPERTIES = new Set(["value", "checked", "selected", "disabled", "multiple", "indeterminate"]);

/** h("label", {class: "x", for: id, onclick: fn}, child, "text", ...) */
export function h(tag, attrs = null, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) setAttr(el, key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function svg(tag, attrs = null) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value !== null && value !== undefined) el.setAttribute(key, String(value));
    }
  }
  return el;
}

function setAttr(el, key, value) {
  if (value === null || value === undefined || value === false) return;
  if (key === "class") el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
  else if (key === "style") Object.assign(el.style, value);
  else if (key === "dataset") Object.assign(el.dataset, value);
  else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
  else if (PROPERTIES.has(key)) el[key] = value;
  else el.setAttribute(key, value === true ? "" : String(value));
}

/** Make `parent`'s children exactly `elements`, moving as few nodes as possible (keeps focus). */
export function syncChildren(parent, elements) {
  elements.forEach((el, i) => {
    const at = parent.children[i];
    if (at !== el) parent.insertBefore(el, at ?? null);
  });
  while (parent.children.length > elements.length) parent.lastElementChild.remove();
}

export function px(value) {
  return typeof value === "number" && Number.isFinite(value) ? `${value}px` : "";
}

/** A DOM id for a part of a model's view, safe whatever the model id contains. */
export function domId(modelId, part) {
  return `aio-${String(modelId).replace(/[^A-Za-z0-9_-]/g, "_")}-${part}`;
}

export function setBoolAttr(el, name, on) {
  if (on) el.setAttribute(name, "");
  else el.removeAttribute(name);
}

/** Set an input's value from the server: server wins, but keep the caret where it was. */
export function setInputValue(input, value) {
  const text = value === null || value === undefined ? "" : String(value);
  if (input.value === text) return;
  const focused = input.ownerDocument.activeElement === input;
  const caret = focused && "selectionStart" in input ? safeSelection(input) : null;
  input.value = text;
  if (caret !== null) {
    const at = Math.min(caret, text.length);
    try {
      input.setSelectionRange(at, at);
    } catch {
      // not a text control (number, date): nothing to keep
    }
  }
}

function safeSelection(input) {
  try {
    return input.selectionStart;
  } catch {
    return null;
  }
}
