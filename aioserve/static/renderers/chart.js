// Chart: line, scatter and bar series from a ColumnDataSource, drawn in SVG.
// Redraws (at most once per animation frame) when the source changes; hover or
// arrow keys show a guide and a tooltip with the values at the nearest x.

import {h, px, svg} from "../dom.js";
import {refId} from "../document.js";
import {formatValue} from "../format.js";
import {ModelView} from "./base.js";
import {DEFAULT_HEIGHT, DEFAULT_WIDTH, computeLayout, describeChart, formatX, hoverOrder, nearest} from "./chart_layout.js";

const isNum = (v) => typeof v === "number" && Number.isFinite(v);

export class ChartView extends ModelView {
  render() {
    this.frame = 0;
    this.layout = null;
    this.order = null;
    this.hoverAt = -1;
    this.titleEl = h("figcaption", {class: "aio-chart-title"});
    this.legendEl = h("ul", {class: "aio-chart-legend"});
    this.svg = svg("svg", {class: "aio-chart-svg", role: "img", tabindex: "0"});
    this.tip = h("div", {class: "aio-chart-tip", hidden: true, "aria-hidden": "true"});
    this.plot = h("div", {class: "aio-chart-plot"}, this.svg, this.tip);
    const el = h("figure", {class: "aio-chart"}, this.titleEl, this.legendEl, this.plot);
    this.svg.addEventListener("pointermove", (event) => this.onPointer(event));
    this.svg.addEventListener("pointerleave", () => this.showHover(-1));
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
    this.drawLegend(layout);
    const s = this.svg;
    s.setAttribute("width", layout.width);
    s.setAttribute("height", layout.height);
    s.setAttribute("viewBox", `0 0 ${layout.width} ${layout.height}`);
    s.setAttribute("aria-label", describeChart(props, layout));
    this.hoverLayer = svg("g", {class: "aio-chart-hover"});
    s.replaceChildren(this.drawGrid(layout), this.drawSeries(layout), this.drawAxes(layout), this.hoverLayer);
    if (this.hoverAt >= this.order.indices.length) this.hoverAt = this.order.indices.length - 1;
    if (!this.tip.hidden) this.showHover(this.hoverAt);
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
    clip.append(svg("rect", {x: plot.left - 6, y: plot.top - 6, width: plot.width + 12, height: plot.height + 12}));
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
    this.showHover(nearest(this.order, (event.clientX - rect.left) * scale));
  }

  onKey(event) {
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
