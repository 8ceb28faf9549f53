// How values read in tables and tooltips.

/** Short but exact enough: integers as they are, other numbers to 6 significant digits. */
export function formatValue(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return String(Number(value.toPrecision(6)));
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Compare two cells for sorting: numbers by value, text naturally, empty cells last. */
export function compareValues(a, b) {
  const emptyA = a === null || a === undefined || Number.isNaN(a);
  const emptyB = b === null || b === undefined || Number.isNaN(b);
  if (emptyA || emptyB) return emptyA === emptyB ? 0 : emptyA ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, {numeric: true});
}

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** Epoch ms as a date, in UTC as charts show them: 2024-03-05. */
export function formatDate(ms) {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Epoch ms as a datetime in UTC: 2024-03-05 14:30:00 (and .250 when there are ms). */
export function formatDatetime(ms) {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return "";
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const millis = d.getUTCMilliseconds();
  return `${formatDate(ms)} ${time}${millis ? `.${pad(millis, 3)}` : ""}`;
}

const numberFormats = new Map();

function numberFormat(locale, style, digits) {
  const key = `${locale ?? ""}|${style}|${digits ?? ""}`;
  let format = numberFormats.get(key);
  if (!format) {
    const options = {style};
    if (digits !== undefined) options.minimumFractionDigits = options.maximumFractionDigits = digits;
    format = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, format);
  }
  return format;
}

/**
 * A table cell's text. `format` is the column's: "datetime", "date", "number"
 * ("number:2": two decimals), "percent" ("percent:1"), "text", or null to follow
 * `type`, the source's column_types entry ("datetime" / "date" for columns that held
 * Python dates, else null). Only numbers are reformatted; other values read as usual.
 * `locale` is the reader's unless given.
 */
export function formatCell(value, format = null, type = null, locale = undefined) {
  const [kind, digitsText] = (format ?? type ?? "").split(":");
  if (kind === "text") return typeof value === "number" ? String(value) : formatValue(value);
  if (typeof value !== "number" || !Number.isFinite(value)) return formatValue(value);
  const digits = digitsText === undefined ? undefined : Number(digitsText);
  switch (kind) {
    case "datetime":
      return formatDatetime(value);
    case "date":
      return formatDate(value);
    case "number":
      return numberFormat(locale, "decimal", digits).format(value);
    case "percent":
      return numberFormat(locale, "percent", digits).format(value);
    default:
      return formatValue(value);
  }
}

/** Whether a cell lines up to the right, as numbers (and dates, which read like them) do. */
export function alignsRight(value, format = null) {
  return typeof value === "number" && format !== "text";
}

const decimalSeparators = new Map();

function decimalSeparator(locale) {
  const key = locale ?? "";
  let sep = decimalSeparators.get(key);
  if (sep === undefined) {
    sep = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === "decimal")?.value ?? ".";
    decimalSeparators.set(key, sep);
  }
  return sep;
}

/**
 * A number cell's text split so a column can line its numbers up on the decimal
 * separator (1466.4 over 1231.85): [whole, fraction, suffix, separator], the fraction
 * starting with the separator ("" for whole numbers), the suffix what follows the
 * digits ("%"). Null for cells that are not split (text, dates, exponents). Formatted
 * numbers use the locale's separator, plain ones ".".
 */
export function splitDecimal(value, text, format = null, type = null, locale = undefined) {
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  const kind = (format ?? type ?? "").split(":")[0];
  if (kind === "text" || kind === "date" || kind === "datetime" || /e/i.test(text)) return null;
  const sep = kind === "number" || kind === "percent" ? decimalSeparator(locale) : ".";
  const suffix = /[^\d]*$/.exec(text)[0];
  const body = text.slice(0, text.length - suffix.length);
  const at = body.lastIndexOf(sep);
  return at < 0 ? [body, "", suffix, sep] : [body.slice(0, at), body.slice(at), suffix, sep];
}

/** What a fraction lacks to be `width` characters wide (separator included): zeros. */
export function fractionPad(fraction, width, sep = ".") {
  const missing = width - fraction.length;
  if (missing <= 0) return "";
  return fraction ? "0".repeat(missing) : sep + "0".repeat(missing - 1);
}
