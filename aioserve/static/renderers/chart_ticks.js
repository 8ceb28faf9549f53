// Axis ticks for charts: 1-2-5 steps for numbers, calendar-aware steps for
// datetimes (epoch milliseconds, shown in UTC as Bokeh does). Pure functions.

/** The 1-2-5 step that cuts `span` into about `count` pieces. */
export function niceStep(span, count = 5) {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  const factor = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
  return factor * magnitude;
}

function decimalsOf(step) {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * Ticks covering [min, max]. With `extend`, the domain grows to the outer ticks.
 * Returns {ticks, step, lo, hi}.
 */
export function linearTicks(min, max, count = 5, {extend = true} = {}) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    min = 0;
    max = 1;
  }
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, count);
  const decimals = decimalsOf(step);
  const round = (v) => Number(v.toFixed(Math.min(20, decimals + 2)));
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const lo = extend ? round(Math.floor(min / step + 1e-9) * step) : min;
  const hi = extend ? round(Math.ceil(max / step - 1e-9) * step) : max;
  const ticks = [];
  for (let k = extend ? Math.round(lo / step) : first; k <= (extend ? Math.round(hi / step) : last); k++) {
    ticks.push(round(k * step));
  }
  return {ticks, step, lo, hi};
}

/** A tick label: enough decimals for the step; big numbers shortened (12k, 3.5M). */
export function formatTick(value, step) {
  const abs = Math.abs(value);
  if (abs >= 1e6 && step >= 1e5) {
    for (const [size, suffix] of [[1e12, "T"], [1e9, "G"], [1e6, "M"]]) {
      if (abs >= size) return `${trimZeros((value / size).toFixed(decimalsOf(step / size)))}${suffix}`;
    }
  }
  const text = value.toFixed(Math.min(20, decimalsOf(step)));
  return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
}

function trimZeros(text) {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTH = 30 * DAY; // for choosing a step only
const YEAR = 365 * DAY;

const FIXED_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500,
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY,
];
const MONTH_STEPS = [1, 2, 3, 6];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Ticks for epoch-millisecond values: {ticks, unit} where unit names the label format. */
export function datetimeTicks(min, max, count = 5) {
  if (!(max > min)) return {ticks: Number.isFinite(min) ? [min] : [], unit: "day"};
  const target = (max - min) / Math.max(1, count);
  const fixed = FIXED_STEPS.find((step) => step >= target);
  if (fixed !== undefined) {
    const ticks = [];
    for (let t = Math.ceil(min / fixed) * fixed; t <= max; t += fixed) ticks.push(t);
    return {ticks, unit: unitFor(fixed)};
  }
  const months = MONTH_STEPS.find((n) => n * MONTH >= target);
  if (months !== undefined) return {ticks: monthTicks(min, max, months), unit: "month"};
  const years = Math.max(1, niceStep((max - min) / YEAR, count));
  return {ticks: monthTicks(min, max, 12 * Math.ceil(years)), unit: "year"};
}

function unitFor(step) {
  if (step < SECOND) return "millisecond";
  if (step < MINUTE) return "second";
  if (step < DAY) return "minute";
  return "day";
}

function monthTicks(min, max, everyMonths) {
  const start = new Date(min);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth();
  const ticks = [];
  // Align to multiples of the step (quarters start in Jan/Apr/Jul/Oct, decades in ...0).
  let index = year * 12 + month;
  index = Math.ceil(index / everyMonths) * everyMonths;
  for (;;) {
    year = Math.floor(index / 12);
    month = index % 12;
    const t = Date.UTC(year, month, 1);
    if (t > max) break;
    if (t >= min) ticks.push(t);
    index += everyMonths;
  }
  return ticks;
}

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** A datetime tick label for the unit chosen by datetimeTicks. */
export function formatDatetime(ms, unit) {
  const d = new Date(ms);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  const date = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  switch (unit) {
    case "millisecond":
      return `${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
    case "second":
      return `${hm}:${pad(d.getUTCSeconds())}`;
    case "minute":
      return d.getUTCHours() === 0 && d.getUTCMinutes() === 0 ? date : hm;
    case "day":
      return date;
    case "month":
      return d.getUTCMonth() === 0 ? String(d.getUTCFullYear()) : `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
    default:
      return String(d.getUTCFullYear());
  }
}

/** A full datetime for tooltips: 2024-03-05 14:30:00 (UTC), without the parts that are zero. */
export function formatDatetimeFull(ms) {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return "";
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const h = d.getUTCHours(), m = d.getUTCMinutes(), s = d.getUTCSeconds(), msPart = d.getUTCMilliseconds();
  if (!h && !m && !s && !msPart) return date;
  const time = `${pad(h)}:${pad(m)}${s || msPart ? `:${pad(s)}` : ""}${msPart ? `.${pad(msPart, 3)}` : ""}`;
  return `${date} ${time}`;
}
