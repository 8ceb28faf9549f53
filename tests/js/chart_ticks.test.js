import assert from "node:assert/strict";
import {describe, it} from "node:test";

import {
  datetimeTicks, formatDatetime, formatDatetimeFull, formatTick, linearTicks, niceStep,
} from "../../aioserve/static/renderers/chart_ticks.js";

describe("niceStep", () => {
  it("picks 1-2-5 steps", () => {
    assert.equal(niceStep(10, 5), 2);
    assert.equal(niceStep(100, 5), 20);
    assert.equal(niceStep(1, 5), 0.2);
    assert.equal(niceStep(7, 5), 1);
    assert.equal(niceStep(30, 5), 5);
    assert.equal(niceStep(0.03, 5), 0.005);
  });

  it("every step is 1, 2 or 5 times a power of ten", () => {
    for (const span of [0.0007, 0.3, 3, 17, 450, 9999, 1e7]) {
      const step = niceStep(span, 5);
      const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6));
      assert.ok([1, 2, 5].includes(mantissa), `${span} -> ${step}`);
    }
  });

  it("copes with an empty or invalid span", () => {
    assert.equal(niceStep(0), 1);
    assert.equal(niceStep(NaN), 1);
  });
});

describe("linearTicks", () => {
  it("extends the domain to round ticks", () => {
    assert.deepEqual(linearTicks(0, 9.3, 5), {ticks: [0, 2, 4, 6, 8, 10], step: 2, lo: 0, hi: 10});
  });

  it("has no floating point noise", () => {
    const {ticks} = linearTicks(0.1, 0.7, 6);
    assert.deepEqual(ticks, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  });

  it("keeps the domain when not extending", () => {
    const r = linearTicks(0.13, 0.97, 4, {extend: false});
    assert.equal(r.lo, 0.13);
    assert.equal(r.hi, 0.97);
    assert.deepEqual(r.ticks, [0.2, 0.4, 0.6, 0.8]);
  });

  it("spreads a single value and handles negatives and reversed input", () => {
    const single = linearTicks(5, 5);
    assert.ok(single.lo < 5 && single.hi > 5);
    assert.deepEqual(linearTicks(0, 0).ticks.includes(0), true);
    assert.deepEqual(linearTicks(10, -10, 4).ticks, [-10, -5, 0, 5, 10]);
  });

  it("falls back to 0..1 for non-finite input", () => {
    assert.equal(linearTicks(NaN, Infinity).lo, 0);
  });
});

describe("formatTick", () => {
  it("uses as many decimals as the step needs", () => {
    assert.equal(formatTick(0.30000000000000004, 0.1), "0.3");
    assert.equal(formatTick(2, 0.5), "2.0");
    assert.equal(formatTick(1500, 500), "1500");
    assert.equal(formatTick(-0.0000001, 0.5), "0.0");
  });

  it("shortens big numbers", () => {
    assert.equal(formatTick(2500000, 500000), "2.5M");
    assert.equal(formatTick(3000000000, 1000000000), "3G");
  });
});

describe("datetimeTicks", () => {
  const day = Date.UTC(2024, 0, 1);
  const labels = (min, max, count) => {
    const {ticks, unit} = datetimeTicks(min, max, count);
    return ticks.map((t) => formatDatetime(t, unit));
  };

  it("uses hours within a day, with the date at midnight", () => {
    assert.deepEqual(labels(day, day + 6 * 3600e3, 5), ["Jan 1", "02:00", "04:00", "06:00"]);
  });

  it("uses seconds within a minute", () => {
    assert.deepEqual(labels(day, day + 30e3, 3), ["00:00:00", "00:00:10", "00:00:20", "00:00:30"]);
  });

  it("uses days or weeks within a month", () => {
    assert.deepEqual(labels(day, Date.UTC(2024, 0, 6), 5), ["Jan 1", "Jan 2", "Jan 3", "Jan 4", "Jan 5", "Jan 6"]);
  });

  it("uses calendar months within a year, the year on January", () => {
    assert.deepEqual(labels(day, Date.UTC(2024, 11, 31), 5), ["2024", "Apr 2024", "Jul 2024", "Oct 2024"]);
  });

  it("uses years over a decade", () => {
    assert.deepEqual(labels(day, Date.UTC(2034, 0, 1), 5), ["2024", "2026", "2028", "2030", "2032", "2034"]);
  });

  it("ticks stay inside the range", () => {
    const min = Date.UTC(2023, 4, 17, 13, 7);
    const max = Date.UTC(2023, 7, 2, 9);
    for (const t of datetimeTicks(min, max, 6).ticks) assert.ok(t >= min && t <= max);
  });

  it("formats a full timestamp without zero parts", () => {
    assert.equal(formatDatetimeFull(day), "2024-01-01");
    assert.equal(formatDatetimeFull(day + 3600e3 * 14 + 60e3 * 5), "2024-01-01 14:05");
    assert.equal(formatDatetimeFull(day + 1500), "2024-01-01 00:00:01.500");
  });
});
