import assert from "node:assert/strict";
import {describe, it} from "node:test";

import {parseMessage, readFrame} from "../../aioserve/static/binary.js";
import {Connection} from "../../aioserve/static/connection.js";

/** A frame as the server packs it (aioserve/document/binary.py). */
export function frame(id, dtype, values) {
  const Typed = dtype === "float64" ? Float64Array : Int32Array;
  const buffer = new ArrayBuffer(8 + values.length * Typed.BYTES_PER_ELEMENT);
  const view = new DataView(buffer);
  view.setUint32(0, id, true);
  view.setUint8(4, dtype === "float64" ? 0 : 1);
  new Typed(buffer, 8).set(values.map((v) => (v === null ? NaN : v)));
  return buffer;
}

describe("binary columns", () => {
  it("read float64 and int32 frames, NaN as an empty cell", () => {
    assert.deepEqual(readFrame(frame(7, "float64", [1.5, null, -2])), {id: 7, values: [1.5, null, -2]});
    assert.deepEqual(readFrame(frame(4294967295, "int32", [1, -5, 2 ** 31 - 1])), {id: 4294967295, values: [1, -5, 2 ** 31 - 1]});
  });

  it("put the columns into the message that refers to them", () => {
    const buffers = new Map([[3, [1, 2, 3]], [4, [0.5, null]]]);
    const raw = JSON.stringify({type: "patch", seq: 2, events: [{kind: "stream", model: "m1", data: {
      x: {__buffer__: 3, dtype: "int32", length: 3}, y: {__buffer__: 4, dtype: "float64", length: 2}, s: ["a"]}}]});
    const msg = parseMessage(raw, buffers);
    assert.deepEqual(msg.events[0].data, {x: [1, 2, 3], y: [0.5, null], s: ["a"]});
    assert.equal(buffers.size, 0);
    assert.throws(() => parseMessage(JSON.stringify({x: {__buffer__: 9, dtype: "int32", length: 1}}), new Map([[1, []]])),
      /binary column 9 did not arrive/);
  });

  it("reach the page through the connection, frames first", () => {
    const messages = [];
    class Socket {
      constructor() {
        Socket.last = this;
      }

      send() {}
    }
    const connection = new Connection({url: "ws://h/ws", token: "t", since: () => null, onMessage: (m) => messages.push(m),
      onState: () => {}, WebSocketImpl: Socket, timers: {setTimeout() {}, clearTimeout() {}}});
    connection.start();
    const ws = Socket.last;
    assert.equal(ws.binaryType, "arraybuffer");
    ws.onmessage({data: JSON.stringify({type: "ack", protocol: 1, instance: "i"})});
    ws.onmessage({data: frame(11, "float64", [0.25, 0.5])});
    ws.onmessage({data: JSON.stringify({type: "doc", seq: 1, doc: {models: {m1: {type: "ColumnDataSource", props: {
      data: {y: {__buffer__: 11, dtype: "float64", length: 2}}}}}, roots: []}})});
    assert.deepEqual(messages[0].doc.models.m1.props.data.y, [0.25, 0.5]);
    // A frame belongs to the next message only.
    ws.onmessage({data: frame(12, "int32", [1])});
    ws.onmessage({data: JSON.stringify({type: "ok", reply_to: 1})});
    assert.equal(connection.buffers.size, 0);
  });
});
