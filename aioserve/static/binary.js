// Binary columns (docs/protocol.md, "Binary columns"): numeric columns arrive as
// binary frames just before the JSON message that refers to them by
// {"__buffer__": id, "dtype", "length"}. Pure (no DOM), so node can test it.

const HEADER_BYTES = 8;
const DTYPES = {0: Float64Array, 1: Int32Array};

/** A binary frame's id and values (a plain array; a float64 NaN is an empty cell). */
export function readFrame(buffer) {
  const view = new DataView(buffer);
  const id = view.getUint32(0, true);
  const Typed = DTYPES[view.getUint8(4)];
  if (!Typed) throw new Error(`unknown binary column type ${view.getUint8(4)}`);
  const typed = new Typed(buffer, HEADER_BYTES, (buffer.byteLength - HEADER_BYTES) / Typed.BYTES_PER_ELEMENT);
  const values = new Array(typed.length);
  if (Typed === Float64Array) {
    for (let i = 0; i < typed.length; i++) values[i] = Number.isNaN(typed[i]) ? null : typed[i];
  } else {
    for (let i = 0; i < typed.length; i++) values[i] = typed[i];
  }
  return {id, values};
}

function isBufferRef(value) {
  return value !== null && typeof value === "object" && typeof value.__buffer__ === "number";
}

/**
 * Parse a text frame, putting in the columns of the binary frames received before it
 * (`buffers`: id -> values, emptied as they are used). A reference without its frame
 * is an error: the message would show wrong data.
 */
export function parseMessage(raw, buffers) {
  if (buffers.size === 0) return JSON.parse(raw);
  return JSON.parse(raw, (_key, value) => {
    if (!isBufferRef(value)) return value;
    const values = buffers.get(value.__buffer__);
    if (!values) throw new Error(`binary column ${value.__buffer__} did not arrive`);
    buffers.delete(value.__buffer__);
    return values;
  });
}
