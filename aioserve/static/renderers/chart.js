// Chart: line, scatter and bar series from a ColumnDataSource, drawn in SVG.
// Redraws (at most once per animation frame) when the source changes; hover or
// arrow keys show a guide and a tooltip with the values at the nearest x.
// Zoom and pan (wheel, drag, shift-drag or the box tool, double-click or Reset,
// + / - / 0 keys) set `x_range` / `y_range`, which the server hears; a
// downsampled chart draws `view`, the rows the server picked for that range,
// and reports its plot width (`inner_width`) so the server picks enough.

import {h, px, svg} from "../dom.js";
import {refId} from "../document.js";
import {formatValue} from "../format.js";
import {ModelView} from "./base.js";
import {DEFAULT_HEIGHT, DEFAULT_WIDTH, computeLayout, describeChart, formatX, hoverOrder, nearest} from "./chart_layout.js";
import {asRange, boxRange, clampRange, panBy, pinchRange, pixelToValue, sameRange, wheelFactor, zoomAround} from "./chart_zoom.js";

const ICONS = {
  pan: "M8 0l3 3H9v4h4V5l3 3-3 3V9H9v4h2l-3 3-3-3h2V9H3v2L0 8l3-3v2h4V3H5z",
  box: "M1 1h5v2H3v3H1zM10 1h5v5h-2V3h-3zM1 10h2v3h3v2H1zM13 10h2v5h-5v-2h3z",
  in: "M6.5 1a5.5 5.5 0 0 1 4.4 8.8l3.9 3.9-1.4 1.4-3.9-3.9A5.5 5.5 0 1 1 6.5 1zm0 2a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7zM6 4.5h1V6h1.5v1H7v1.5H6V7H4.5V6H6z",
  out: "M6.5 1a5.5 5.5 0 0 1 4.4 8.8l3.9 3.9-1.4 1.4-3.9-3.9A5.5 5.5 0 1 1 6.5 1zm0 2a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7zM4.5 6h4v1h-4z",
  reset: "M8 2a6 6 0 1 1-5.7 4.1l1.9.6A4 4 0 1 0 8 4v2L4.5 3.2 8 0z",
};

const isNum = (v) => typeof v === "number" && Number.isFinite(v);

export class ChartView extends ModelView {
  render() {
    this.frame = 0;
    this.layout = null;
    this.order = null;
    this.hoverAt = -1;
    this.pointerX = null;
    this.touches = new Map(); // touch pointers down on the plot: id -> x where it touched
    this.pinching = false;
    this.reportedWidth = 0;
    this.titleEl = h("figcaption", {class: "aio-chart-title"});
    this.legendEl = h("ul", {class: "aio-chart-legend"});
    this.svg = svg("svg", {class: "aio-chart-svg", role: "img", tabindex: "0"});
    this.tip = h("div", {class: "aio-chart-tip", hidden: true, "aria-hidden": "true"});
    this.plot = h("div", {class: "aio-chart-plot"}, this.svg, this.tip);
    this.dragMode = "pan";
    this.toolbar = this.makeToolbar();
    this.head = h("div", {class: "aio-chart-head"}, this.titleEl, this.toolbar);
    const el = h("figure", {class: "aio-chart"}, this.head, this.legendEl, this.plot);
    this.svg.addEventListener("wheel", (event) => this.onWheel(event), {passive: false});
    this.svg.addEventListener("pointerdown", (event) => this.onPointerDown(event));
    this.svg.addEventListener("dblclick", (event) => {
      if (this.canZoom() && this.inPlot(event)) this.setRanges(null, null);
    });
    this.svg.addEventListener("pointermove", (event) => this.onPointer(event));
    this.svg.addEventListener("pointerleave", () => {
      this.pointerX = null;
      this.showHover(-1);
    });
    this.svg.addEventListener("focus", () => this.showHover(Math.max(0, this.hoverAt)));
    this.svg.addEventListener("blur", () => this.showHover(-1));
    this.svg.addEventListener("keydown", (event) => this.onKey(event));
    if (typeof ResizeObserver !== "undefined") {
      let lastWidth = -1;
      const observer = new ResizeObserver(() => {
        const width = this.plot.clientWidth;
        if (this.stretches && width !== lastWidth) this.scheduleDraw();
        lastWidth = width;
      });
      observer.observe(this.plot);
      this._cleanups.push(() => observer.disconnect());
    }
    this.bindSource();
    this.scheduleDraw();
    return el;
  }

  makeToolbar() {
    const button = (key, label, onClick, pressed) => {
      const icon = svg("svg", {viewBox: "0 0 16 16", width: 14, height: 14, "aria-hidden": "true"});
      icon.append(svg("path", {d: ICONS[key], "fill-rule": "evenodd"}));
      const b = h("button", {type: "button", class: "aio-chart-tool", title: label, "aria-label": label,
        "data-tool": key}, icon);
      if (pressed !== undefined) b.setAttribute("aria-pressed", String(pressed));
      b.addEventListener("click", onClick);
      return b;
    };
    const mode = (key) => () => {
      this.dragMode = key;
      for (const b of bar.querySelectorAll("[aria-pressed]")) b.setAttribute("aria-pressed", String(b.dataset.tool === key));
    };
    const bar = h("div", {class: "aio-chart-toolbar", role: "toolbar", "aria-label": "Zoom and pan"},
      button("pan", "Pan (drag)", mode("pan"), true),
      button("box", "Box zoom (drag a box; shift-drag in pan mode)", mode("box"), false),
      button("in", "Zoom in (+)", () => this.zoomBy(1 / 1.5)),
      button("out", "Zoom out (-)", () => this.zoomBy(1.5)),
      button("reset", "Zoom to fit (double-click, 0)", () => this.setRanges(null, null)));
    return bar;
  }

  canZoom() {
    return this.props.zoom !== false && this.layout !== null && this.layout.xDomain !== null && this.ctx.live();
  }

  /** The data's x extent, for the same zoom-out limit the server keeps. */
  dataExtent() {
    const view = this.props.view;
    if (view && Array.isArray(view.x_extent)) return view.x_extent;
    let lo = Infinity, hi = -Infinity;
    for (const v of this.layout?.xs ?? []) {
      if (isNum(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return lo <= hi ? [lo, hi] : null;
  }

  /** Ask for new ranges (undefined: leave that one); the store takes them at once. */
  setRanges(xRange, yRange) {
    if (!this.ctx.live()) return;
    if (xRange !== undefined) {
      const next = xRange === null ? null : clampRange(xRange, this.dataExtent());
      if ((xRange === null || next) && !sameRange(next, asRange(this.props.x_range))) this.ctx.set(this.id, "x_range", next);
    }
    if (yRange !== undefined) {
      const next = yRange === null ? null : clampRange(yRange, null);
      if ((yRange === null || next) && !sameRange(next, asRange(this.props.y_range))) this.ctx.set(this.id, "y_range", next);
    }
  }

  inPlot(event) {
    const p = this.toPlot(event);
    const {plot} = this.layout ?? {};
    return Boolean(plot) && p.x >= plot.left && p.x <= plot.left + plot.width && p.y >= plot.top && p.y <= plot.top + plot.height;
  }

  /** An event's position in the svg's own units. */
  toPlot(event) {
    const rect = this.svg.getBoundingClientRect();
    const scale = (this.layout?.width ?? 1) / (rect.width || this.layout?.width || 1);
    return {x: (event.clientX - rect.left) * scale, y: (event.clientY - rect.top) * scale};
  }

  zoomBy(factor, at = null, axis = "x") {
    if (!this.canZoom()) return;
    const {plot, xDomain, yDomain} = this.layout;
    if (axis === "y") {
      const anchor = at ? pixelToValue(yDomain, plot.top, plot.height, at.y, true) : null;
      this.setRanges(undefined, zoomAround(yDomain, anchor, factor));
      return;
    }
    const anchor = at ? pixelToValue(xDomain, plot.left, plot.width, at.x) : null;
    this.setRanges(zoomAround(xDomain, anchor, factor));
  }

  onWheel(event) {
    if (!this.canZoom() || !this.inPlot(event)) return; // the page scrolls outside the plot area
    event.preventDefault();
    const delta = event.deltaY || event.deltaX;
    if (!delta) return;
    this.zoomBy(wheelFactor(delta, event.deltaMode), this.toPlot(event), event.shiftKey ? "y" : "x");
  }

  onPointerDown(event) {
    if (event.button !== 0 || !this.canZoom() || !this.inPlot(event)) return;
    if (event.pointerType === "touch") {
      this.touches.set(event.pointerId, this.toPlot(event).x);
      const forget = (e) => {
        if (e.pointerId !== event.pointerId) return;
        this.touches.delete(e.pointerId);
        if (this.touches.size === 0) this.pinching = false;
        this.svg.removeEventListener("pointerup", forget);
        this.svg.removeEventListener("pointercancel", forget);
      };
      this.svg.addEventListener("pointerup", forget);
      this.svg.addEventListener("pointercancel", forget);
      if (this.touches.size === 2) {
        this.onPinch();
        return;
      }
    }
    const start = this.toPlot(event);
    const box = this.dragMode === "box" || event.shiftKey;
    const {plot, xDomain, yDomain} = this.layout;
    const yPinned = asRange(this.props.y_range);
    let rect = null;
    let moved = false;
    this.svg.setPointerCapture?.(event.pointerId);
    const move = (e) => {
      if (e.pointerId !== event.pointerId || this.pinching) return; // a second finger pinches
      const p = this.toPlot(e);
      if (!moved && Math.hypot(p.x - start.x, p.y - start.y) < 3) return;
      moved = true;
      this.showHover(-1);
      if (box) {
        if (!rect) {
          rect = svg("rect", {class: "aio-chart-box"});
          this.svg.append(rect);
        }
        const x0 = Math.max(plot.left, Math.min(start.x, p.x)), x1 = Math.min(plot.left + plot.width, Math.max(start.x, p.x));
        const y0 = Math.max(plot.top, Math.min(start.y, p.y)), y1 = Math.min(plot.top + plot.height, Math.max(start.y, p.y));
        Object.entries({x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0)})
          .forEach(([k, v]) => rect.setAttribute(k, v.toFixed(1)));
        return;
      }
      // Pan: the data under the pointer follows it (y too once the y range is pinned).
      const dx = ((p.x - start.x) / plot.width) * (xDomain[1] - xDomain[0]);
      const dy = ((p.y - start.y) / plot.height) * (yDomain[1] - yDomain[0]);
      this.setRanges(panBy(xDomain, -dx), yPinned ? panBy(yDomain, dy) : undefined);
    };
    const up = (e) => {
      if (e.pointerId !== event.pointerId) return;
      this.svg.removeEventListener("pointermove", move);
      this.svg.removeEventListener("pointerup", up);
      this.svg.removeEventListener("pointercancel", up);
      rect?.remove();
      if (!box || !moved || e.type === "pointercancel") return;
      const p = this.toPlot(e);
      const clampX = (v) => Math.max(plot.left, Math.min(plot.left + plot.width, v));
      const clampY = (v) => Math.max(plot.top, Math.min(plot.top + plot.height, v));
      const xr = boxRange(xDomain, plot.left, plot.width, clampX(start.x), clampX(p.x));
      const yr = boxRange(yDomain, plot.top, plot.height, clampY(start.y), clampY(p.y), true);
      if (xr || yr) this.setRanges(xr ?? undefined, yr ?? undefined);
    };
    this.svg.addEventListener("pointermove", move);
    this.svg.addEventListener("pointerup", up);
    this.svg.addEventListener("pointercancel", up);
  }

  /** Two fingers down: the x range follows them, the values under each staying there. */
  onPinch() {
    this.pinching = true;
    this.showHover(-1);
    const [[idA, a0], [idB, b0]] = [...this.touches];
    const {plot, xDomain} = this.layout;
    const va = pixelToValue(xDomain, plot.left, plot.width, a0);
    const vb = pixelToValue(xDomain, plot.left, plot.width, b0);
    const now = new Map([[idA, a0], [idB, b0]]);
    const move = (e) => {
      if (!now.has(e.pointerId)) return;
      now.set(e.pointerId, this.toPlot(e).x);
      const {plot: drawn} = this.layout; // as drawn now: the y labels may have moved it
      const range = pinchRange(va, vb, drawn.left, drawn.width, now.get(idA), now.get(idB));
      if (range) this.setRanges(range);
    };
    const end = (e) => {
      if (!now.has(e.pointerId)) return;
      this.svg.removeEventListener("pointermove", move);
      this.svg.removeEventListener("pointerup", end);
      this.svg.removeEventListener("pointercancel", end);
    };
    this.svg.addEventListener("pointermove", move);
    this.svg.addEventListener("pointerup", end);
    this.svg.addEventListener("pointercancel", end);
  }

  get stretches() {
    const mode = this.props.sizing_mode;
    return mode === "stretch_width" || mode === "stretch_both";
  }

  bindSource() {
    this.unwatchSource?.();
    const id = refId(this.props.source);
    this.unwatchSource = id ? this.watch(id, () => this.scheduleDraw()) : null;
  }

  scheduleDraw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  size() {
    const {width, height} = this.props;
    let w = isNum(width) ? width : DEFAULT_WIDTH;
    if (this.stretches && this.plot.clientWidth > 0) w = this.plot.clientWidth;
    return {width: Math.max(120, w), height: Math.max(80, isNum(height) ? height : DEFAULT_HEIGHT)};
  }

  draw() {
    const props = this.props;
    // A downsampled chart draws the rows the server picked for the visible range.
    const data = props.view?.data ?? this.ctx.store.get(refId(props.source))?.props.data ?? {};
    const layout = computeLayout(props, data, this.size());
    this.layout = layout;
    this.order = hoverOrder(layout);
    this.titleEl.textContent = props.title ?? "";
    this.titleEl.hidden = !props.title;
    this.toolbar.hidden = props.zoom === false || layout.xDomain === null;
    this.head.hidden = this.titleEl.hidden && this.toolbar.hidden;
    this.svg.classList.toggle("aio-zoomable", !this.toolbar.hidden);
    this.reportWidth(layout);
    this.drawLegend(layout);
    const s = this.svg;
    s.setAttribute("width", layout.width);
    s.setAttribute("height", layout.height);
    s.setAttribute("viewBox", `0 0 ${layout.width} ${layout.height}`);
    s.setAttribute("aria-label", describeChart(props, layout));
    this.hoverLayer = svg("g", {class: "aio-chart-hover"});
    s.replaceChildren(this.drawGrid(layout), this.drawSeries(layout), this.drawAxes(layout), this.hoverLayer);
    if (this.hoverAt >= this.order.indices.length) this.hoverAt = this.order.indices.length - 1;
    // After a zoom the rows under the pointer are others: look again where it is.
    if (!this.tip.hidden) this.showHover(this.pointerX !== null ? nearest(this.order, this.pointerX) : this.hoverAt);
  }

  /** A downsampled chart tells the server its plot width, so it sends enough points. */
  reportWidth(layout) {
    if (!this.props.view || !this.ctx.live()) return;
    // Only when this page's own width changed: two tabs of one session at different
    // widths would otherwise correct each other for ever. The last to resize wins.
    const width = Math.round(layout.plot.width);
    if (width > 0 && width !== this.reportedWidth) {
      this.reportedWidth = width;
      if (width !== this.props.inner_width) this.ctx.set(this.id, "inner_width", width);
    }
  }

  drawLegend(layout) {
    const show = this.props.legend !== false && layout.series.length > 0;
    this.legendEl.hidden = !show;
    this.legendEl.replaceChildren(...layout.series.map((s) =>
      h("li", null, h("span", {class: `aio-swatch aio-swatch-${s.kind}`, style: {background: s.color}}), s.label)));
  }

  drawGrid({plot, xTicks, yTicks}) {
    const g = svg("g", {class: "aio-chart-grid"});
    for (const t of yTicks) {
      g.append(svg("line", {x1: plot.left, x2: plot.left + plot.width, y1: t.pos, y2: t.pos}));
    }
    for (const t of xTicks) {
      g.append(svg("line", {x1: t.pos, x2: t.pos, y1: plot.top, y2: plot.top + plot.height, class: "aio-vgrid"}));
    }
    return g;
  }

  drawAxes(layout) {
    const {plot, xTicks, yTicks} = layout;
    const g = svg("g", {class: "aio-chart-axis"});
    const bottom = plot.top + plot.height;
    g.append(svg("line", {x1: plot.left, x2: plot.left + plot.width, y1: bottom, y2: bottom}));
    g.append(svg("line", {x1: plot.left, x2: plot.left, y1: plot.top, y2: bottom}));
    for (const t of yTicks) {
      const label = svg("text", {x: plot.left - 8, y: t.pos, "text-anchor": "end", "dominant-baseline": "middle"});
      label.textContent = t.label;
      g.append(label);
    }
    for (const t of xTicks) {
      g.append(svg("line", {x1: t.pos, x2: t.pos, y1: bottom, y2: bottom + 5}));
      const label = svg("text", {x: t.pos, y: bottom + 18, "text-anchor": "middle"});
      label.textContent = t.label;
      g.append(label);
    }
    if (this.props.x_label) {
      const label = svg("text", {x: plot.left + plot.width / 2, y: layout.height - 6, "text-anchor": "middle",
        class: "aio-axis-label"});
      label.textContent = this.props.x_label;
      g.append(label);
    }
    if (this.props.y_label) {
      const cy = plot.top + plot.height / 2;
      const label = svg("text", {x: 14, y: cy, "text-anchor": "middle", class: "aio-axis-label",
        transform: `rotate(-90 14 ${cy})`});
      label.textContent = this.props.y_label;
      g.append(label);
    }
    return g;
  }

  drawSeries(layout) {
    const {x, y, xs, n, plot} = layout;
    const g = svg("g", {class: "aio-chart-series"});
    const clipId = this.domId("clip");
    const clip = svg("clipPath", {id: clipId});
    // A little room around the plot, so markers on its edges are not cut in half.
    // Zoomed, lines run past the plot: cut them at its edge.
    const room = layout.zoomed ? 0 : 6;
    clip.append(svg("rect", {x: plot.left - room, y: plot.top - room, width: plot.width + 2 * room, height: plot.height + 2 * room}));
    g.append(clip);
    g.setAttribute("clip-path", `url(#${clipId})`);
    let barIndex = 0;
    const okX = (v) => (layout.xType === "category" ? v !== null && v !== undefined : isNum(v));
    for (const s of layout.series) {
      if (s.kind === "line") {
        let d = "";
        let pen = "M";
        for (let i = 0; i < n; i++) {
          if (!okX(xs[i]) || !isNum(s.ys[i])) {
            pen = "M";
            continue;
          }
          d += `${pen}${x(xs[i]).toFixed(1)},${y(s.ys[i]).toFixed(1)}`;
          pen = "L";
        }
        g.append(svg("path", {d, class: "aio-line", stroke: s.color}));
      } else if (s.kind === "scatter") {
        const dots = svg("g", {fill: s.color, class: "aio-dots"});
        for (let i = 0; i < n; i++) {
          if (okX(xs[i]) && isNum(s.ys[i])) dots.append(svg("circle", {cx: x(xs[i]).toFixed(1), cy: y(s.ys[i]).toFixed(1), r: 3.5}));
        }
        g.append(dots);
      } else {
        const bars = svg("g", {fill: s.color, class: "aio-bars"});
        const offset = (barIndex - (layout.barCount - 1) / 2) * layout.barWidth;
        for (let i = 0; i < n; i++) {
          if (!okX(xs[i]) || !isNum(s.ys[i])) continue;
          const top = Math.min(y(s.ys[i]), layout.baseline);
          bars.append(svg("rect", {x: (x(xs[i]) + offset - layout.barWidth / 2).toFixed(1), y: top.toFixed(1),
            width: Math.max(1, layout.barWidth - 1).toFixed(1),
            height: Math.max(0.5, Math.abs(layout.baseline - y(s.ys[i]))).toFixed(1)}));
        }
        g.append(bars);
        barIndex += 1;
      }
    }
    return g;
  }

  onPointer(event) {
    if (!this.layout) return;
    const rect = this.svg.getBoundingClientRect();
    const scale = this.layout.width / (rect.width || this.layout.width);
    this.pointerX = (event.clientX - rect.left) * scale;
    this.showHover(nearest(this.order, this.pointerX));
  }

  onKey(event) {
    const zoomKey = {"+": 1 / 1.5, "=": 1 / 1.5, "-": 1.5, "_": 1.5}[event.key];
    if (zoomKey !== undefined && this.canZoom()) {
      event.preventDefault();
      this.zoomBy(zoomKey);
      return;
    }
    if (event.key === "0" && this.canZoom()) {
      event.preventDefault();
      this.setRanges(null, null);
      return;
    }
    const count = this.order?.indices.length ?? 0;
    if (!count) return;
    const step = {ArrowRight: 1, ArrowLeft: -1, Home: -count, End: count}[event.key];
    if (event.key === "Escape") this.showHover(-1);
    if (step === undefined) return;
    event.preventDefault();
    this.showHover(Math.min(count - 1, Math.max(0, Math.max(0, this.hoverAt) + step)));
  }

  showHover(at) {
    const layout = this.layout;
    this.hoverAt = at < 0 ? this.hoverAt : at;
    if (!layout || at < 0 || !this.order.indices.length || !this.hoverLayer) {
      this.tip.hidden = true;
      this.hoverLayer?.replaceChildren();
      return;
    }
    const i = this.order.indices[at];
    const cx = this.order.positions[at];
    const {plot} = layout;
    const marks = [svg("line", {x1: cx, x2: cx, y1: plot.top, y2: plot.top + plot.height, class: "aio-guide"})];
    const rows = [];
    for (const s of layout.series) {
      const v = s.ys[i];
      if (isNum(v) && s.kind !== "bar") marks.push(svg("circle", {cx, cy: layout.y(v), r: 4.5, fill: s.color, class: "aio-hover-dot"}));
      rows.push(h("div", {class: "aio-tip-row"}, h("span", {class: "aio-swatch", style: {background: s.color}}),
        h("span", {class: "aio-tip-label"}, s.label), h("span", {class: "aio-tip-value"}, formatValue(v))));
    }
    this.hoverLayer.replaceChildren(...marks);
    this.tip.replaceChildren(h("div", {class: "aio-tip-x"}, formatX(layout.xs[i], layout.xType)), ...rows);
    this.tip.hidden = false;
    const rect = this.svg.getBoundingClientRect();
    const ratio = (rect.width || layout.width) / layout.width;
    const tipWidth = this.tip.offsetWidth;
    let left = cx * ratio + 14;
    if (left + tipWidth > rect.width) left = cx * ratio - tipWidth - 14;
    this.tip.style.left = px(Math.max(0, left));
    this.tip.style.top = px(plot.top * ratio + 4);
  }

  applySize() {
    // The svg takes `width` and `height` itself (see size()); the figure fits around it.
    this.scheduleDraw();
  }

  update(attr) {
    if (attr === "source") this.bindSource();
    this.scheduleDraw();
  }

  destroy() {
    if (this.frame) cancelAnimationFrame(this.frame);
    super.destroy();
  }
}
