// Layouts: Column and Row (flex boxes; Row wraps on narrow screens) and Card
// (a titled panel, collapsible with a real button carrying aria-expanded).

import {h, syncChildren} from "../dom.js";
import {ModelView} from "./base.js";

const DEFAULT_GAP = 12;

class BoxView extends ModelView {
  get boxClass() {
    return "aio-column";
  }

  render() {
    this.body = h("div", {class: ["aio-box", this.boxClass]});
    this.setGap(this.props.gap);
    this.showChildren();
    return this.body;
  }

  showChildren() {
    syncChildren(this.body, (this.props.children ?? []).map((ref) => this.ctx.child(ref)));
  }

  setGap(gap) {
    this.body.style.gap = `${typeof gap === "number" ? gap : DEFAULT_GAP}px`;
  }

  update(attr, value) {
    if (attr === "children") this.showChildren();
    else if (attr === "gap") this.setGap(value);
  }
}

export class ColumnView extends BoxView {}

export class RowView extends BoxView {
  get boxClass() {
    return "aio-row";
  }
}

export class CardView extends ModelView {
  render() {
    const bodyId = this.domId("body");
    this.body = h("div", {class: ["aio-box", "aio-column", "aio-card-body"], id: bodyId});
    this.header = h("div", {class: "aio-card-header"});
    this.toggle = h("button", {type: "button", class: "aio-card-toggle", "aria-controls": bodyId},
      h("span", {class: "aio-chevron", "aria-hidden": "true"}), h("span", {class: "aio-card-title-text"}));
    this.toggle.addEventListener("click", () => {
      if (this.ctx.live()) this.ctx.set(this.id, "collapsed", !this.props.collapsed);
    });
    this.staticTitle = h("span", {class: "aio-card-title-text"});
    this.heading = h("h3", {class: "aio-card-title"});
    this.header.append(this.heading);
    const el = h("section", {class: "aio-card"}, this.header, this.body);
    this.el = el;
    this.showHeader();
    this.showCollapsed();
    this.showChildren();
    return el;
  }

  showHeader() {
    const {title, collapsible} = this.props;
    if (collapsible) {
      this.toggle.lastElementChild.textContent = title || "Details";
      this.heading.replaceChildren(this.toggle);
    } else {
      this.staticTitle.textContent = title ?? "";
      this.heading.replaceChildren(this.staticTitle);
    }
    this.header.hidden = !title && !collapsible;
    this.el.setAttribute("aria-label", title || "");
    if (!title) this.el.removeAttribute("aria-label");
  }

  showCollapsed() {
    const collapsed = Boolean(this.props.collapsed) && Boolean(this.props.collapsible);
    this.body.hidden = collapsed;
    this.toggle.setAttribute("aria-expanded", collapsed ? "false" : "true");
    this.el.classList.toggle("aio-collapsed", collapsed);
  }

  showChildren() {
    syncChildren(this.body, (this.props.children ?? []).map((ref) => this.ctx.child(ref)));
  }

  update(attr) {
    if (attr === "children") this.showChildren();
    else if (attr === "title") this.showHeader();
    else if (attr === "collapsible") {
      this.showHeader();
      this.showCollapsed();
    } else if (attr === "collapsed") this.showCollapsed();
  }
}
