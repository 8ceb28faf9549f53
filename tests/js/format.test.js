import assert from "node:assert/strict";
import {describe, it} from "node:test";

import {alignsRight, compareValues, formatCell, formatValue} from "../../aioserve/static/format.js";
import {normalizeOptions} from "../../aioserve/static/renderers/choices.js";
import {formatBytes, uploadLimit} from "../../aioserve/static/renderers/file_input.js";
import {formatSliderValue} from "../../aioserve/static/renderers/sliders.js";

describe("formatValue", () => {
  it("shows integers as they are and other numbers to 6 significant digits", () => {
    assert.equal(formatValue(42), "42");
    assert.equal(formatValue(0.1 + 0.2), "0.3");
    assert.equal(formatValue(3.14159265), "3.14159");
    assert.equal(formatValue(NaN), "NaN");
  });

  it("shows empty cells as empty and objects as JSON", () => {
    assert.equal(formatValue(null), "");
    assert.equal(formatValue(undefined), "");
    assert.equal(formatValue([1, 2]), "[1,2]");
    assert.equal(formatValue(true), "true");
  });
});

describe("formatCell", () => {
  const march5 = Date.UTC(2024, 2, 5, 14, 30, 0);

  it("shows the columns the source marks as dates or datetimes as UTC dates", () => {
    assert.equal(formatCell(march5, null, "datetime"), "2024-03-05 14:30:00");
    assert.equal(formatCell(march5 + 250, null, "datetime"), "2024-03-05 14:30:00.250");
    assert.equal(formatCell(Date.UTC(2024, 2, 5), null, "date"), "2024-03-05");
    assert.equal(formatCell(null, null, "datetime"), "");
    assert.equal(formatCell(march5, null, null), String(march5)); // a plain number column
  });

  it("lets the column's format win over the source's hint", () => {
    assert.equal(formatCell(march5, "date", "datetime"), "2024-03-05");
    assert.equal(formatCell(march5, "datetime"), "2024-03-05 14:30:00");
    assert.equal(formatCell(march5, "text", "datetime"), String(march5));
  });

  it("formats numbers and percentages in a locale, with the decimals asked for", () => {
    assert.equal(formatCell(1234567.891, "number", null, "en-US"), "1,234,567.891");
    assert.equal(formatCell(1234.5, "number:2", null, "en-US"), "1,234.50");
    assert.equal(formatCell(1234.5, "number:0", null, "de-DE"), "1.235");
    assert.equal(formatCell(0.256, "percent", null, "en-US"), "26%");
    assert.equal(formatCell(0.256, "percent:1", null, "en-US"), "25.6%");
  });

  it("leaves values that are not numbers as they read anyway", () => {
    assert.equal(formatCell("n/a", "number:2"), "n/a");
    assert.equal(formatCell("2024-03-05", "datetime"), "2024-03-05");
    assert.equal(formatCell(undefined, "percent"), "");
    assert.equal(formatCell(0.1 + 0.2, "text"), "0.30000000000000004");
  });

  it("aligns numbers and dates to the right, text to the left", () => {
    assert.equal(alignsRight(march5, "datetime"), true);
    assert.equal(alignsRight(3, null), true);
    assert.equal(alignsRight(3, "text"), false);
    assert.equal(alignsRight("x", null), false);
  });
});

describe("compareValues", () => {
  it("sorts numbers by value, text naturally, empty cells last", () => {
    const values = [10, null, 2, undefined, 33];
    assert.deepEqual([...values].sort(compareValues), [2, 10, 33, null, undefined]);
    assert.deepEqual(["item10", "item2", "Item1"].sort(compareValues), ["Item1", "item2", "item10"]);
  });
});

describe("widget helpers", () => {
  it("normalises options to [value, label] pairs", () => {
    assert.deepEqual(normalizeOptions(["a", ["b", "Bee"], [3, 4]]), [["a", "a"], ["b", "Bee"], ["3", "4"]]);
    assert.deepEqual(normalizeOptions(null), []);
  });

  it("formats slider values with the step's decimals", () => {
    assert.equal(formatSliderValue(3, 0.1), "3.0");
    assert.equal(formatSliderValue(0.30000000000000004, 0.05), "0.30");
    assert.equal(formatSliderValue(7, 1), "7");
    assert.equal(formatSliderValue(2, 1e-7), "2.0000000");
    assert.equal(formatSliderValue(null, 1), "");
  });

  it("formats file sizes", () => {
    assert.equal(formatBytes(512), "512 B");
    assert.equal(formatBytes(2048), "2.0 KB");
    assert.equal(formatBytes(5 * 1024 * 1024), "5.0 MB");
    assert.equal(formatBytes(50 * 1024 * 1024), "50 MB");
  });

  it("limits uploads by max_size and by what one message can carry in base64", () => {
    assert.deepEqual(uploadLimit(1000, 20 * 1024 * 1024), {bytes: 1000, byServer: false});
    // 20 000 bytes of message: 2048 for the envelope, then 3 file bytes per 4 of base64.
    assert.deepEqual(uploadLimit(10 * 1024 * 1024, 20_000), {bytes: 13_464, byServer: true});
    assert.deepEqual(uploadLimit(0, 20_000), {bytes: 13_464, byServer: true});
    assert.deepEqual(uploadLimit(500, null), {bytes: 500, byServer: false});
    assert.equal(uploadLimit(0, null), null);
    assert.equal(uploadLimit(undefined, 100).bytes, 0);
  });
});

describe("splitDecimal and fractionPad", () => {
  it("split a number at its decimal point so a column lines up on it", async () => {
    const {splitDecimal, fractionPad} = await import("../../aioserve/static/format.js");
    assert.deepEqual(splitDecimal(1466.4, "1466.4"), ["1466", ".4", "", "."]);
    assert.deepEqual(splitDecimal(1231.85, "1231.85"), ["1231", ".85", "", "."]);
    assert.deepEqual(splitDecimal(25, "25"), ["25", "", "", "."]);
    // The zeros a fraction lacks to be as wide as the widest in its column.
    assert.equal(fractionPad(".4", 3), "0");
    assert.equal(fractionPad("", 3), ".00");
    assert.equal(fractionPad(".85", 3), "");
    assert.equal(fractionPad("", 0), "");
  });

  it("use the locale's separator for formatted numbers and keep a suffix apart", async () => {
    const {splitDecimal} = await import("../../aioserve/static/format.js");
    const de = formatCell(1234.5, "number:1", null, "de-DE");
    assert.deepEqual(splitDecimal(1234.5, de, "number:1", null, "de-DE"), ["1.234", ",5", "", ","]);
    const pct = formatCell(0.125, "percent:1", null, "en-US");
    assert.deepEqual(splitDecimal(0.125, pct, "percent:1", null, "en-US"), ["12", ".5", "%", "."]);
  });

  it("leave text, dates and exponents whole", async () => {
    const {splitDecimal} = await import("../../aioserve/static/format.js");
    assert.equal(splitDecimal("1.5", "1.5"), null);
    assert.equal(splitDecimal(1709649000000, "2024-03-05", "date"), null);
    assert.equal(splitDecimal(1e-7, "1e-7"), null);
  });
});
