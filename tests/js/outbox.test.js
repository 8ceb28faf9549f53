import assert from "node:assert/strict";
import {describe, it} from "node:test";

import {DocumentStore} from "../../aioserve/static/document.js";
import {Outbox} from "../../aioserve/static/outbox.js";

function setup({connected = true} = {}) {
  const store = new DocumentStore();
  store.load({roots: ["s"], models: {
    s: {type: "Slider", props: {value: 1}},
    b: {type: "Button", props: {label: "Go"}},
  }}, 1);
  const sent = [];
  const notices = [];
  const outbox = new Outbox(store, {
    send: (msg) => {
      if (!connected) return false;
      sent.push(msg);
      return true;
    },
    notify: (text, level) => notices.push({text, level}),
  });
  return {store, outbox, sent, notices};
}

describe("Outbox.set", () => {
  it("sends set with increasing ids and updates the store at once", () => {
    const {store, outbox, sent} = setup();
    outbox.set("s", "value", 2);
    assert.deepEqual(sent, [{type: "set", id: 1, model: "s", attr: "value", value: 2}]);
    assert.equal(store.prop("s", "value"), 2);
    outbox.event("b", "click", {});
    assert.deepEqual(sent[1], {type: "event", id: 2, model: "b", event: "click", data: {}});
  });

  it("keeps one set in flight and sends only the latest value after it", () => {
    const {store, outbox, sent} = setup();
    for (const v of [2, 3, 4, 5, 6]) outbox.set("s", "value", v);
    assert.equal(sent.length, 1);
    assert.equal(store.prop("s", "value"), 6);
    outbox.reply({type: "ok", reply_to: 1});
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[1], {type: "set", id: 2, model: "s", attr: "value", value: 6});
    outbox.reply({type: "ok", reply_to: 2});
    assert.equal(sent.length, 2);
    assert.equal(outbox.pending.size, 0);
    assert.equal(outbox.busy, false);
  });

  it("coalesces per property, not across properties", () => {
    const {outbox, sent} = setup();
    outbox.set("s", "value", 2);
    outbox.set("s", "start", 0);
    assert.equal(sent.length, 2);
  });

  it("on error puts back the last accepted value and shows a notice", () => {
    const {store, outbox, sent, notices} = setup();
    outbox.set("s", "value", 2);
    outbox.reply({type: "ok", reply_to: 1});
    outbox.set("s", "value", 99);
    const changes = [];
    store.watch("s", (c) => changes.push(c));
    outbox.reply({type: "error", reply_to: sent[1].id, code: "invalid_value", message: "too big"});
    assert.equal(store.prop("s", "value"), 2);
    assert.equal(changes.at(-1).value, 2);
    assert.deepEqual(notices, [{text: "too big (invalid_value)", level: "error"}]);
  });

  it("on error drops the queued value too", () => {
    const {store, outbox, sent} = setup();
    outbox.set("s", "value", 50);
    outbox.set("s", "value", 60);
    outbox.reply({type: "error", reply_to: 1, code: "invalid_value", message: "no"});
    assert.equal(sent.length, 1);
    assert.equal(store.prop("s", "value"), 1);
  });

  it("lets a server set win over the user's pending change", () => {
    const {store, outbox, sent} = setup();
    outbox.set("s", "value", 5);
    outbox.set("s", "value", 6);
    store.applyPatch([{kind: "set", model: "s", attr: "value", value: 42}], 2);
    outbox.reply({type: "ok", reply_to: 1});
    assert.equal(sent.length, 1, "the queued user value is not sent");
    assert.equal(store.prop("s", "value"), 42);
    outbox.reply({type: "error", reply_to: 1, code: "x", message: "late"});
    assert.equal(store.prop("s", "value"), 42);
  });

  it("an error for an event shows a notice and changes nothing", () => {
    const {store, outbox, notices} = setup();
    outbox.event("b", "click");
    outbox.reply({type: "error", reply_to: 1, code: "unknown_event", message: "no such event"});
    assert.equal(notices.length, 1);
    assert.equal(store.prop("s", "value"), 1);
  });

  it("ignores replies it did not ask for", () => {
    const {outbox, notices} = setup();
    outbox.reply({type: "error", reply_to: 77, code: "x", message: "y"});
    assert.equal(notices.length, 0);
  });

  it("reverts pending values when the connection drops", () => {
    const {store, outbox} = setup();
    outbox.set("s", "value", 9);
    outbox.reset();
    assert.equal(store.prop("s", "value"), 1);
    assert.equal(outbox.busy, false);
  });

  it("reverts at once when the message cannot be sent", () => {
    const {store, outbox, sent} = setup({connected: false});
    outbox.set("s", "value", 9);
    assert.equal(sent.length, 0);
    assert.equal(store.prop("s", "value"), 1);
    assert.equal(outbox.pending.size, 0);
  });
});
