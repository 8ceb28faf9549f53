// DataTable: a window of a ColumnDataSource's rows. The page holds only the rows in
// view (plus a few): it asks the server for them (`rows` requests, docs/protocol.md)
// and places them in a scroll area as tall as the whole table, so the scrollbar and
// the wheel behave as with every row present. Sorting (`sort`) and filtering
// (`filter`) are table properties the server applies. A change of the data (the
// source's `revision`), the sort or the filter fetches the window again. Selection
// is a `set` of the SOURCE's `selected`, in source row numbers.

import {h, px} from "../dom.js";
import {refId} from "../document.js";
import {alignsRight, formatCell, fractionPad, splitDecimal} from "../format.js";
import {ModelView} from "./base.js";
import {covers, fetchRange, layoutRows} from "./table_window.js";

const SORT_NEXT = {none: true, ascending: false, descending: null}; // -> ascending flag
const DEFAULT_ROW_HEIGHT = 33;
const DEFAULT_MAX_HEIGHT = 400; // without `height`, a long table scrolls inside this
const FILTER_DELAY_MS = 200;
const RETRY_MS = 1000;

export class DataTableView extends ModelView {
  render() {
    this.win = null; // the last `rows` reply, plus the `key` it was fetched for
    this.loading = null; // {start, end, key} of the request in flight
    this.rowHeight = DEFAULT_ROW_HEIGHT;
    this.anchor = null; // the source row a shift-click extends from
    this.frame = 0;
    this.filterTimer = 0;
    this.widthsLocked = false;
    this.thead = h("thead");
    this.tbody = h("tbody");
    this.table = h("table", {class: "aio-table"}, this.thead, this.tbody);
    this.scroller = h("div", {class: "aio-table-scroll"}, this.table);
    this.scroller.addEventListener("scroll", () => this.schedulePaint());
    this.tbody.addEventListener("click", (event) => this.onRowClick(event));
    this.tbody.addEventListener("keydown", (event) => this.onRowKey(event));
    this.filterInput = h("input", {type: "search", class: "aio-control aio-table-filter",
      placeholder: "Filter rows", "aria-label": "Filter rows", autocomplete: "off"});
    this.filterInput.addEventListener("input", () => this.onFilterInput());
    this.countEl = h("span", {class: "aio-table-count", "aria-live": "polite"});
    this.toolbar = h("div", {class: "aio-table-toolbar"}, this.filterInput, this.countEl);
    const el = h("div", {class: "aio-datatable"}, this.toolbar, this.scroller);
    this.bindSource();
    this.renderHead();
    this.showFilter();
    this.schedulePaint();
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

  get selected() {
    return this.ctx.store.get(this.sourceId)?.props.selected ?? [];
  }

  /** What the rows held must have been fetched for to be current. */
  get viewKey() {
    const revision = this.ctx.store.get(this.sourceId)?.props.revision ?? 0;
    return JSON.stringify([this.sourceId, revision, this.props.sort ?? null, this.props.filter ?? "",
      this.columns.map((c) => c.field)]);
  }

  bindSource() {
    this.unwatchSource?.();
    this.unwatchSource = this.sourceId ? this.watch(this.sourceId, (change) => this.onSourceChange(change)) : null;
  }

  onSourceChange(change) {
    if (change.kind !== "set") return; // stream / patch come with a new `revision`
    if (change.attr === "selected") this.showSelection();
    else if (change.attr === "revision" || change.attr === "column_types") this.schedulePaint();
  }

  onLive() {
    this.schedulePaint(); // a request that failed while disconnected is made again
  }

  renderHead() {
    const sortable = Boolean(this.props.sortable);
    const sort = this.props.sort ?? null;
    const cells = this.columns.map((column) => {
      const th = h("th", {scope: "col"});
      if (!sortable) {
        th.textContent = column.title;
        return th;
      }
      const state = sort?.field === column.field ? (sort.ascending === false ? "descending" : "ascending") : "none";
      th.setAttribute("aria-sort", state);
      const button = h("button", {type: "button", class: "aio-sort"}, column.title,
        h("span", {class: "aio-sort-icon", "aria-hidden": "true"}));
      button.addEventListener("click", () => this.toggleSort(column.field, state));
      th.append(button);
      return th;
    });
    this.thead.replaceChildren(h("tr", null, cells));
    this.table.classList.toggle("aio-selectable", Boolean(this.props.selectable));
    this.unlockWidths();
  }

  toggleSort(field, state) {
    if (!this.ctx.live()) return;
    const ascending = SORT_NEXT[state];
    this.ctx.set(this.id, "sort", ascending === null ? null : {field, ascending});
  }

  showFilter() {
    this.toolbar.hidden = !this.props.filterable;
    const text = this.props.filter ?? "";
    if (this.filterInput.value !== text && document.activeElement !== this.filterInput) this.filterInput.value = text;
  }

  onFilterInput() {
    clearTimeout(this.filterTimer);
    this.filterTimer = setTimeout(() => {
      if (this.ctx.live() && this.filterInput.value !== (this.props.filter ?? "")) {
        this.ctx.set(this.id, "filter", this.filterInput.value);
      }
    }, FILTER_DELAY_MS);
  }

  schedulePaint() {
    // Rows shown that no longer match the data, sort or filter: busy until the new ones come.
    if (this.win && this.win.key !== this.viewKey) this.table.setAttribute("aria-busy", "true");
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  viewHeight() {
    const given = Number.isFinite(this.props.height) ? this.props.height : DEFAULT_MAX_HEIGHT;
    return Math.max(this.scroller.clientHeight - this.thead.offsetHeight, given - DEFAULT_ROW_HEIGHT, this.rowHeight);
  }

  /** Render the rows in view from what is held, and ask for what is missing. */
  paint() {
    const key = this.viewKey;
    const win = this.win;
    const fresh = win !== null && win.key === key;
    const total = win ? win.total : 0;
    const layout = layoutRows(this.scroller.scrollTop, this.viewHeight(), this.rowHeight, total);
    if (!fresh || !covers(win, layout)) this.fetch(fetchRange(layout, fresh ? total : null), key);
    if (win) this.drawRows(layout);
  }

  fetch({start, end}, key) {
    const loading = this.loading;
    if (loading && loading.key === key && loading.start <= start && loading.end >= end) return;
    if (loading) {
      this.queued = true; // one request at a time: the newest view is asked for next
      return;
    }
    if (!this.sourceId || !this.ctx.live() || this.blocked) return; // onLive() / the retry ask again
    this.loading = {start, end, key};
    this.ctx.request({type: "rows", model: this.id, start, end}).then((reply) => {
      this.win = {start: reply.start, total: reply.total, index: reply.index, data: reply.data, key};
      this.countEl.textContent = `${reply.total.toLocaleString()} ${reply.total === 1 ? "row" : "rows"}`;
      this.done();
    }, (err) => {
      if (err.code === "out_of_range" && this.win) {
        this.win = {...this.win, key: null}; // the table shrank under us: ask again from the top
        this.scroller.scrollTop = 0;
      } else if (err.code !== "disconnected") {
        this.ctx.notify(`Could not load the table's rows: ${err.message}`, "error");
        this.blocked = true; // no retry loop: one more try a second later
        setTimeout(() => {
          this.blocked = false;
          this.schedulePaint();
        }, RETRY_MS);
      }
      this.done();
    });
  }

  done() {
    this.loading = null;
    const again = this.queued;
    this.queued = false;
    if (again || this.win?.key !== this.viewKey) this.schedulePaint();
    else this.paint();
  }

  drawRows(layout) {
    const win = this.win;
    const columns = this.columns;
    const types = this.columnTypes;
    const focusedPos = this.tbody.contains(document.activeElement) ? Number(document.activeElement.dataset.pos) : null;
    const rows = [];
    if (win.total === 0) {
      const text = this.props.filter ? `No rows match “${this.props.filter}”` : "No data";
      rows.push(h("tr", {class: "aio-empty"}, h("td", {colspan: Math.max(1, columns.length)}, text)));
    } else {
      rows.push(this.spacer(layout.spacer));
      const fractions = columns.map(() => 0);
      const split = [];
      for (let pos = layout.first; pos < layout.last; pos++) {
        const at = pos - win.start;
        const have = at >= 0 && at < win.index.length;
        const tr = h("tr", {class: pos % 2 ? "aio-alt" : null, dataset: {pos: String(pos)}, "aria-rowindex": String(pos + 2)});
        if (have) tr.dataset.index = String(win.index[at]);
        else tr.classList.add("aio-row-pending"); // not .aio-loading: that is the page's spinner (a flex box)
        columns.forEach((column, c) => {
          const value = have ? win.data[column.field]?.[at] : null;
          const text = have ? formatCell(value, column.format, types[column.field]) : "";
          const parts = have && alignsRight(value, column.format) ? splitDecimal(value, text, column.format, types[column.field]) : null;
          const td = h("td", {class: have && alignsRight(value, column.format) ? "aio-num" : null});
          if (parts) {
            // whole, fraction, then the zeros it lacks (hidden: not read, not copied), then "%"
            const pad = h("span", {class: "aio-frac-pad", "aria-hidden": "true"});
            td.append(parts[0] + parts[1], pad, parts[2]);
            fractions[c] = Math.max(fractions[c], parts[1].length);
            split.push([c, pad, parts[1], parts[3]]);
          } else {
            td.textContent = text;
          }
          tr.append(td);
        });
        rows.push(tr);
      }
      // Numbers line up on the decimal separator: every fraction as wide as the widest.
      for (const [c, pad, fraction, sep] of split) pad.textContent = fractionPad(fraction, fractions[c], sep);
      const below = layout.height - layout.spacer - (layout.last - layout.first) * this.rowHeight;
      rows.push(this.spacer(below));
    }
    this.table.setAttribute("aria-rowcount", String(win.total + 1));
    if (win.key === this.viewKey) this.table.removeAttribute("aria-busy");
    this.tbody.replaceChildren(...rows);
    this.showSelection(focusedPos);
    this.measure(layout);
  }

  spacer(height) {
    return h("tr", {class: "aio-spacer", "aria-hidden": "true", style: {height: px(Math.max(0, height))}},
      h("td", {colspan: Math.max(1, this.columns.length)}));
  }

  /** Row height comes from CSS; once known, the layout uses it (and column widths stay put). */
  measure(layout) {
    const row = this.tbody.querySelector("tr[data-pos]");
    if (!row) return;
    const height = row.getBoundingClientRect().height;
    if (height > 0 && Math.abs(height - this.rowHeight) > 0.5) {
      this.rowHeight = height;
      this.schedulePaint();
    }
    // With more rows than drawn, widths would follow the rows in view; fix them to the first.
    if (!this.widthsLocked && this.win.total > layout.last - layout.first && this.table.offsetWidth > 0) {
      for (const th of this.thead.rows[0]?.cells ?? []) th.style.width = px(th.getBoundingClientRect().width);
      this.table.classList.add("aio-fixed");
      this.widthsLocked = true;
    }
  }

  unlockWidths() {
    for (const th of this.thead.rows[0]?.cells ?? []) th.style.width = "";
    this.table.classList.remove("aio-fixed");
    this.widthsLocked = false;
  }

  dataRows() {
    return [...this.tbody.rows].filter((r) => r.dataset.index !== undefined);
  }

  showSelection(focusPos = null) {
    const selectable = Boolean(this.props.selectable);
    const chosen = new Set(selectable ? this.selected : []);
    let focusable = null;
    for (const row of this.dataRows()) {
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
    if (!selectable) return;
    const again = focusPos === null ? null : this.tbody.querySelector(`tr[data-pos="${focusPos}"]`);
    if (again) {
      again.tabIndex = 0;
      again.focus({preventScroll: true});
      return;
    }
    // One row is in the tab order (roving tabindex): the first selected one, or the first row.
    const first = focusable ?? this.dataRows()[0];
    if (first && !this.tbody.contains(document.activeElement)) first.tabIndex = 0;
  }

  choose(row, {toggle = false, extend = false} = {}) {
    if (!this.props.selectable || !this.ctx.live() || !this.sourceId || row.dataset.index === undefined) return;
    const index = Number(row.dataset.index);
    let selected;
    if (extend && this.anchor !== null) {
      // A range in the order shown, over the rows held (a window covers any range one can see).
      const at = this.win.index.indexOf(this.anchor);
      const to = this.win.index.indexOf(index);
      if (at < 0) selected = [index];
      else selected = this.win.index.slice(Math.min(at, to), Math.max(at, to) + 1);
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
    if (!row || !this.props.selectable) return;
    this.choose(row, {toggle: event.ctrlKey || event.metaKey, extend: event.shiftKey});
  }

  onRowKey(event) {
    const row = event.target.closest("tr[data-pos]");
    if (!row || !this.props.selectable) return;
    const step = {ArrowDown: 1, ArrowUp: -1}[event.key];
    if (step !== undefined) {
      event.preventDefault();
      const next = this.tbody.querySelector(`tr[data-pos="${Number(row.dataset.pos) + step}"]`);
      if (next) {
        row.tabIndex = -1;
        next.tabIndex = 0;
        next.focus();
      }
    } else if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      this.choose(row, {toggle: event.ctrlKey || event.metaKey, extend: event.shiftKey});
    }
  }

  applySize(width, height) {
    this.el.style.width = px(width);
    this.scroller.style.maxHeight = px(height ?? DEFAULT_MAX_HEIGHT);
  }

  update(attr) {
    if (attr === "source") {
      this.bindSource();
      this.schedulePaint();
    } else if (attr === "columns" || attr === "sortable" || attr === "selectable" || attr === "sort") {
      this.renderHead();
      this.schedulePaint();
    } else if (attr === "filter" || attr === "filterable") {
      this.showFilter();
      this.scroller.scrollTop = 0;
      this.schedulePaint();
    }
  }
}
