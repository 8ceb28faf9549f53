// Zoom and pan arithmetic for charts: ranges [start, end] in data units, moved by
// wheel steps, drags and boxes in pixels. Pure (no DOM): node tests it. The
// limits match the server's (models/charts.py), so the page never sends a range
// the server refuses.

export const MAX_ZOOM_OUT = 1000; // data widths a range may reach beyond the data
const PRECISION = 1e-12; // narrower than this (relative) is below float precision
const WHEEL_STEP = 0.0015; // zoom factor per wheel pixel: one notch (100 px) ≈ 16 %

const isNum = (v) => typeof v === "number" && Number.isFinite(v);

/** A usable [start, end] range from a property value, or null. */
export function asRange(value) {
  return Array.isArray(value) && value.length === 2 && isNum(value[0]) && isNum(value[1]) && value[0] < value[1]
    ? [value[0], value[1]] : null;
}

/** The factor a wheel event scales the range by (> 1 zooms out). */
export function wheelFactor(deltaY, deltaMode = 0) {
  const pixels = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(Math.max(-600, Math.min(600, pixels)) * WHEEL_STEP);
}

/** `range` scaled by `factor` around `anchor` (a data value that stays under the pointer). */
export function zoomAround([lo, hi], anchor, factor) {
  const at = isNum(anchor) ? Math.min(hi, Math.max(lo, anchor)) : (lo + hi) / 2;
  return [at - (at - lo) * factor, at + (hi - at) * factor];
}

/**
 * The x range after a two-finger pinch: the values `va` and `vb` that were under the
 * fingers when they touched are under them now, at pixels `a1` and `b1` of the axis
 * as drawn now (from `pos0` over `length`: the plot's left edge moves when the y
 * labels change). Fingers closer than `minPixels` give null (no sensible scale).
 */
export function pinchRange(va, vb, pos0, length, a1, b1, minPixels = 8) {
  if (Math.abs(a1 - b1) < minPixels) return null;
  const perPixel = (vb - va) / (b1 - a1);
  if (!(perPixel > 0) || !isNum(perPixel)) return null; // fingers crossed over
  const lo = va - (a1 - pos0) * perPixel;
  return [lo, lo + length * perPixel];
}

/** `range` moved by `delta` data units. */
export function panBy([lo, hi], delta) {
  return [lo + delta, hi + delta];
}

/** Data value at pixel `px` of an axis drawn from `pos0` over `length` pixels. */
export function pixelToValue([lo, hi], pos0, length, px, reversed = false) {
  const t = (px - pos0) / (length || 1);
  return lo + (reversed ? 1 - t : t) * (hi - lo);
}

/**
 * `range` kept within what the server accepts: no narrower than floats can tell
 * apart, no more than MAX_ZOOM_OUT data widths beyond `extent` (the data's
 * [min, max], or null). Returns a new range, or null when nothing sensible is left.
 */
export function clampRange(range, extent) {
  let [lo, hi] = range;
  if (!isNum(lo) || !isNum(hi) || !(lo < hi)) return null;
  const minSpan = Math.max(Math.abs(lo), Math.abs(hi)) * PRECISION * 16 || Number.MIN_VALUE;
  if (hi - lo < minSpan) {
    const mid = (lo + hi) / 2;
    lo = mid - minSpan / 2;
    hi = mid + minSpan / 2;
  }
  const ex = asRange(extent) ?? (Array.isArray(extent) && isNum(extent[0]) && extent[0] === extent[1] ? extent : null);
  if (ex) {
    // The same slack the server allows (a touch less, so rounding never crosses it).
    const reach = MAX_ZOOM_OUT * 0.999 * Math.max(ex[1] - ex[0], Math.abs(ex[1]) * 1e-9, 1e-300);
    const low = ex[0] - reach, high = ex[1] + reach;
    if (hi - lo > high - low) return [low, high];
    if (lo < low) [lo, hi] = [low, low + (hi - lo)];
    if (hi > high) [lo, hi] = [high - (hi - lo), high];
  }
  return lo < hi && isNum(hi - lo) ? [lo, hi] : null;
}

/** The [start, end] a dragged box covers, from two pixel positions; null when too small. */
export function boxRange(domain, pos0, length, a, b, reversed = false, minPixels = 4) {
  if (Math.abs(a - b) < minPixels) return null;
  const u = pixelToValue(domain, pos0, length, a, reversed);
  const v = pixelToValue(domain, pos0, length, b, reversed);
  return u < v ? [u, v] : [v, u];
}

/** Whether two ranges are the same (null equal to null). */
export function sameRange(a, b) {
  if (!a || !b) return !a && !b;
  return a[0] === b[0] && a[1] === b[1];
}
