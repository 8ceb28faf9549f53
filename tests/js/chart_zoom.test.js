import assert from "node:assert/strict";
import {describe, it} from "node:test";

import {MAX_ZOOM_OUT, asRange, boxRange, clampRange, panBy, pinchRange, pixelToValue, sameRange, wheelFactor, zoomAround} from "../../aioserve/static/renderers/chart_zoom.js";
import {computeLayout} from "../../aioserve/static/renderers/chart_layout.js";

const size = {width: 600, height: 300};

describe("zoom arithmetic", () => {
  it("keeps the value under the pointer where it was", () => {
    const [lo, hi] = zoomAround([0, 100], 25, 0.5);
    assert.deepEqual([lo, hi], [12.5, 62.5]);
    assert.equal((25 - lo) / (hi - lo), 0.25);
    assert.deepEqual(zoomAround([0, 10], null, 2), [-5, 15]);
  });

  it("turns wheel steps into factors: down zooms out, up in, lines and pages count more", () => {
    assert.ok(wheelFactor(100) > 1 && wheelFactor(-100) < 1);
    assert.ok(Math.abs(wheelFactor(100) * wheelFactor(-100) - 1) < 1e-12);
    assert.ok(wheelFactor(3, 1) > wheelFactor(3, 0));
    assert.ok(Number.isFinite(wheelFactor(1e9)));
  });

  it("pinches: the values under both fingers stay under them", () => {
    // Values 40 and 60 were under the fingers; they spread to pixels 20 and 80 of 0..100.
    const range = pinchRange(40, 60, 0, 100, 20, 80);
    assert.ok(Math.abs(pixelToValue(range, 0, 100, 20) - 40) < 1e-9);
    assert.ok(Math.abs(pixelToValue(range, 0, 100, 80) - 60) < 1e-9);
    assert.ok(range[1] - range[0] < 100); // spread: zoomed in
    const out = pinchRange(20, 80, 0, 100, 40, 60);
    assert.ok(out[1] - out[0] > 100); // closed: zoomed out
    assert.deepEqual(pinchRange(40, 60, 0, 100, 50, 70), [-10, 90]); // both moved: a pan
    // The plot's left edge moved to 10 px: the values stay under the fingers there too.
    const moved = pinchRange(40, 60, 10, 90, 20, 80);
    assert.ok(Math.abs(pixelToValue(moved, 10, 90, 20) - 40) < 1e-9);
    assert.equal(pinchRange(40, 60, 0, 100, 40, 42), null); // fingers too close
    assert.equal(pinchRange(40, 60, 0, 100, 80, 20), null); // crossed over
  });

  it("pans and maps pixels to values, y upside down", () => {
    assert.deepEqual(panBy([1, 3], -0.5), [0.5, 2.5]);
    assert.equal(pixelToValue([0, 10], 50, 100, 75), 2.5);
    assert.equal(pixelToValue([0, 10], 50, 100, 75, true), 7.5);
    assert.deepEqual(boxRange([0, 10], 0, 100, 80, 20), [2, 8]);
    assert.equal(boxRange([0, 10], 0, 100, 20, 22), null);
  });

  it("keeps ranges the server accepts", () => {
    assert.equal(clampRange([NaN, 1], null), null);
    assert.equal(clampRange([2, 1], null), null);
    const wide = clampRange([-1e9, 1e9], [0, 10]);
    assert.ok(wide[0] >= -MAX_ZOOM_OUT * 10 && wide[1] <= 10 + MAX_ZOOM_OUT * 10);
    const shifted = clampRange([20000, 20010], [0, 10]);
    assert.ok(shifted[1] <= 10 + MAX_ZOOM_OUT * 10 && shifted[1] - shifted[0] === 10);
    const narrow = clampRange([1e12, 1e12 + 0.001], null);
    assert.ok(narrow[1] - narrow[0] > 1e12 * 1e-12);
    assert.deepEqual(clampRange([1, 2], [0, 10]), [1, 2]);
  });

  it("reads ranges from props", () => {
    assert.deepEqual(asRange([1, 2]), [1, 2]);
    assert.equal(asRange([2, 1]), null);
    assert.equal(asRange(null), null);
    assert.equal(asRange([1, NaN]), null);
    assert.ok(sameRange(null, null) && sameRange([1, 2], [1, 2]) && !sameRange([1, 2], null));
  });
});

describe("layout with a zoom", () => {
  const data = {x: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], y: [0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100]};
  const props = {x: "x", series: [{y: "y", kind: "line"}]};

  it("draws x_range edge to edge and fits y to the rows in view", () => {
    const layout = computeLayout({...props, x_range: [2, 4]}, data, size);
    assert.deepEqual(layout.xDomain, [2, 4]);
    assert.equal(layout.x(2), layout.plot.left);
    assert.equal(layout.x(4), layout.plot.left + layout.plot.width);
    assert.ok(layout.yDomain[0] >= 0 && layout.yDomain[0] <= 4 && layout.yDomain[1] >= 16 && layout.yDomain[1] <= 30);
    assert.ok(layout.xTicks.every((t) => t.value >= 2 && t.value <= 4));
    assert.ok(layout.zoomed);
  });

  it("takes y_range as it is", () => {
    const layout = computeLayout({...props, y_range: [10, 20]}, data, size);
    assert.deepEqual(layout.yDomain, [10, 20]);
  });

  it("puts a single scatter point inside the plot, not on an axis", () => {
    const layout = computeLayout({x: "x", series: [{y: "y", kind: "scatter"}]}, {x: [3], y: [7]}, size);
    const {plot} = layout;
    const px = layout.x(3), py = layout.y(7);
    assert.ok(px > plot.left + 20 && px < plot.left + plot.width - 20);
    assert.ok(py > plot.top + 20 && py < plot.top + plot.height - 20);
  });

  it("leaves room around scatter points at the data's edges", () => {
    const layout = computeLayout({x: "x", series: [{y: "y", kind: "scatter"}]}, data, size);
    assert.ok(layout.x(0) > layout.plot.left + 5);
    assert.ok(layout.y(100) > layout.plot.top + 2);
    assert.ok(layout.y(0) < layout.plot.top + layout.plot.height - 2);
  });

  it("ignores x_range on a category axis", () => {
    const layout = computeLayout({x: "c", x_type: "category", x_range: [0, 1], series: [{y: "v", kind: "bar"}]},
      {c: ["a", "b"], v: [1, 2]}, size);
    assert.equal(layout.xDomain, null);
  });
});
