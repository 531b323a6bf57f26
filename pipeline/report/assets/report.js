// Evidence report: draws the charts (Vega-Embed, bundled beside this file) and the sortable trial lists.
// Registry text is only ever set with textContent, and links are built from ids that match their
// pattern, so nothing from the data is parsed as HTML. window.reportReady resolves when every chart
// has drawn (the browser test and the benchmark wait for it).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const PAGE_SIZE = 20;
  const NCT = /^NCT\d{8}$/;
  const PMID = /^\d{1,9}$/;
  const NUMBER = new Intl.NumberFormat("en");
  const CELL_CLASSES = { int: "int", nct: "nct", enums: "list", effect: "effect" };

  function drawCharts() {
    const boxes = Array.from(document.querySelectorAll(".chart[data-chart]"));
    return Promise.all(boxes.map(function (box) {
      const spec = data.charts[box.dataset.chart];
      if (!spec) {
        return Promise.reject(new Error("no chart spec " + box.dataset.chart));
      }
      return vegaEmbed(box, spec, { actions: false, renderer: "svg", tooltip: { theme: "light" } })
        .then(function () { box.dataset.rendered = "true"; })
        .catch(function (error) {
          const message = document.createElement("p");
          message.className = "chart-error";
          message.textContent = "This chart could not be drawn: " + error.message;
          box.appendChild(message);
          throw error;
        });
    }));
  }

  function link(href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    a.rel = "noopener";
    a.target = "_blank";
    return a;
  }

  const MINUS = "\u2212";

  function decimal(x) {
    return x === null || x === undefined ? "\u2013" : x.toFixed(2).replace("-", MINUS);
  }

  // A primary effect: [endpoint index, is a ratio, estimate, CI lower, CI upper].
  function effectText(value) {
    const ci = value[3] === null ? "" : " (" + decimal(value[3]) + " to " + decimal(value[4]) + ")";
    return (value[1] ? "RR " : "MD ") + decimal(value[2]) + ci;
  }

  function fillEffect(td, column, value) {
    const main = document.createElement("span");
    main.className = "effect-value";
    main.textContent = effectText(value);
    const what = document.createElement("span");
    what.className = "effect-endpoint";
    what.textContent = column.labels[value[0]];
    td.append(main, what);
  }

  function fillCell(td, column, value) {
    if (value === null || value === undefined || value === "") {
      return;
    }
    if (column.type === "effect") {
      fillEffect(td, column, value);
    } else if (column.type === "enums") {
      td.textContent = value.map(function (i) { return column.labels[i]; }).join("; ");
    } else if (column.type === "nct") {
      td.appendChild(NCT.test(value) ? link("https://clinicaltrials.gov/study/" + value, value)
        : document.createTextNode(String(value)));
    } else if (column.type === "pmids") {
      value.forEach(function (pmid, i) {
        if (i) { td.appendChild(document.createTextNode(", ")); }
        td.appendChild(PMID.test(pmid) ? link("https://pubmed.ncbi.nlm.nih.gov/" + pmid + "/", pmid)
          : document.createTextNode(String(pmid)));
      });
    } else if (column.type === "enum") {
      td.textContent = column.labels[value];
    } else if (column.type === "int") {
      td.textContent = NUMBER.format(value);
    } else {
      td.textContent = String(value);
    }
  }

  function sortKey(column, value) {
    if (value === null || value === undefined) { return null; }
    if (column.type === "pmids") { return value.length; }
    if (column.type === "enums") { return value.length ? column.labels[value[0]].toLowerCase() : null; }
    if (column.type === "effect") { return [value[0], value[2]]; }  // by endpoint, then estimate
    if (typeof value === "string") { return value.toLowerCase(); }
    return value;
  }

  function compare(x, y) {
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i += 1) {
        if (x[i] !== y[i]) { return x[i] < y[i] ? -1 : 1; }
      }
      return 0;
    }
    return x < y ? -1 : x > y ? 1 : 0;
  }

  function searchText(columns, row) {
    return columns.map(function (column, i) {
      const value = row[i];
      if (value === null || value === undefined) { return ""; }
      if (column.type === "enum") { return column.labels[value]; }
      if (column.type === "enums") { return value.map(function (j) { return column.labels[j]; }).join(" "); }
      if (column.type === "effect") { return effectText(value) + " " + column.labels[value[0]]; }
      return Array.isArray(value) ? value.join(" ") : String(value);
    }).join(" ").toLowerCase();
  }

  // A list's own columns (e.g. how each trial matched this class) are spliced into the shared rows at
  // their "at" position.
  function withOwn(columns, rows, own) {
    if (!own) { return { columns: columns, rows: rows }; }
    const at = own.columns[0].at;
    return {
      columns: columns.slice(0, at).concat(own.columns, columns.slice(at)),
      rows: rows.map(function (row, k) { return row.slice(0, at).concat(own.values[k], row.slice(at)); }),
    };
  }

  function DataTable(host, spec) {
    const shared = spec.dataset ? data.datasets[spec.dataset] : null;
    const merged = shared ? withOwn(shared.columns, spec.rows.map(function (i) { return shared.rows[i]; }), spec.own)
      : { columns: spec.columns, rows: spec.rows };
    this.columns = merged.columns;
    this.all = merged.rows;
    this.rows = this.all;
    this.page = 0;
    this.sort = spec.sort ? { index: this.columns.findIndex(function (c) { return c.key === spec.sort.key; }),
      descending: spec.sort.descending } : null;
    this.build(host);
    this.applySort();
    this.draw();
  }

  DataTable.prototype.build = function (host) {
    const self = this;
    const tools = document.createElement("div");
    tools.className = "table-tools";
    this.filter = document.createElement("input");
    this.filter.type = "search";
    this.filter.placeholder = "Filter (NCT id, title, status…)";
    this.filter.setAttribute("aria-label", "Filter rows");
    this.filter.addEventListener("input", function () { self.applyFilter(); });
    this.info = document.createElement("span");
    const pager = document.createElement("span");
    pager.className = "pager";
    this.prev = document.createElement("button");
    this.prev.type = "button";
    this.prev.textContent = "‹ Previous";
    this.prev.addEventListener("click", function () { self.page -= 1; self.draw(); });
    this.next = document.createElement("button");
    this.next.type = "button";
    this.next.textContent = "Next ›";
    this.next.addEventListener("click", function () { self.page += 1; self.draw(); });
    pager.append(this.prev, this.next);
    tools.append(this.filter, this.info, pager);
    const scroll = document.createElement("div");
    scroll.className = "table-scroll";
    const table = document.createElement("table");
    table.className = "trials";
    const head = table.createTHead().insertRow();
    this.headers = this.columns.map(function (column, index) {
      const th = document.createElement("th");
      th.scope = "col";
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = column.label;
      button.addEventListener("click", function () { self.sortBy(index); });
      th.appendChild(button);
      head.appendChild(th);
      return th;
    });
    this.body = table.createTBody();
    scroll.appendChild(table);
    host.append(tools, scroll);
  };

  DataTable.prototype.sortBy = function (index) {
    const same = this.sort && this.sort.index === index;
    this.sort = { index: index, descending: same ? !this.sort.descending : false };
    this.applySort();
    this.page = 0;
    this.draw();
  };

  DataTable.prototype.applySort = function () {
    if (!this.sort || this.sort.index < 0) { return; }
    const column = this.columns[this.sort.index];
    const index = this.sort.index;
    const sign = this.sort.descending ? -1 : 1;
    const keyed = this.all.map(function (row, order) { return [sortKey(column, row[index]), order, row]; });
    keyed.sort(function (a, b) {
      const x = a[0], y = b[0];
      const xMissing = x === null || x === undefined || x === "";
      const yMissing = y === null || y === undefined || y === "";
      if (xMissing || yMissing) { return xMissing === yMissing ? a[1] - b[1] : (xMissing ? 1 : -1); }
      return sign * compare(x, y) || a[1] - b[1];
    });
    this.all = keyed.map(function (k) { return k[2]; });
    this.headers.forEach(function (th, i) {
      th.setAttribute("aria-sort", i === index ? (sign < 0 ? "descending" : "ascending") : "none");
    });
    this.applyFilter(true);
  };

  DataTable.prototype.applyFilter = function (keepPage) {
    const query = this.filter.value.trim().toLowerCase();
    const columns = this.columns;
    if (!query) {
      this.rows = this.all;
    } else {
      this.rows = this.all.filter(function (row) {
        if (row.search === undefined) { Object.defineProperty(row, "search", { value: searchText(columns, row) }); }
        return row.search.indexOf(query) >= 0;
      });
    }
    if (!keepPage) { this.page = 0; this.draw(); }
  };

  DataTable.prototype.draw = function () {
    const pages = Math.max(1, Math.ceil(this.rows.length / PAGE_SIZE));
    this.page = Math.min(Math.max(0, this.page), pages - 1);
    const start = this.page * PAGE_SIZE;
    const visible = this.rows.slice(start, start + PAGE_SIZE);
    const columns = this.columns;
    const body = document.createElement("tbody");
    visible.forEach(function (row) {
      const tr = body.insertRow();
      columns.forEach(function (column, i) {
        const td = tr.insertCell();
        td.className = column.wide ? "wide" : CELL_CLASSES[column.type] || "nowrap";
        fillCell(td, column, row[i]);
      });
    });
    this.body.replaceWith(body);
    this.body = body;
    const total = this.rows.length;
    this.info.textContent = total ? "Rows " + NUMBER.format(start + 1) + "–" +
      NUMBER.format(start + visible.length) + " of " + NUMBER.format(total) : "No matching rows";
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
  };

  document.querySelectorAll(".data-table[data-table]").forEach(function (host) {
    new DataTable(host, data.tables[host.dataset.table]);
  });
  window.reportReady = drawCharts();
})();
