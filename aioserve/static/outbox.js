// What the page sends: `set` and `event` messages with increasing ids, and what
// happens when the server answers them. Pure (no DOM).
//
// Sets are optimistic: the store takes the new value at once, so every view of
// the model follows. Per (model, attr) at most one `set` is in flight; newer
// values wait in a single slot and only the latest is sent when the reply comes
// (a dragged slider never floods the socket). An `error` reply puts back the last
// value the server accepted. When the server itself sets a property that the
// user is changing, the server wins: the pending change is forgotten.

const NOTHING = Symbol("nothing");

function keyOf(model, attr) {
  return `${model}\u0000${attr}`;
}

export class Outbox {
  /**
   * @param {import("./document.js").DocumentStore} store
   * @param {{send: (msg: object) => boolean, notify: (text: string, level?: string) => void}} io
   */
  constructor(store, {send, notify}) {
    this.store = store;
    this._send = send;
    this._notify = notify;
    this.nextId = 1;
    this.pending = new Map(); // key -> {model, attr, base, inflightId, inflightValue, queued}
    this.inflight = new Map(); // id -> {kind: "set", entry} | {kind: "event", model, event}
    store.subscribe((change) => this._onChange(change));
  }

  set(model, attr, value) {
    const key = keyOf(model, attr);
    let entry = this.pending.get(key);
    if (!entry) {
      entry = {model, attr, base: this.store.prop(model, attr), inflightId: null,
        inflightValue: undefined, queued: NOTHING};
      this.pending.set(key, entry);
    }
    this.store.setLocal(model, attr, value);
    if (entry.inflightId !== null) entry.queued = value;
    else this._sendSet(entry, value);
  }

  event(model, event, data = {}) {
    const id = this.nextId++;
    this.inflight.set(id, {kind: "event", model, event});
    if (!this._send({type: "event", id, model, event, data})) this.inflight.delete(id);
  }

  /**
   * A request answered by a message of its own (`rows`): resolves with the reply,
   * rejects with an Error carrying `code` (the error reply's, or "disconnected").
   */
  request(msg) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.inflight.set(id, {kind: "request", resolve, reject});
      if (!this._send({...msg, id})) {
        this.inflight.delete(id);
        reject(Object.assign(new Error("not connected"), {code: "disconnected"}));
      }
    });
  }

  /** An `ok`, `error` or request reply (`rows`) message. */
  reply(msg) {
    const record = this.inflight.get(msg.reply_to);
    if (!record) return;
    this.inflight.delete(msg.reply_to);
    if (record.kind === "request") {
      if (msg.type === "error") record.reject(Object.assign(new Error(describeError(msg)), {code: msg.code}));
      else record.resolve(msg);
      return;
    }
    if (msg.type === "error") this._notify(describeError(msg), "error");
    if (record.kind !== "set") return;
    const entry = record.entry;
    const key = keyOf(entry.model, entry.attr);
    if (this.pending.get(key) !== entry || entry.inflightId !== msg.reply_to) return;
    if (msg.type === "ok") {
      entry.base = entry.inflightValue;
      entry.inflightId = null;
      if (entry.queued !== NOTHING) {
        const value = entry.queued;
        entry.queued = NOTHING;
        this._sendSet(entry, value);
      } else {
        this.pending.delete(key);
      }
    } else {
      this.pending.delete(key);
      this.store.setLocal(entry.model, entry.attr, entry.base);
    }
  }

  /** The connection dropped: no reply will come. Put back what the server last accepted. */
  reset() {
    const entries = [...this.pending.values()];
    const requests = [...this.inflight.values()].filter((r) => r.kind === "request");
    this.pending.clear();
    this.inflight.clear();
    for (const r of requests) r.reject(Object.assign(new Error("disconnected"), {code: "disconnected"}));
    for (const entry of entries) this.store.setLocal(entry.model, entry.attr, entry.base);
  }

  get busy() {
    return this.inflight.size > 0;
  }

  _sendSet(entry, value) {
    const id = this.nextId++;
    entry.inflightId = id;
    entry.inflightValue = value;
    this.inflight.set(id, {kind: "set", entry});
    if (!this._send({type: "set", id, model: entry.model, attr: entry.attr, value})) {
      this.inflight.delete(id);
      this.pending.delete(keyOf(entry.model, entry.attr));
      this.store.setLocal(entry.model, entry.attr, entry.base);
    }
  }

  _onChange(change) {
    if (change.kind === "reset") {
      this.pending.clear();
    } else if (change.kind === "set" && change.origin === "server") {
      // Server wins: drop the user's pending value; its reply will be ignored.
      this.pending.delete(keyOf(change.model, change.attr));
    }
  }
}

export function describeError(msg) {
  const text = msg.message || msg.code || "unknown error";
  return msg.code && msg.message ? `${msg.message} (${msg.code})` : text;
}
