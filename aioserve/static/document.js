// The client-side copy of a session's document: models, roots, title and the
// sequence number of the last change seen. Pure (no DOM), so node can test it.
//
// Listeners get one object per applied change:
//   {kind: "reset"}                                   a whole `doc` was loaded
//   {kind: "set", model, attr, value, old, origin}    origin: "server" | "local"
//   {kind: "models", ids}                             models added
//   {kind: "roots", roots} / {kind: "title", title}
//   {kind: "stream", model, data, rollover, added, removed}
//   {kind: "patch", model, patches}
// `watch(id, fn)` receives only the set/stream/patch changes of one model.

export function isRef(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value) &&
    typeof value.ref === "string";
}

export function refId(refOrId) {
  return typeof refOrId === "string" ? refOrId : isRef(refOrId) ? refOrId.ref : null;
}

/** Every model id referenced anywhere inside `value` (refs nest in lists and objects). */
export function refsIn(value, out = []) {
  if (isRef(value)) {
    out.push(value.ref);
  } else if (Array.isArray(value)) {
    for (const item of value) if (item !== null && typeof item === "object") refsIn(item, out);
  } else if (value !== null && typeof value === "object") {
    for (const item of Object.values(value)) {
      if (item !== null && typeof item === "object") refsIn(item, out);
    }
  }
  return out;
}

function sameValue(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

export class DocumentStore {
  constructor() {
    this.models = new Map();
    this.roots = [];
    this.title = "";
    this.themeCss = [];
    this.seq = null;
    this._listeners = new Set();
    this._watchers = new Map();
  }

  get loaded() {
    return this.seq !== null;
  }

  get(id) {
    return this.models.get(refId(id)) ?? null;
  }

  prop(id, attr) {
    return this.get(id)?.props[attr];
  }

  /** Replace everything with the document of a `doc` message. */
  load(doc, seq) {
    this.models = new Map();
    for (const [id, model] of Object.entries(doc.models ?? {})) this._add(id, model);
    this.roots = [...(doc.roots ?? [])];
    this.title = doc.title ?? "";
    this.themeCss = [...(doc.theme_css ?? [])];
    this.seq = seq ?? null;
    this._emit({kind: "reset"});
  }

  /** Apply the events of one `patch` message, in order. */
  applyPatch(events, seq) {
    for (const event of events) this.applyEvent(event);
    this.noteSeq(seq);
  }

  noteSeq(seq) {
    if (typeof seq === "number" && (this.seq === null || seq > this.seq)) this.seq = seq;
  }

  applyEvent(event) {
    switch (event.kind) {
      case "set":
        return this._set(event.model, event.attr, event.value, "server");
      case "models":
        return this._addModels(event.models ?? {});
      case "roots":
        this.roots = [...event.roots];
        this._emit({kind: "roots", roots: this.roots});
        return true;
      case "title":
        this.title = event.title;
        this._emit({kind: "title", title: this.title});
        return true;
      case "stream":
        return this._stream(event.model, event.data ?? {}, event.rollover ?? null);
      case "patch":
        return this._patch(event.model, event.patches ?? {});
      default:
        console.warn("aioserve: unknown change event", event);
        return false;
    }
  }

  /** A change made in this page (optimistic, or a revert); it is not a server fact. */
  setLocal(id, attr, value) {
    return this._set(id, attr, value, "local");
  }

  /** Listen to every change; returns a function that stops listening. */
  subscribe(fn) {
    this._listeners.add(fn);
    return () => this._listeners.delete(fn);
  }

  /** Listen to the set/stream/patch changes of one model. */
  watch(id, fn) {
    let set = this._watchers.get(id);
    if (!set) this._watchers.set(id, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this._watchers.get(id) === set) this._watchers.delete(id);
    };
  }

  _add(id, model) {
    const entry = {id, type: model.type, props: {...(model.props ?? {})}};
    this.models.set(id, entry);
    return entry;
  }

  _addModels(models) {
    const added = [];
    for (const [id, model] of Object.entries(models)) {
      const existing = this.models.get(id);
      if (existing && existing.type === model.type) {
        // Sent again: treat the differences as property changes so views follow.
        for (const [attr, value] of Object.entries(model.props ?? {})) {
          if (!sameValue(existing.props[attr], value)) this._set(id, attr, value, "server");
        }
      } else {
        this._add(id, model);
        added.push(id);
      }
    }
    this._emit({kind: "models", ids: added});
    return true;
  }

  _set(id, attr, value, origin) {
    const model = this.models.get(id);
    if (!model) {
      console.warn(`aioserve: set on unknown model ${id}.${attr}`);
      return false;
    }
    const old = model.props[attr];
    model.props[attr] = value;
    this._emit({kind: "set", model: id, attr, value, old, origin});
    return true;
  }

  _source(id, what) {
    const model = this.models.get(id);
    if (!model) {
      console.warn(`aioserve: ${what} on unknown model ${id}`);
      return null;
    }
    if (!model.props.data || typeof model.props.data !== "object") model.props.data = {};
    return model.props.data;
  }

  _stream(id, data, rollover) {
    const columns = this._source(id, "stream");
    if (!columns) return false;
    const names = Object.keys(data);
    const added = names.length ? data[names[0]].length : 0;
    let removed = 0;
    for (const name of names) {
      const column = (columns[name] ??= []);
      for (const value of data[name]) column.push(value);
      if (rollover !== null && column.length > rollover) {
        const excess = column.length - rollover;
        column.splice(0, excess);
        if (name === names[0]) removed = excess;
      }
    }
    this._emit({kind: "stream", model: id, data, rollover, added, removed});
    return true;
  }

  _patch(id, patches) {
    const columns = this._source(id, "patch");
    if (!columns) return false;
    for (const [name, changes] of Object.entries(patches)) {
      const column = (columns[name] ??= []);
      for (const [index, value] of changes) {
        if (Number.isInteger(index) && index >= 0 && index < column.length) column[index] = value;
        else console.warn(`aioserve: patch index ${JSON.stringify(index)} out of range`);
      }
    }
    this._emit({kind: "patch", model: id, patches});
    return true;
  }

  _emit(event) {
    if (event.model !== undefined) {
      const watchers = this._watchers.get(event.model);
      if (watchers) for (const fn of [...watchers]) fn(event);
    }
    for (const fn of [...this._listeners]) fn(event);
  }
}
