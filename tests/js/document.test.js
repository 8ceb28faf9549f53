import assert from "node:assert/strict";
import {describe, it} from "node:test";

import {DocumentStore, isRef, refsIn} from "../../aioserve/static/document.js";

function sampleDoc() {
  return {
    title: "Demo",
    roots: ["m1"],
    models: {
      m1: {type: "Column", props: {children: [{ref: "m2"}, {ref: "m3"}], gap: 12}},
      m2: {type: "Slider", props: {title: "x", value: 1, start: 0, end: 10, step: 1}},
      m3: {type: "DataTable", props: {source: {ref: "m4"}, columns: [{field: "a", title: "A"}]}},
      m4: {type: "ColumnDataSource", props: {data: {a: [1, 2, 3], b: ["x", "y", "z"]}, selected: []}},
    },
    theme_css: ["/app/theme.css"],
  };
}

function loaded() {
  const store = new DocumentStore();
  store.load(sampleDoc(), 1);
  return store;
}

describe("refs", () => {
  it("recognises refs and finds them nested", () => {
    assert.ok(isRef({ref: "m1"}));
    assert.ok(!isRef(["m1"]));
    assert.ok(!isRef(null));
    assert.deepEqual(refsIn({a: [{ref: "m1"}, {b: {ref: "m2"}}], c: 3, d: "m9"}), ["m1", "m2"]);
  });
});

describe("DocumentStore.load", () => {
  it("takes models, roots, title, theme css and seq from a doc message", () => {
    const store = loaded();
    assert.equal(store.seq, 1);
    assert.equal(store.title, "Demo");
    assert.deepEqual(store.roots, ["m1"]);
    assert.deepEqual(store.themeCss, ["/app/theme.css"]);
    assert.equal(store.get("m2").type, "Slider");
    assert.equal(store.get({ref: "m2"}).props.value, 1);
    assert.equal(store.prop("m4", "data").a.length, 3);
    assert.equal(store.get("nope"), null);
  });

  it("emits reset, and a second load replaces everything", () => {
    const store = loaded();
    const seen = [];
    store.subscribe((c) => seen.push(c.kind));
    store.load({title: "Other", roots: ["z"], models: {z: {type: "Div", props: {text: "hi"}}}}, 40);
    assert.deepEqual(seen, ["reset"]);
    assert.equal(store.get("m1"), null);
    assert.equal(store.seq, 40);
  });

  it("does not share props objects with the message", () => {
    const doc = sampleDoc();
    const store = new DocumentStore();
    store.load(doc, 1);
    store.setLocal("m2", "value", 5);
    assert.equal(doc.models.m2.props.value, 1);
  });
});

describe("DocumentStore.applyPatch", () => {
  it("applies set and notifies watchers of that model and global listeners", () => {
    const store = loaded();
    const watched = [];
    const all = [];
    store.watch("m2", (c) => watched.push(c));
    store.watch("m3", () => assert.fail("m3 must not hear m2's change"));
    store.subscribe((c) => all.push(c));
    store.applyPatch([{kind: "set", model: "m2", attr: "value", value: 7}], 2);
    assert.equal(store.prop("m2", "value"), 7);
    assert.equal(store.seq, 2);
    assert.equal(watched.length, 1);
    assert.deepEqual({...watched[0]}, {kind: "set", model: "m2", attr: "value", value: 7, old: 1, origin: "server"});
    assert.equal(all.length, 1);
  });

  it("adds models before the set that references them", () => {
    const store = loaded();
    store.applyPatch([
      {kind: "models", models: {m9: {type: "Button", props: {label: "Go"}}}},
      {kind: "set", model: "m1", attr: "children", value: [{ref: "m2"}, {ref: "m9"}]},
    ], 3);
    assert.equal(store.get("m9").props.label, "Go");
    assert.deepEqual(store.prop("m1", "children"), [{ref: "m2"}, {ref: "m9"}]);
  });

  it("turns a re-sent model into property changes", () => {
    const store = loaded();
    const changes = [];
    store.watch("m2", (c) => changes.push(c.attr));
    store.applyEvent({kind: "models", models: {m2: {type: "Slider", props: {title: "x", value: 4, start: 0, end: 10, step: 1}}}});
    assert.deepEqual(changes, ["value"]);
  });

  it("changes roots and title", () => {
    const store = loaded();
    const kinds = [];
    store.subscribe((c) => kinds.push(c.kind));
    store.applyPatch([{kind: "roots", roots: ["m2", "m3"]}, {kind: "title", title: "New"}], 5);
    assert.deepEqual(store.roots, ["m2", "m3"]);
    assert.equal(store.title, "New");
    assert.deepEqual(kinds, ["roots", "title"]);
  });

  it("never moves seq backwards and ignores unknown models and events", () => {
    const store = loaded();
    store.noteSeq(9);
    store.applyPatch([], 4);
    assert.equal(store.seq, 9);
    const warn = console.warn;
    console.warn = () => {};
    try {
      assert.equal(store.applyEvent({kind: "set", model: "ghost", attr: "x", value: 1}), false);
      assert.equal(store.applyEvent({kind: "explode"}), false);
    } finally {
      console.warn = warn;
    }
  });
});

describe("stream and patch", () => {
  it("appends rows to every column", () => {
    const store = loaded();
    const changes = [];
    store.watch("m4", (c) => changes.push(c));
    store.applyEvent({kind: "stream", model: "m4", data: {a: [4, 5], b: ["u", "v"]}, rollover: null});
    assert.deepEqual(store.prop("m4", "data"), {a: [1, 2, 3, 4, 5], b: ["x", "y", "z", "u", "v"]});
    assert.equal(changes[0].added, 2);
    assert.equal(changes[0].removed, 0);
  });

  it("keeps only the last `rollover` rows", () => {
    const store = loaded();
    const changes = [];
    store.watch("m4", (c) => changes.push(c));
    store.applyEvent({kind: "stream", model: "m4", data: {a: [4, 5], b: ["u", "v"]}, rollover: 3});
    assert.deepEqual(store.prop("m4", "data"), {a: [3, 4, 5], b: ["z", "u", "v"]});
    assert.equal(changes[0].removed, 2);
    store.applyEvent({kind: "stream", model: "m4", data: {a: [6, 7, 8, 9], b: ["1", "2", "3", "4"]}, rollover: 3});
    assert.deepEqual(store.prop("m4", "data").a, [7, 8, 9]);
    assert.equal(changes[1].removed, 4);
  });

  it("a rollover larger than the data drops nothing", () => {
    const store = loaded();
    store.applyEvent({kind: "stream", model: "m4", data: {a: [4], b: ["w"]}, rollover: 100});
    assert.equal(store.prop("m4", "data").a.length, 4);
  });

  it("replaces cells by index", () => {
    const store = loaded();
    const changes = [];
    store.watch("m4", (c) => changes.push(c));
    store.applyEvent({kind: "patch", model: "m4", patches: {a: [[0, 10], [2, 30]], b: [[1, "Y"]]}});
    assert.deepEqual(store.prop("m4", "data"), {a: [10, 2, 30], b: ["x", "Y", "z"]});
    assert.equal(changes[0].kind, "patch");
  });

  it("ignores an index out of range", () => {
    const store = loaded();
    const warn = console.warn;
    console.warn = () => {};
    try {
      store.applyEvent({kind: "patch", model: "m4", patches: {a: [[7, 1], [-1, 1]]}});
    } finally {
      console.warn = warn;
    }
    assert.deepEqual(store.prop("m4", "data").a, [1, 2, 3]);
  });
});

describe("watch", () => {
  it("stops after unsubscribe", () => {
    const store = loaded();
    let count = 0;
    const stop = store.watch("m2", () => count++);
    store.setLocal("m2", "value", 2);
    stop();
    store.setLocal("m2", "value", 3);
    assert.equal(count, 1);
  });

  it("marks local changes as local", () => {
    const store = loaded();
    let origin;
    store.watch("m2", (c) => (origin = c.origin));
    store.setLocal("m2", "value", 2);
    assert.equal(origin, "local");
  });
});
