import assert from "node:assert/strict";
import {describe, it} from "node:test";

import {
  Connection, MAX_ATTEMPTS, RESTARTED_NOTICE, SESSION_ENDED_NOTICE, backoffDelay, closeAction,
  decodeTokenPayload, websocketUrl,
} from "../../aioserve/static/connection.js";

function b64url(text) {
  return Buffer.from(text).toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const TOKEN = `${b64url(JSON.stringify({session_id: "abc", session_expiry: 9999999999}))}.c2ln`;

class FakeSocket {
  static all = [];

  constructor(url, protocols) {
    this.url = url;
    this.protocols = protocols;
    this.sent = [];
    FakeSocket.all.push(this);
  }

  send(text) {
    this.sent.push(JSON.parse(text));
  }

  receive(msg) {
    this.onmessage({data: JSON.stringify(msg)});
  }

  close(code, reason = "") {
    this.onclose({code, reason});
  }
}

class FakeTimers {
  constructor() {
    this.queue = [];
  }

  setTimeout(fn, ms) {
    this.queue.push({fn, ms});
    return this.queue.length;
  }

  clearTimeout(handle) {
    if (this.queue[handle - 1]) this.queue[handle - 1].fn = null;
  }

  runNext() {
    const next = this.queue.find((t) => t.fn);
    const fn = next.fn;
    next.fn = null;
    fn();
    return next.ms;
  }
}

function setup() {
  FakeSocket.all = [];
  let seq = null;
  const states = [];
  const messages = [];
  const notices = [];
  let reloaded = 0;
  const timers = new FakeTimers();
  const connection = new Connection({
    url: "ws://h/app/ws?session=abc",
    token: TOKEN,
    since: () => seq,
    onMessage: (msg) => {
      messages.push(msg);
      if (msg.seq !== undefined) seq = msg.seq;
    },
    onState: (state, detail) => states.push({state, ...detail}),
    onNotice: (text) => notices.push(text),
    WebSocketImpl: FakeSocket,
    timers,
    reload: () => reloaded++,
  });
  return {connection, states, messages, notices, timers, reloaded: () => reloaded, last: () => FakeSocket.all.at(-1)};
}

describe("token and url", () => {
  it("reads the session id from the token payload", () => {
    assert.deepEqual(decodeTokenPayload(TOKEN), {session_id: "abc", session_expiry: 9999999999});
    const unicode = b64url(JSON.stringify({session_id: "é~?>"}));
    assert.equal(decodeTokenPayload(unicode).session_id, "é~?>");
  });

  it("builds ws and wss urls on the page's host", () => {
    assert.equal(websocketUrl({protocol: "http:", host: "h:8080"}, "/p/app/ws", "a b"), "ws://h:8080/p/app/ws?session=a%20b");
    assert.equal(websocketUrl({protocol: "https:", host: "h"}, "/app/ws", "x"), "wss://h/app/ws?session=x");
    assert.equal(websocketUrl({protocol: "https:", host: "h"}, "/ws?k=1", "x"), "wss://h/ws?k=1&session=x");
    assert.equal(websocketUrl({protocol: "http:", host: "h"}, "wss://other/ws", "x"), "wss://other/ws?session=x");
  });
});

describe("backoff", () => {
  it("waits 0, 1, 2, 4, 8 s then 10 s", () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map(backoffDelay), [0, 1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it("knows what each close code means", () => {
    assert.equal(closeAction(1000).retry, false);
    assert.equal(closeAction(1001).retry, true);
    assert.equal(closeAction(1006).retry, true);
    assert.ok(closeAction(1009).notice.includes("too large"));
    assert.equal(closeAction(4004).expired, true);
    assert.equal(closeAction(4011).retry, false);
    assert.equal(closeAction(4008).slow, true);
  });
});

describe("Connection", () => {
  it("opens with the subprotocols, pulls after ack, reports connected after doc", () => {
    const {connection, states, messages, last} = setup();
    connection.start();
    const ws = last();
    assert.deepEqual(ws.protocols, ["aioserve", TOKEN]);
    assert.equal(connection.open, false);
    ws.receive({type: "ack", protocol: 1, session: "abc", seq: 1});
    assert.deepEqual(ws.sent, [{type: "pull"}]);
    assert.equal(connection.send({type: "set"}), false, "no input before the document");
    ws.receive({type: "doc", seq: 1, doc: {roots: [], models: {}}});
    assert.equal(messages[0].type, "doc");
    assert.deepEqual(states.map((s) => s.state), ["connecting", "connected"]);
    assert.equal(connection.send({type: "event", id: 1}), true);
  });

  it("reconnects at once, then resumes from the last seq", () => {
    const {connection, states, timers, last} = setup();
    connection.start();
    last().receive({type: "ack", protocol: 1, seq: 1});
    last().receive({type: "doc", seq: 3, doc: {}});
    last().close(1006);
    assert.equal(states.at(-1).state, "reconnecting");
    assert.equal(timers.runNext(), 0);
    const ws = last();
    ws.receive({type: "ack", protocol: 1, seq: 5});
    assert.deepEqual(ws.sent, [{type: "resume", since: 3}]);
    ws.receive({type: "resumed", seq: 5});
    assert.equal(states.at(-1).state, "connected");
  });

  it("remembers the largest message the server takes", () => {
    const {connection, last} = setup();
    connection.start();
    assert.equal(connection.maxMessageBytes, null);
    last().receive({type: "ack", protocol: 1, seq: 1, max_message_bytes: 4096});
    assert.equal(connection.maxMessageBytes, 4096);
  });

  it("pulls the whole document from a session rebuilt under the same id", () => {
    const {connection, timers, last} = setup();
    connection.start();
    last().receive({type: "ack", protocol: 1, seq: 1, instance: "first"});
    last().receive({type: "doc", seq: 7, doc: {}});
    last().close(1006);
    timers.runNext();
    last().receive({type: "ack", protocol: 1, seq: 9, instance: "first"});
    assert.deepEqual(last().sent, [{type: "resume", since: 7}], "same session: resume");
    last().receive({type: "resumed", seq: 9});
    last().close(1006);
    timers.runNext();
    // Reaped and rebuilt: its seq 12 is not the old session's seq 12.
    last().receive({type: "ack", protocol: 1, seq: 12, instance: "second"});
    assert.deepEqual(last().sent, [{type: "pull"}]);
    last().receive({type: "doc", seq: 12, doc: {}});
    last().close(1006);
    timers.runNext();
    last().receive({type: "ack", protocol: 1, seq: 12, instance: "second"});
    assert.deepEqual(last().sent, [{type: "resume", since: 12}]);
  });

  it("says the server restarted before the fresh document arrives", () => {
    const {connection, notices, messages, timers, last} = setup();
    connection.start();
    last().receive({type: "ack", protocol: 1, seq: 1, instance: "first", server: "boot1"});
    last().receive({type: "doc", seq: 3, doc: {}});
    last().close(1001);
    timers.runNext();
    last().receive({type: "ack", protocol: 1, seq: 1, instance: "again", server: "boot2"});
    assert.deepEqual(notices, [RESTARTED_NOTICE]);
    assert.equal(messages.length, 1, "said before the new document is shown");
    assert.deepEqual(last().sent, [{type: "pull"}]);
    last().receive({type: "doc", seq: 1, doc: {}});
    // The same process rebuilt the session (it was reaped): not a restart.
    last().close(1006);
    timers.runNext();
    last().receive({type: "ack", protocol: 1, seq: 1, instance: "third", server: "boot2"});
    assert.deepEqual(notices, [RESTARTED_NOTICE, SESSION_ENDED_NOTICE]);
    // A plain reconnect to the same session says nothing.
    last().receive({type: "doc", seq: 1, doc: {}});
    last().close(1006);
    timers.runNext();
    last().receive({type: "ack", protocol: 1, seq: 1, instance: "third", server: "boot2"});
    assert.equal(notices.length, 2);
  });

  it("backs off 0, 1, 2, 4 s... and gives up after the last attempt", () => {
    const {connection, states, timers, last} = setup();
    connection.start();
    last().receive({type: "ack", protocol: 1});
    last().receive({type: "doc", seq: 1, doc: {}});
    const delays = [];
    last().close(1006);
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      delays.push(timers.runNext());
      last().close(1006);
    }
    assert.deepEqual(delays, [0, 1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000, 10000]);
    assert.deepEqual(states.at(-1), {state: "disconnected", canRetry: true});
    connection.reconnectNow();
    assert.equal(FakeSocket.all.length, MAX_ATTEMPTS + 2);
  });

  it("offers a reload, not a reconnect, when it never got in", () => {
    const {connection, states, timers, last} = setup();
    connection.start();
    last().close(1006);
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      timers.runNext();
      last().close(1006);
    }
    assert.deepEqual(states.at(-1), {state: "disconnected", canRetry: false});
  });

  it("starts counting again after a successful resume", () => {
    const {connection, timers, last} = setup();
    connection.start();
    last().receive({type: "ack", protocol: 1});
    last().receive({type: "doc", seq: 1, doc: {}});
    last().close(1006);
    timers.runNext();
    last().close(1006);
    assert.equal(timers.runNext(), 1000);
    last().receive({type: "ack", protocol: 1});
    last().receive({type: "resumed", seq: 1});
    last().close(1001);
    assert.equal(timers.runNext(), 0);
  });

  it("does not reconnect after a normal close or while the page unloads", () => {
    const a = setup();
    a.connection.start();
    a.last().close(1000);
    assert.equal(a.states.at(-1).state, "disconnected");
    assert.equal(a.timers.queue.length, 0);

    const b = setup();
    b.connection.start();
    b.connection.suspend();
    b.last().close(1001);
    assert.equal(b.timers.queue.length, 0);
    assert.equal(FakeSocket.all.length, 1);
  });

  it("reloads the page when the session expired (4004)", () => {
    const {connection, states, timers, reloaded, last} = setup();
    connection.start();
    last().close(4004);
    assert.equal(states.at(-1).state, "expired");
    timers.runNext();
    assert.equal(reloaded(), 1);
  });

  it("shows the error and stops on 4011", () => {
    const {connection, states, notices, timers, last} = setup();
    connection.start();
    last().close(4011, "ZeroDivisionError");
    assert.deepEqual(states.at(-1), {state: "disconnected", canRetry: false, code: 4011});
    assert.match(notices[0], /failed.*ZeroDivisionError/);
    assert.equal(timers.queue.length, 0);
  });

  it("shows 'message too large' on 1009 and reconnects", () => {
    const {connection, notices, timers, last} = setup();
    connection.start();
    last().close(1009);
    assert.match(notices[0], /too large/);
    assert.equal(timers.queue.length, 1);
  });

  it("waits before reconnecting after a flood close (4008)", () => {
    const {connection, timers, last} = setup();
    connection.start();
    last().receive({type: "ack", protocol: 1});
    last().receive({type: "doc", seq: 1, doc: {}});
    last().close(4008);
    assert.equal(timers.runNext(), 1000);
  });

  it("ignores a socket it has replaced", () => {
    const {connection, messages, last} = setup();
    connection.start();
    const old = last();
    old.close(1006);
    connection.reconnectNow();
    old.onmessage({data: JSON.stringify({type: "patch", seq: 9, events: []})});
    assert.equal(messages.length, 0);
  });
});
