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
