// Windowed rendering of a DataTable, the pure part: which rows are in view, which
// window to ask the server for, and whether the rows held cover the view. No DOM,
// so node can test it.

/** Rows to render beyond each edge of the view, so a short scroll shows no gap. */
export const OVERSCAN = 10;
/** Windows start and end on multiples of this, so small scrolls reuse the rows held. */
export const BLOCK = 50;
/** The server's cap on one window (aioserve/models/table_rows.py). */
export const MAX_WINDOW = 1000;

/** The rows in view, [first, last) in the table's order, for a scroll position. */
export function visibleRows(scrollTop, viewHeight, rowHeight, total) {
  if (total <= 0 || rowHeight <= 0) return {first: 0, last: 0};
  const first = Math.min(total - 1, Math.max(0, Math.floor(scrollTop / rowHeight)));
  const last = Math.min(total, Math.max(first + 1, Math.ceil((scrollTop + Math.max(0, viewHeight)) / rowHeight)));
  return {first, last};
}

/** The rows to render: the view plus OVERSCAN on each side, within the table. */
export function renderRange({first, last}, total, overscan = OVERSCAN) {
  return {first: Math.max(0, first - overscan), last: Math.min(total, last + overscan)};
}

/** The window to ask for so that [first, last) is covered: whole blocks around it. */
export function fetchRange({first, last}, total, block = BLOCK) {
  const start = Math.max(0, Math.floor(first / block) * block - block);
  let end = Math.ceil(last / block) * block + block;
  end = Math.min(end, start + MAX_WINDOW);
  if (total !== null && total !== undefined) end = Math.min(end, Math.max(total, start));
  return {start, end};
}

/** Whether the rows held (a `rows` reply) cover [first, last). */
export function covers(win, {first, last}) {
  if (!win) return false;
  const end = win.start + win.index.length;
  return first >= win.start && (last <= end || end >= win.total);
}

/** Taller than this, the scroll area is scaled: browsers cap an element's height. */
export const MAX_SCROLL_PX = 8_000_000;

/**
 * Where the rows go for a scroll position: the rows to render [first, last) and the
 * height of the spacer above them, in a scroll area `height` px tall. Past
 * MAX_SCROLL_PX the area is scaled, so a million rows still scroll end to end.
 */
export function layoutRows(scrollTop, viewHeight, rowHeight, total, overscan = OVERSCAN, maxPx = MAX_SCROLL_PX) {
  const full = total * rowHeight;
  const height = Math.min(full, maxPx);
  const room = Math.max(0, height - viewHeight);
  const top = Math.min(Math.max(0, scrollTop), room);
  // The position in the unscaled table that this scroll position stands for.
  const virtual = room > 0 && full > height ? (top * (full - viewHeight)) / room : top;
  const view = visibleRows(virtual, viewHeight, rowHeight, total);
  const range = renderRange(view, total, overscan);
  const spacer = Math.max(0, Math.round(top - (virtual - range.first * rowHeight)));
  return {...range, view, spacer, height};
}
