// Tabs with the ARIA tabs pattern: a tablist of buttons, one tabpanel each;
// arrow keys, Home and End move between tabs and select them.

import {h, syncChildren} from "../dom.js";
import {ModelView} from "./base.js";

export class TabsView extends ModelView {
  render() {
    this.tablist = h("div", {role: "tablist", class: "aio-tablist"});
    this.panels = h("div", {class: "aio-tabpanels"});
    this.tablist.addEventListener("keydown", (event) => this.onKey(event));
    this.buttons = [];
    this.panelEls = [];
    const el = h("div", {class: "aio-tabs"}, this.tablist, this.panels);
    this.showTabs();
    return el;
  }

  showTabs() {
    const children = this.props.children ?? [];
    const titles = this.props.titles ?? [];
    while (this.buttons.length < children.length) {
      const index = this.buttons.length;
      const button = h("button", {type: "button", role: "tab", class: "aio-tab",
        id: this.domId(`tab-${index}`), "aria-controls": this.domId(`panel-${index}`)});
      button.addEventListener("click", () => this.select(index));
      const panel = h("div", {role: "tabpanel", class: "aio-tabpanel", id: this.domId(`panel-${index}`),
        "aria-labelledby": button.id, tabindex: "0"});
      this.buttons.push(button);
      this.panelEls.push(panel);
    }
    this.buttons.length = this.panelEls.length = children.length;
    children.forEach((ref, index) => {
      this.buttons[index].textContent = titles[index] ?? `Tab ${index + 1}`;
      syncChildren(this.panelEls[index], [this.ctx.child(ref)]);
    });
    syncChildren(this.tablist, this.buttons);
    syncChildren(this.panels, this.panelEls);
    this.showActive();
  }

  get activeIndex() {
    const count = this.buttons.length;
    const active = this.props.active;
    return Number.isInteger(active) && active >= 0 && active < count ? active : 0;
  }

  showActive() {
    const active = this.activeIndex;
    this.buttons.forEach((button, index) => {
      const selected = index === active;
      button.setAttribute("aria-selected", selected ? "true" : "false");
      button.tabIndex = selected ? 0 : -1;
      this.panelEls[index].hidden = !selected;
    });
  }

  select(index) {
    if (index !== this.props.active && this.ctx.live()) this.ctx.set(this.id, "active", index);
  }

  onKey(event) {
    const count = this.buttons.length;
    const current = this.buttons.indexOf(event.target);
    if (current < 0 || count === 0) return;
    const target = {
      ArrowRight: (current + 1) % count,
      ArrowLeft: (current - 1 + count) % count,
      Home: 0,
      End: count - 1,
    }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    this.buttons[target].focus();
    this.select(target);
  }

  update(attr) {
    if (attr === "children" || attr === "titles") this.showTabs();
    else if (attr === "active") this.showActive();
  }
}
