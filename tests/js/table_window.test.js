import assert from "node:assert/strict";
import {test} from "node:test";

import {BLOCK, MAX_WINDOW, OVERSCAN, covers, fetchRange, layoutRows, renderRange, visibleRows} from "../../aioserve/static/renderers/table_window.js";

test("the rows in view follow the scroll position", () => {
  assert.deepEqual(visibleRows(0, 330, 33, 1000), {first: 0, last: 10});
  assert.deepEqual(visibleRows(3300, 330, 33, 1000), {first: 100, last: 110});
  assert.deepEqual(visibleRows(3310, 330, 33, 1000), {first: 100, last: 111}); // a row cut in half shows
  assert.deepEqual(visibleRows(1e9, 330, 33, 1000), {first: 999, last: 1000});
  assert.deepEqual(visibleRows(0, 330, 33, 0), {first: 0, last: 0});
});

test("a few rows beyond each edge are rendered, never past the table", () => {
  assert.deepEqual(renderRange({first: 100, last: 110}, 1000), {first: 100 - OVERSCAN, last: 110 + OVERSCAN});
  assert.deepEqual(renderRange({first: 0, last: 10}, 12), {first: 0, last: 12});
});

test("windows asked for are whole blocks around the view, capped", () => {
  assert.deepEqual(fetchRange({first: 0, last: 20}, 1_000_000), {start: 0, end: 2 * BLOCK});
  const {start, end} = fetchRange({first: 520, last: 560}, 1_000_000);
  assert.ok(start <= 520 && end >= 560 && start % BLOCK === 0 && end % BLOCK === 0);
  assert.deepEqual(fetchRange({first: 990, last: 1000}, 1000), {start: 900, end: 1000});
  assert.equal(fetchRange({first: 0, last: 5000}, null).end, MAX_WINDOW);
  // Before the first reply the size is unknown: ask for the first blocks.
  assert.deepEqual(fetchRange({first: 0, last: 0}, null), {start: 0, end: BLOCK});
});

test("the rows held cover a view inside them, or one that runs to the table's end", () => {
  const win = {start: 100, total: 1000, index: Array.from({length: 100}, (_, i) => 100 + i)};
  assert.ok(covers(win, {first: 100, last: 200}));
  assert.ok(!covers(win, {first: 99, last: 120}));
  assert.ok(!covers(win, {first: 150, last: 201}));
  assert.ok(!covers(null, {first: 0, last: 1}));
  const tail = {start: 950, total: 1000, index: Array.from({length: 50}, (_, i) => 950 + i)};
  assert.ok(covers(tail, {first: 960, last: 1010}));
});

test("the scroll area is as tall as the table, and rows sit where the scroll says", () => {
  const layout = layoutRows(3300, 330, 33, 1000);
  assert.equal(layout.height, 33_000);
  assert.deepEqual(layout.view, {first: 100, last: 110});
  assert.equal(layout.first, 90);
  assert.equal(layout.spacer, 90 * 33); // row 100 is at the top of the view
});

test("a million rows scale into a scroll area browsers can make, end to end", () => {
  const total = 1_000_000, row = 33, view = 400, max = 8_000_000;
  const top = layoutRows(0, view, row, total, OVERSCAN, max);
  assert.equal(top.height, max);
  assert.equal(top.view.first, 0);
  const end = layoutRows(max - view, view, row, total, OVERSCAN, max);
  assert.equal(end.view.last, total); // the last row can be reached
  assert.equal(end.last, total);
  // ... at the very bottom of the scroll area, where the scroll position shows it.
  assert.ok(Math.abs(end.spacer + (end.last - end.first) * row - max) < row);
  const middle = layoutRows((max - view) / 2, view, row, total, OVERSCAN, max);
  assert.ok(Math.abs(middle.view.first - total / 2) < 20);
});
