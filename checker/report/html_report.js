(function () {
  "use strict";
  var rule = document.getElementById("f-rule");
  var search = document.getElementById("f-path");
  var onlyNew = document.getElementById("f-new");
  var sevBoxes = Array.prototype.slice.call(document.querySelectorAll("input[data-sev]"));
  var findings = Array.prototype.slice.call(document.querySelectorAll(".finding"));
  var cells = Array.prototype.slice.call(document.querySelectorAll("td.cell"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.row"));
  var counter = document.getElementById("shown");
  var nomatch = document.getElementById("nomatch");

  function cellsOf(f) {  // data-cells is a JSON list of "path METHOD" keys
    try { return JSON.parse(f.getAttribute("data-cells") || "[]"); } catch (err) { return []; }
  }

  function apply() {
    var sev = {};
    sevBoxes.forEach(function (b) { sev[b.getAttribute("data-sev")] = b.checked; });
    var r = rule ? rule.value : "";
    var q = search ? search.value.trim().toLowerCase() : "";
    var newOnly = onlyNew ? onlyNew.checked : false;
    var shown = 0;
    var hot = {};
    findings.forEach(function (f) {
      var ok = sev[f.getAttribute("data-severity")] !== false &&
        (!r || f.getAttribute("data-rule") === r) &&
        (!q || f.getAttribute("data-path").toLowerCase().indexOf(q) !== -1) &&
        (!newOnly || f.getAttribute("data-new") === "1");
      f.classList.toggle("hidden", !ok);
      if (ok) {
        shown += 1;
        cellsOf(f).forEach(function (c) { hot[c] = true; });
      }
    });
    var filtering = !!r || newOnly || sevBoxes.some(function (b) { return !b.checked; });
    cells.forEach(function (c) {
      c.classList.toggle("dim", filtering && !hot[c.getAttribute("data-cell")]);
    });
    rows.forEach(function (row) {
      row.classList.toggle("hidden", !!q && row.getAttribute("data-path").toLowerCase().indexOf(q) === -1);
    });
    if (counter) { counter.textContent = String(shown); }
    if (nomatch) { nomatch.classList.toggle("hidden", shown !== 0 || findings.length === 0); }
  }

  [rule, search, onlyNew].concat(sevBoxes).forEach(function (el) {
    if (el) { el.addEventListener("input", apply); el.addEventListener("change", apply); }
  });

  cells.forEach(function (c) {
    c.addEventListener("click", function (event) {
      // the cell's first finding the filters show; its first finding of all when the filters hide them all
      var key = c.getAttribute("data-cell");
      var el = findings.filter(function (f) {
        return !f.classList.contains("hidden") && cellsOf(f).indexOf(key) !== -1;
      })[0] || document.getElementById(c.getAttribute("data-first") || "");
      if (!el) { return; }
      event.preventDefault();  // the cell's link names the first finding of all: go to the chosen one instead
      if (window.location.hash !== "#" + el.id) { window.location.hash = el.id; }
      el.open = true;
      el.scrollIntoView({ block: "start" });  // its summary on screen, however long its evidence
    });
  });

  Array.prototype.slice.call(document.querySelectorAll("button.copy")).forEach(function (b) {
    b.addEventListener("click", function () {
      var text = b.getAttribute("data-text") || "";
      var done = function () { b.textContent = "copied"; setTimeout(function () { b.textContent = "copy"; }, 1200); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { b.textContent = "select and copy"; });
      } else {
        var pre = b.parentNode.querySelector("pre");
        var range = document.createRange();
        range.selectNodeContents(pre);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        b.textContent = "selected";
      }
    });
  });
  function openAll(state) { findings.forEach(function (f) { f.open = state; }); }
  var expand = document.getElementById("expand");
  var collapse = document.getElementById("collapse");
  if (expand) { expand.addEventListener("click", function () { openAll(true); }); }
  if (collapse) { collapse.addEventListener("click", function () { openAll(false); }); }
  if (window.location.hash === "#all") { openAll(true); }
  else if (window.location.hash.length > 1) {
    var target = document.getElementById(window.location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
  }
  apply();
}());
