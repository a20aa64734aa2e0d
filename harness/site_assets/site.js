// Spectral Harness results site: sortable tables, the section filter, and a self-check.
"use strict";
(function () {
  const errors = [];
  window.addEventListener("error", (event) => errors.push(String(event.message)));
  const consoleError = console.error;
  console.error = (...args) => { errors.push(args.join(" ")); consoleError(...args); };

  function cellValue(row, index) {
    const text = row.cells[index] ? row.cells[index].textContent.trim() : "";
    const number = parseFloat(text.replace("−", "-"));
    return { text: text, number: Number.isNaN(number) ? null : number };
  }

  function sortBy(table, index, ascending) {
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    rows.sort((a, b) => {
      const x = cellValue(a, index), y = cellValue(b, index);
      let order;
      if (x.number !== null && y.number !== null) order = x.number - y.number;
      else if (x.number !== null) order = -1;
      else if (y.number !== null) order = 1;
      else order = x.text.localeCompare(y.text);
      return ascending ? order : -order;
    });
    rows.forEach((row) => body.appendChild(row));
    Array.from(table.tHead.rows[0].cells).forEach((th, i) => {
      th.classList.toggle("asc", i === index && ascending);
      th.classList.toggle("desc", i === index && !ascending);
    });
  }

  function makeSortable(table) {
    Array.from(table.tHead.rows[0].cells).forEach((th, index) => {
      th.addEventListener("click", () => sortBy(table, index, !th.classList.contains("asc")));
    });
  }

  function filterSections(select) {
    const chosen = select.value;
    document.querySelectorAll("table.board tbody tr").forEach((row) => {
      row.hidden = chosen !== "" && row.dataset.section !== chosen;
    });
    document.querySelectorAll("section.section").forEach((section) => {
      section.hidden = chosen !== "" && section.dataset.section !== chosen;
    });
  }

  function selfCheck() {
    // Run by the browser test (page#selftest): the result is written into the page.
    const report = { errors: errors, images: 0, brokenImages: [], clipped: [], sorted: null };
    document.querySelectorAll("img").forEach((img) => {
      report.images += 1;
      if (!img.complete || img.naturalWidth === 0) report.brokenImages.push(img.getAttribute("src"));
    });
    document.querySelectorAll("h1, h2, th, td, a, p, li").forEach((el) => {
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow === "hidden") {
        report.clipped.push(el.textContent.slice(0, 60));
      }
      const box = el.getBoundingClientRect();
      if (box.right > document.documentElement.scrollWidth + 1) report.clipped.push(el.textContent.slice(0, 60));
    });
    const table = document.querySelector("table.sortable");
    if (table && table.tBodies[0].rows.length > 1) {
      const column = Array.from(table.tHead.rows[0].cells).findIndex((th) =>
        Array.from(table.tBodies[0].rows).every((row) => cellValue(row, Array.from(th.parentNode.cells).indexOf(th)).number !== null));
      if (column >= 0) {
        table.tHead.rows[0].cells[column].click();
        table.tHead.rows[0].cells[column].click();  // descending
        const values = Array.from(table.tBodies[0].rows).map((row) => cellValue(row, column).number);
        report.sorted = values.every((v, i) => i === 0 || values[i - 1] >= v);
      }
    }
    const out = document.createElement("pre");
    out.id = "selftest";
    out.textContent = JSON.stringify(report);
    document.body.appendChild(out);
  }

  function start() {
    document.querySelectorAll("table.sortable").forEach(makeSortable);
    document.querySelectorAll("select.section-filter").forEach((select) => {
      select.addEventListener("change", () => filterSections(select));
    });
    if (window.location.hash === "#selftest") {
      if (document.readyState === "complete") selfCheck();
      else window.addEventListener("load", selfCheck);
    }
  }
  start();
})();
