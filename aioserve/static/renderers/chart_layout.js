// The geometry of a chart: scales, ticks, margins and series, from the Chart
// props, the source columns and a size in pixels. Pure (no DOM): node tests it.

import {formatDatetime, formatDatetimeFull, formatTick, datetimeTicks, linearTicks} from "./chart_ticks.js";
import {formatValue} from "../format.js";
import {asRange} from "./chart_zoom.js";

export const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"];
export const DEFAULT_WIDTH = 600;
export const DEFAULT_HEIGHT = 300;

const isNum = (v) => typeof v === "number" && Number.isFinite(v);

function extent(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (isNum(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/** The smallest gap between distinct sorted x values (the room a bar may take). */
function minGap(xs) {
  const sorted = xs.filter(isNum).sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < sorted.length; i++) {
    const d = sorted[i] - sorted[i - 1];
    if (d > 0 && d < gap) gap = d;
  }
  return Number.isFinite(gap) ? gap : 1;
}

export function seriesOf(props, data) {
  return (props.series ?? []).map((s, i) => ({
    y: s.y,
    kind: ["line", "scatter", "bar"].includes(s.kind) ? s.kind : "line",
    color: s.color || PALETTE[i % PALETTE.length],
    label: s.label || s.y,
    ys: data[s.y] ?? [],
  }));
}

/** A label for an x value in a tooltip. */
export function formatX(value, xType) {
  if (xType === "datetime" && isNum(value)) return formatDatetimeFull(value);
  return formatValue(value);
}

/** The y values of `series` in rows whose x lies in `xRange` (all rows without one). */
function visibleYs(series, xs, n, xRange) {
  if (!xRange) return series.flatMap((s) => s.ys.slice(0, n));
  const out = [];
  for (let i = 0; i < n; i++) {
    const v = xs[i];
    if (!isNum(v) || v < xRange[0] || v > xRange[1]) continue;
    for (const s of series) out.push(s.ys[i]);
  }
  return out;
}

/** Room around markers, so a point at the data's edge does not sit on an axis. */
function padded([lo, hi], share) {
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * share;
  return [lo - pad, hi + pad];
}

export function computeLayout(props, data, {width, height}) {
  const xType = props.x_type === "datetime" || props.x_type === "category" ? props.x_type : "linear";
  const xs = data[props.x] ?? [];
  const series = seriesOf(props, data);
  const bars = series.filter((s) => s.kind === "bar");
  const markers = series.some((s) => s.kind === "scatter");
  const n = xs.length;
  // The zoom: x_range / y_range when the user (or the app) has set them.
  const xZoom = xType === "category" ? null : asRange(props.x_range);
  const yZoom = asRange(props.y_range);

  // y: nice ticks, the domain grown to them; bars stand on zero.
  let yRange = extent(visibleYs(series, xs, n, xZoom));
  if (!yRange) yRange = [0, 1];
  if (markers && !bars.length) yRange = padded(yRange, 0.05);
  if (bars.length) yRange = [Math.min(0, yRange[0]), Math.max(0, yRange[1])];
  // y_min / y_max pin an end of the axis; the other end still fits the data.
  const pinLo = isNum(props.y_min) ? props.y_min : null;
  const pinHi = isNum(props.y_max) ? props.y_max : null;
  if (pinLo !== null) yRange[0] = pinLo;
  if (pinHi !== null) yRange[1] = pinHi;
  if (yRange[0] >= yRange[1]) {
    // One value (or a pin past the data): centre it rather than leave it on an edge.
    if (pinLo === null && pinHi === null) yRange = padded([yRange[0], yRange[0]], 0);
    else yRange = pinHi === null ? [yRange[0], yRange[0] + 1] : [yRange[1] - 1, yRange[1]];
  }
  const yCount = Math.max(2, Math.round(height / 60));
  let yTicks;
  if (yZoom) {
    yTicks = linearTicks(yZoom[0], yZoom[1], yCount, {extend: false});
  } else {
    yTicks = linearTicks(yRange[0], yRange[1], yCount);
  }
  if (!yZoom && (pinLo !== null || pinHi !== null)) {
    if (pinLo !== null) yTicks.lo = yRange[0];
    if (pinHi !== null) yTicks.hi = yRange[1];
    yTicks.ticks = yTicks.ticks.filter((t) => t >= yTicks.lo - 1e-9 && t <= yTicks.hi + 1e-9);
  }
  const yLabels = yTicks.ticks.map((t) => formatTick(t, yTicks.step));

  const longest = Math.max(1, ...yLabels.map((l) => l.length));
  const margin = {
    top: 12,
    right: 18,
    bottom: 28 + (props.x_label ? 22 : 0),
    left: Math.round(14 + longest * 7.2 + (props.y_label ? 22 : 0)),
  };
  const plot = {left: margin.left, top: margin.top,
    width: Math.max(10, width - margin.left - margin.right),
    height: Math.max(10, height - margin.top - margin.bottom)};

  const y = (v) => plot.top + plot.height * (1 - (v - yTicks.lo) / (yTicks.hi - yTicks.lo || 1));

  let x, xTicks, barWidth, categories = null, band = 0, xDomain = null;
  if (xType === "category") {
    categories = [];
    const seen = new Map();
    for (const v of xs) {
      const key = String(v);
      if (!seen.has(key)) {
        seen.set(key, categories.length);
        categories.push(key);
      }
    }
    band = plot.width / Math.max(1, categories.length);
    x = (v) => plot.left + band * ((seen.get(String(v)) ?? 0) + 0.5);
    const every = Math.max(1, Math.ceil((categories.length * 60) / plot.width));
    xTicks = categories.filter((_, i) => i % every === 0)
      .map((c) => ({value: c, pos: x(c), label: c.length > 14 ? `${c.slice(0, 13)}…` : c}));
    barWidth = (band * 0.8) / Math.max(1, bars.length);
  } else {
    let [lo, hi] = extent(xs) ?? [0, 1];
    const gap = minGap(xs);
    if (bars.length) {
      lo -= gap / 2;
      hi += gap / 2;
    }
    if (lo === hi) {
      lo -= 1;
      hi += 1;
    } else if (markers && !bars.length) {
      [lo, hi] = padded([lo, hi], 0.03);
    }
    if (xZoom) [lo, hi] = xZoom;
    xDomain = [lo, hi];
    x = (v) => plot.left + ((v - lo) / (hi - lo)) * plot.width;
    const count = Math.max(2, Math.round(plot.width / (xType === "datetime" ? 110 : 80)));
    if (xType === "datetime") {
      const dt = datetimeTicks(lo, hi, count);
      xTicks = dt.ticks.map((t) => ({value: t, pos: x(t), label: formatDatetime(t, dt.unit)}));
    } else {
      const lt = linearTicks(lo, hi, count, {extend: false});
      xTicks = lt.ticks.map((t) => ({value: t, pos: x(t), label: formatTick(t, lt.step)}));
    }
    barWidth = bars.length ? Math.max(1, ((gap / (hi - lo)) * plot.width * 0.8) / bars.length) : 0;
  }

  const yTickList = yTicks.ticks.map((t, i) => ({value: t, pos: y(t), label: yLabels[i]}));
  const baseline = y(Math.min(Math.max(0, yTicks.lo), yTicks.hi));
  return {width, height, plot, margin, x, y, xs, xType, series, n, categories, band, barWidth,
    barCount: bars.length, baseline, xTicks, yTicks: yTickList, yDomain: [yTicks.lo, yTicks.hi],
    xDomain: xType === "category" ? null : xDomain, zoomed: Boolean(xZoom || yZoom)};
}

/** Indices of rows with a usable x, ordered by x position (for hover and arrow keys). */
export function hoverOrder(layout) {
  const {xs, n, xType} = layout;
  const order = [];
  const seen = new Set();
  for (let i = 0; i < n; i++) {
    const v = xs[i];
    if (xType === "category") {
      if (v === null || v === undefined || seen.has(String(v))) continue;
      seen.add(String(v));
    } else if (!isNum(v) || (layout.xDomain && (v < layout.xDomain[0] || v > layout.xDomain[1]))) continue;
    order.push(i);
  }
  const px = order.map((i) => layout.x(xs[i]));
  const byPos = order.map((i, k) => [px[k], i]).sort((a, b) => a[0] - b[0]);
  return {indices: byPos.map((p) => p[1]), positions: byPos.map((p) => p[0])};
}

/** The position in `order` nearest to pixel `px` (binary search over sorted positions). */
export function nearest(order, px) {
  const pos = order.positions;
  if (!pos.length) return -1;
  let lo = 0, hi = pos.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pos[mid] < px) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(pos[lo - 1] - px) <= Math.abs(pos[lo] - px)) lo -= 1;
  return lo;
}

/** A sentence for the svg's aria-label. */
export function describeChart(props, layout) {
  const parts = [props.title ? `Chart: ${props.title}.` : "Chart."];
  if (layout.series.length) {
    parts.push(`${layout.series.map((s) => `${s.kind} series ${s.label}`).join(", ")}.`);
  }
  parts.push(`${layout.n} point${layout.n === 1 ? "" : "s"}.`);
  if (layout.n && layout.xType !== "category") {
    const ex = extent(layout.xs);
    if (ex) parts.push(`${props.x_label || props.x} from ${formatX(ex[0], layout.xType)} to ${formatX(ex[1], layout.xType)}.`);
  } else if (layout.categories?.length) {
    parts.push(`${layout.categories.length} categories.`);
  }
  const ys = extent(layout.series.flatMap((s) => s.ys.slice(0, layout.n)));
  if (ys) parts.push(`${props.y_label || "values"} from ${formatValue(ys[0])} to ${formatValue(ys[1])}.`);
  return parts.join(" ");
}
