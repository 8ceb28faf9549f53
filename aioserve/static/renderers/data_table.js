// DataTable: a <table> over a ColumnDataSource. Sorting is a client-side view
// (the source keeps its order); selection is sent as a `set` of the SOURCE's
// `selected` with original row indices. Streams append rows (and drop the
// rolled-over ones) without rebuilding the table when it is unsorted. Cells show
// their column's `format` (or, without one, dates for the columns the source's
// `column_types` marks); sorting goes by the values themselves.

import {h, px} from "../dom.js";
import {refId} from "../document.js";
import {alignsRight, compareValues, formatCell} from "../format.js";
import {ModelView} from "./base.js";

const SORT_NEXT = {none: "ascending", ascending: "descending", descending: "none"};

export class DataTableView extends ModelView {
  render() {
    this.sort = null; // {field, dir: "ascending" | "descending"}
    this.order = null; // original row index of each displayed row, when sorted
    this.anchor = null; // the row a shift-click extends from
    this.thead = h("thead");
    this.tbody = h("tbody");
    this.table = h("table", {class: "aio-table"}, this.thead, this.tbody);
    this.scroller = h("div", {class: "aio-table-scroll"}, this.table);
    this.tbody.addEventListener("click", (event) => this.onRowClick(event));
    this.tbody.addEventListener("keydown", (event) => this.onRowKey(event));
    const el = h("div", {class: "aio-datatable"}, this.scroller);
    this.bindSource();
    this.renderHead();
    this.renderBody();
    return el;
  }

  get sourceId() {
    return refId(this.props.source);
  }

  get columns() {
    return (this.props.columns ?? []).map((c) => ({field: c.field, title: c.title ?? c.field, format: c.format ?? null}));
  }

  get columnTypes() {
    return this.ctx.store.get(this.sourceId)?.props.column_types ?? {};
  }

  get data() {
    return this.ctx.store.get(this.sourceId)?.props.data ?? {};
  }

  get selected() {
    return this.ctx.store.get(this.sourceId)?.props.selected ?? [];
  }

  rowCount() {
    const data = this.data;
    const lengths = this.columns.map((c) => data[c.field]?.length ?? 0);
    const any = Object.values(data).find(Array.isArray);
    return lengths.length ? Math.max(0, ...lengths) : any?.length ?? 0;
  }

  bindSource() {
    this.unwatchSource?.();
    this.unwatchSource = this.sourceId ? this.watch(this.sourceId, (change) => this.onSourceChange(change)) : null;
  }

  renderHead() {
    const sortable = Boolean(this.props.sortable);
    const cells = this.columns.map((column) => {
      const th = h("th", {scope: "col"});
      if (!sortable) {
        th.textContent = column.title;
        return th;
      }
      const state = this.sort?.field === column.field ? this.sort.dir : "none";
      th.setAttribute("aria-sort", state);
      const button = h("button", {type: "button", class: "aio-sort"}, column.title,
        h("span", {class: "aio-sort-icon", "aria-hidden": "true"}));
      button.addEventListener("click", () => this.toggleSort(column.field));
      th.append(button);
      return th;
    });
    this.thead.replaceChildren(h("tr", null, cells));
    this.table.classList.toggle("aio-selectable", Boolean(this.props.selectable));
  }

  toggleSort(field) {
    const current = this.sort?.field === field ? this.sort.dir : "none";
    const next = SORT_NEXT[current];
    this.sort = next === "none" ? null : {field, dir: next};
    this.renderHead();
    this.renderBody();
  }

  computeOrder(count) {
    if (!this.sort) return null;
    const column = this.data[this.sort.field] ?? [];
    const sign = this.sort.dir === "descending" ? -1 : 1;
    const order = Array.from({length: count}, (_, i) => i);
    const empty = (v) => v === null || v === undefined || Number.isNaN(v);
    order.sort((a, b) => {
      const va = column[a], vb = column[b];
      if (empty(va) || empty(vb)) return compareValues(va, vb) || a - b; // empty cells last either way
      return sign * compareValues(va, vb) || a - b;
    });
    return order;
  }

  renderRow(index, data = this.data, types = this.columnTypes) {
    const tr = h("tr", {dataset: {index: String(index)}});
    for (const column of this.columns) {
      const value = data[column.field]?.[index];
      tr.append(h("td", {class: alignsRight(value, column.format) ? "aio-num" : null},
        formatCell(value, column.format, types[column.field])));
    }
    return tr;
  }

  renderBody() {
    const count = this.rowCount();
    this.order = this.computeOrder(count);
    const data = this.data;
    const types = this.columnTypes;
    const rows = [];
    for (let pos = 0; pos < count; pos++) rows.push(this.renderRow(this.order ? this.order[pos] : pos, data, types));
    if (count === 0) {
      rows.push(h("tr", {class: "aio-empty"}, h("td", {colspan: Math.max(1, this.columns.length)}, "No data")));
    }
    this.tbody.replaceChildren(...rows);
    this.showSelection();
  }

  onSourceChange(change) {
    if (change.kind === "set") {
      if (change.attr === "data" || change.attr === "column_types") this.renderBody();
      else if (change.attr === "selected") this.showSelection();
    } else if (change.kind === "stream" && !this.order && !this.tbody.querySelector(".aio-empty")) {
      this.appendStreamed(change.removed);
    } else if (change.kind === "patch" && !this.order) {
      this.patchCells(change.patches);
    } else {
      this.renderBody();
    }
  }

  appendStreamed(removed) {
    const count = this.rowCount();
    const rows = this.tbody.rows;
    for (let i = 0; i < removed && rows.length; i++) rows[0].remove();
    if (removed > 0) {
      for (let i = 0; i < rows.length; i++) rows[i].dataset.index = String(i);
    }
    const data = this.data;
    const types = this.columnTypes;
    const fragment = document.createDocumentFragment();
    for (let i = rows.length; i < count; i++) fragment.append(this.renderRow(i, data, types));
    this.tbody.append(fragment);
    this.showSelection();
  }

  patchCells(patches) {
    const columns = this.columns;
    const types = this.columnTypes;
    for (const [field, changes] of Object.entries(patches)) {
      const col = columns.findIndex((c) => c.field === field);
      if (col < 0) continue;
      const {format} = columns[col];
      for (const [index, value] of changes) {
        const cell = this.tbody.rows[index]?.cells[col];
        if (!cell) continue;
        cell.textContent = formatCell(value, format, types[field]);
        cell.classList.toggle("aio-num", alignsRight(value, format));
      }
    }
  }

  showSelection() {
    const selectable = Boolean(this.props.selectable);
    const chosen = new Set(selectable ? this.selected : []);
    let focusable = null;
    for (const row of this.tbody.rows) {
      if (row.classList.contains("aio-empty")) continue;
      const on = chosen.has(Number(row.dataset.index));
      row.classList.toggle("aio-selected", on);
      if (selectable) {
        row.setAttribute("aria-selected", on ? "true" : "false");
        row.tabIndex = -1;
        if (on && !focusable) focusable = row;
      } else {
        row.removeAttribute("aria-selected");
        row.removeAttribute("tabindex");
      }
    }
    // One row is in the tab order (roving tabindex): the first selected one, or the first row.
    const first = focusable ?? this.tbody.querySelector("tr:not(.aio-empty)");
    if (selectable && first && !this.tbody.contains(document.activeElement)) first.tabIndex = 0;
  }

  choose(row, {toggle = false, extend = false} = {}) {
    if (!this.props.selectable || !this.ctx.live() || !this.sourceId) return;
    const index = Number(row.dataset.index);
    let selected;
    if (extend && this.anchor !== null) {
      const rows = [...this.tbody.rows];
      const from = rows.findIndex((r) => Number(r.dataset.index) === this.anchor);
      const to = rows.indexOf(row);
      const [a, b] = from < to ? [from, to] : [to, from];
      selected = rows.slice(Math.max(0, a), b + 1).map((r) => Number(r.dataset.index));
    } else if (toggle) {
      const current = new Set(this.selected);
      if (current.has(index)) current.delete(index);
      else current.add(index);
      selected = [...current];
      this.anchor = index;
    } else {
      selected = [index];
      this.anchor = index;
    }
    this.ctx.set(this.sourceId, "selected", selected.sort((a, b) => a - b));
  }

  onRowClick(event) {
    const row = event.target.closest("tr");
    if (!row || row.classList.contains("aio-empty") || !this.props.selectable) return;
    this.choose(row, {toggle: event.ctrlKey || event.metaKey, extend: event.shiftKey});
  }

  onRowKey(event) {
    const row = event.target.closest("tr");
    if (!row || !this.props.selectable) return;
    const move = {ArrowDown: row.nextElementSibling, ArrowUp: row.previousElementSibling}[event.key];
    if (move !== undefined) {
      event.preventDefault();
      if (move) {
        row.tabIndex = -1;
        move.tabIndex = 0;
        move.focus();
      }
    } else if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      this.choose(row, {toggle: event.ctrlKey || event.metaKey, extend: event.shiftKey});
    }
  }

  applySize(width, height) {
    this.el.style.width = px(width);
    this.scroller.style.maxHeight = px(height);
  }

  update(attr) {
    if (attr === "source") {
      this.bindSource();
      this.renderBody();
    } else if (attr === "columns" || attr === "sortable" || attr === "selectable") {
      if (attr === "sortable" && !this.props.sortable) this.sort = null;
      this.renderHead();
      this.renderBody();
    }
  }
}
