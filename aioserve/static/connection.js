// The websocket of one page: open, handshake (ack, then pull or resume), close
// codes, reconnect with backoff. Everything it needs from the browser is passed
// in, so node can drive it with a fake socket and fake timers.

import {parseMessage, readFrame} from "./binary.js";

export const PROTOCOL_VERSION = 1;
export const MAX_ATTEMPTS = 10;
const EXPIRED_RELOAD_MS = 1500;
export const RESTARTED_NOTICE = "The server restarted; this page was reset.";
export const SESSION_ENDED_NOTICE = "Your session had ended on the server; this page was reset.";

/** The JSON payload of a token: base64url before the first ".". */
export function decodeTokenPayload(token) {
  const part = String(token).split(".")[0].replace(/-/g, "+").replace(/_/g, "/");
  const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

export function websocketUrl(location, wsPath, sessionId) {
  let base;
  if (/^wss?:\/\//i.test(wsPath)) base = wsPath;
  else base = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${wsPath}`;
  const sep = base.includes("?") ? "&" : "?";
  return `${base}${sep}session=${encodeURIComponent(sessionId)}`;
}

/** Delay before reconnect attempt `n` (0-based): 0, 1 s, 2 s, 4 s, 8 s, then 10 s. */
export function backoffDelay(attempt) {
  return attempt <= 0 ? 0 : Math.min(1000 * 2 ** (attempt - 1), 10_000);
}

/** What to do when the socket closes with `code`. */
export function closeAction(code) {
  switch (code) {
    case 1000: return {retry: false};
    case 1009: return {retry: true, notice: "A message was too large for the server, so it closed the connection."};
    case 4001: return {retry: true, notice: "The server reported a protocol error."};
    case 4004: return {retry: false, expired: true};
    case 4008: return {retry: true, slow: true, notice: "Too many messages: the server asked this page to slow down."};
    case 4011: return {retry: false, fatal: true, notice: "The app failed while building this session."};
    default: return {retry: true};
  }
}

/**
 * States reported through `onState(state, detail)`:
 *   "connecting"   first connection, until the document has arrived
 *   "connected"    the document is in sync (doc or resumed received)
 *   "reconnecting" lost; waiting for or trying the next attempt (detail.delay ms)
 *   "disconnected" given up (detail.canRetry says if "Reconnect" makes sense)
 *   "expired"      the session is gone: the page reloads
 */
export class Connection {
  constructor({url, token, since, onMessage, onState, onNotice,
    WebSocketImpl = globalThis.WebSocket, timers = globalThis, reload = null}) {
    this.url = url;
    this.token = token;
    this.since = since; // () => last seq seen, or null before the first document
    this.onMessage = onMessage;
    this.onState = onState;
    this.onNotice = onNotice ?? (() => {});
    this.WebSocketImpl = WebSocketImpl;
    this.timers = timers;
    this.reload = reload;
    this.ws = null;
    this.attempt = 0;
    this.state = null;
    this.synced = false;
    this.everSynced = false;
    this.instance = null; // the server session the page's document came from (ack.instance)
    this.server = null; // the server process that session lived in (ack.server)
    this.maxMessageBytes = null; // the largest message the server takes (ack.max_message_bytes)
    this._ackInstance = null;
    this._ackServer = null;
    this.suspended = false;
    this._timer = null;
  }

  start() {
    this._setState("connecting");
    this._open();
  }

  get open() {
    return this.ws !== null && this.synced;
  }

  send(msg) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  /** The "Reconnect" button, and the browser coming back online. */
  reconnectNow() {
    if (this.ws || this.suspended) return;
    this._clearTimer();
    this.attempt = 1; // if this try fails, the next waits 1 s
    this._setState(this.everSynced ? "reconnecting" : "connecting", {delay: 0});
    this._open();
  }

  /** The page is unloading: a close now is ours, not a reason to reconnect. */
  suspend() {
    this.suspended = true;
    this._clearTimer();
  }

  /** The page stayed (bfcache restore, or an unload that was cancelled). */
  unsuspend() {
    if (!this.suspended) return;
    this.suspended = false;
    if (!this.ws && this.state !== "expired" && this.state !== "disconnected") this.reconnectNow();
  }

  _open() {
    let ws;
    try {
      ws = new this.WebSocketImpl(this.url, ["aioserve", this.token]);
    } catch (err) {
      this.onNotice(`Cannot open the websocket: ${err.message}`, "error");
      this._setState("disconnected", {canRetry: false});
      return;
    }
    this.ws = ws;
    this.synced = false;
    this.buffers = new Map(); // binary columns waiting for the message that refers to them
    ws.binaryType = "arraybuffer";
    ws.onmessage = (event) => this._receive(ws, event.data);
    ws.onclose = (event) => this._closed(ws, event.code, event.reason);
    ws.onerror = () => {}; // a close event always follows
  }

  _receive(ws, raw) {
    if (ws !== this.ws) return;
    let msg;
    try {
      if (typeof raw !== "string") {
        const {id, values} = readFrame(raw);
        this.buffers.set(id, values);
        return;
      }
      msg = parseMessage(raw, this.buffers);
    } catch (err) {
      console.warn("aioserve: unreadable message", err, raw);
      return;
    } finally {
      if (typeof raw === "string") this.buffers.clear(); // a frame is for the next message only
    }
    if (msg.type === "ack") {
      if (msg.protocol !== PROTOCOL_VERSION) {
        this.onNotice(`The server speaks protocol ${msg.protocol}; this page expects ${PROTOCOL_VERSION}.`, "error");
      }
      // A session rebuilt under the same id (it was reaped, the token could create it
      // again) numbers its changes afresh: they do not continue the document shown here.
      this._ackInstance = msg.instance ?? null;
      this._ackServer = msg.server ?? null;
      if (Number.isInteger(msg.max_message_bytes)) this.maxMessageBytes = msg.max_message_bytes;
      const rebuilt = this.instance !== null && this._ackInstance !== this.instance;
      if (rebuilt) {
        // Said before the fresh document replaces what the user saw (and changed).
        const restarted = this.server !== null && this._ackServer !== this.server;
        this.onNotice(restarted ? RESTARTED_NOTICE : SESSION_ENDED_NOTICE, "warning", {sticky: true});
      }
      const since = rebuilt ? null : this.since();
      ws.send(JSON.stringify(since === null ? {type: "pull"} : {type: "resume", since}));
      return;
    }
    // The document must be applied before the page reports "connected".
    this.onMessage(msg);
    if ((msg.type === "doc" || msg.type === "resumed") && !this.synced) {
      this.instance = this._ackInstance;
      this.server = this._ackServer;
      this.synced = true;
      this.everSynced = true;
      this.attempt = 0;
      this._setState("connected");
    }
  }

  _closed(ws, code, reason) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.synced = false;
    if (this.suspended) return;
    const action = closeAction(code);
    if (action.notice) {
      this.onNotice(reason ? `${action.notice} ${reason}` : action.notice, "error");
    }
    if (action.expired) {
      this._setState("expired");
      this.timers.setTimeout(() => this.reload?.(), EXPIRED_RELOAD_MS);
    } else if (!action.retry) {
      this._setState("disconnected", {canRetry: !action.fatal, code});
    } else {
      if (action.slow) this.attempt = Math.max(this.attempt, 1);
      this._scheduleReconnect();
    }
  }

  _scheduleReconnect() {
    if (this.attempt >= MAX_ATTEMPTS) {
      // Never got in at all: likely a refused handshake (token, origin), which a reload fixes.
      this._setState("disconnected", {canRetry: this.everSynced});
      return;
    }
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this._setState(this.everSynced ? "reconnecting" : "connecting", {delay, attempt: this.attempt});
    this._timer = this.timers.setTimeout(() => {
      this._timer = null;
      if (!this.suspended) this._open();
    }, delay);
  }

  _clearTimer() {
    if (this._timer !== null) this.timers.clearTimeout(this._timer);
    this._timer = null;
  }

  _setState(state, detail = {}) {
    this.state = state;
    this.onState(state, detail);
  }
}
