import assert from "node:assert/strict";
import {describe, it} from "node:test";

import {PALETTE, computeLayout, describeChart, hoverOrder, nearest, seriesOf} from "../../aioserve/static/renderers/chart_layout.js";

const size = {width: 600, height: 300};

describe("computeLayout", () => {
  it("pins the y axis to y_min and y_max, fitting the other end to the data", () => {
    const data = {t: [0, 1, 2], v: [12, 47, 33]};
    const both = computeLayout({x: "t", y_min: 0, y_max: 100, series: [{y: "v"}]}, data, size);
    assert.deepEqual(both.yDomain, [0, 100]);
    assert.equal(both.yTicks[0].value, 0);
    assert.equal(both.yTicks.at(-1).value, 100);
    const low = computeLayout({x: "t", y_min: 0, series: [{y: "v"}]}, data, size);
    assert.equal(low.yDomain[0], 0);
    assert.ok(low.yDomain[1] >= 47 && low.yDomain[1] <= 60);
    assert.ok(low.yTicks.every((t) => t.value >= 0 && t.value <= low.yDomain[1]));
    const clipped = computeLayout({x: "t", y_max: 20, series: [{y: "v"}]}, data, size);
    assert.equal(clipped.yDomain[1], 20);
    assert.ok(clipped.yDomain[0] < 20);
  });

  it("maps the data range onto the plot area", () => {
    const props = {x: "t", series: [{y: "v", kind: "line"}]};
    const layout = computeLayout(props, {t: [0, 5, 10], v: [0, 5, 9]}, size);
    assert.equal(layout.x(0), layout.plot.left);
    assert.equal(layout.x(10), layout.plot.left + layout.plot.width);
    assert.equal(layout.y(layout.yDomain[0]), layout.plot.top + layout.plot.height);
    assert.ok(layout.yDomain[1] >= 9);
    assert.ok(layout.xTicks.length >= 3);
    assert.ok(layout.xTicks.every((t) => t.pos >= layout.plot.left - 0.5 && t.pos <= layout.plot.left + layout.plot.width + 0.5));
  });

  it("gives series palette colours and their column as label by default", () => {
    const series = seriesOf({series: [{y: "a"}, {y: "b", color: "red", label: "B"}]}, {a: [1], b: [2]});
    assert.equal(series[0].color, PALETTE[0]);
    assert.equal(series[0].label, "a");
    assert.equal(series[0].kind, "line");
    assert.equal(series[1].color, "red");
    assert.equal(series[1].label, "B");
  });

  it("lets bars stand on zero", () => {
    const layout = computeLayout({x: "x", series: [{y: "y", kind: "bar"}]}, {x: [1, 2, 3], y: [5, 6, 7]}, size);
    assert.equal(layout.yDomain[0], 0);
    assert.equal(layout.baseline, layout.y(0));
    assert.ok(layout.barWidth > 0);
  });

  it("places categories in bands in order of appearance", () => {
    const layout = computeLayout({x: "c", x_type: "category", series: [{y: "y", kind: "bar"}]},
      {c: ["b", "a", "b"], y: [1, 2, 3]}, size);
    assert.deepEqual(layout.categories, ["b", "a"]);
    assert.ok(layout.x("b") < layout.x("a"));
    assert.equal(layout.x("b"), layout.plot.left + layout.band / 2);
  });

  it("labels datetime ticks as dates", () => {
    const t0 = Date.UTC(2024, 0, 1);
    const layout = computeLayout({x: "t", x_type: "datetime", series: [{y: "v"}]},
      {t: [t0, t0 + 5 * 86400e3], v: [1, 2]}, size);
    assert.ok(layout.xTicks.some((t) => /^Jan \d+$/.test(t.label)), JSON.stringify(layout.xTicks));
  });

  it("survives empty and broken data", () => {
    const layout = computeLayout({x: "t", series: [{y: "v"}]}, {}, size);
    assert.equal(layout.n, 0);
    const mixed = computeLayout({x: "t", series: [{y: "v"}]}, {t: [1, null, 3], v: [null, "x", 2]}, size);
    assert.ok(Number.isFinite(mixed.y(2)));
  });
});

describe("hover", () => {
  it("orders points by x and finds the nearest one", () => {
    const layout = computeLayout({x: "t", series: [{y: "v"}]}, {t: [10, 0, 5, null], v: [1, 2, 3, 4]}, size);
    const order = hoverOrder(layout);
    assert.deepEqual(order.indices, [1, 2, 0]);
    assert.equal(nearest(order, layout.x(0) - 50), 0);
    assert.equal(nearest(order, layout.x(6)), 1);
    assert.equal(nearest(order, layout.x(9)), 2);
    assert.equal(nearest({indices: [], positions: []}, 3), -1);
  });

  it("has one hover stop per category", () => {
    const layout = computeLayout({x: "c", x_type: "category", series: [{y: "y"}]}, {c: ["a", "b", "a"], y: [1, 2, 3]}, size);
    assert.deepEqual(hoverOrder(layout).indices, [0, 1]);
  });
});

describe("describeChart", () => {
  it("summarises title, series and ranges", () => {
    const props = {title: "Prices", x: "day", x_label: "Day", y_label: "EUR", series: [{y: "p", kind: "line", label: "Price"}]};
    const text = describeChart(props, computeLayout(props, {day: [1, 2, 3], p: [10, 12, 11]}, size));
    assert.match(text, /^Chart: Prices\./);
    assert.match(text, /line series Price/);
    assert.match(text, /3 points/);
    assert.match(text, /Day from 1 to 3/);
    assert.match(text, /EUR from 10 to 12/);
  });
});
