// @ts-check
(function () {
  "use strict";
  function all(selector) { return Array.prototype.slice.call(document.querySelectorAll(selector)); }
  var boxes = all("input[data-filter]");
  var projectSelect = /** @type {HTMLSelectElement | null} */ (document.querySelector("select[data-filter-project]"));
  var pathInput = /** @type {HTMLInputElement | null} */ (document.querySelector("input[data-filter-path]"));
  var newOnly = /** @type {HTMLInputElement | null} */ (document.querySelector("input[data-filter-new]"));
  var findings = all(".finding");
  var groups = all(".check-group");
  var planRows = all(".plan-row");
  var checkRows = all(".check-row");
  var counter = document.getElementById("visible-count");

  function selected(kind) {
    var out = {};
    boxes.forEach(function (b) {
      if (b.getAttribute("data-filter") === kind) { out[b.value] = b.checked; }
    });
    return out;
  }

  function projectWanted() { return projectSelect ? projectSelect.value : ""; }
  function pathWanted() { return pathInput ? pathInput.value.trim().toLowerCase() : ""; }

  // A plan row may be for several projects (one recommendation per fix): data-projects lists them, one a line.
  function projectsOf(el) {
    var listed = el.getAttribute("data-projects");
    return listed ? listed.split("\n") : [el.getAttribute("data-project") || ""];
  }

  function projectMatches(el, project) { return project === "" || projectsOf(el).indexOf(project) >= 0; }

  // Whether some finding of a check (in a project) is in a file whose path contains `path`.
  function groupHasPath(check, project, path) {
    return groups.some(function (g) {
      if (g.getAttribute("data-check") !== check || g.getAttribute("data-project") !== project) { return false; }
      return (g.getAttribute("data-paths") || "").split("\n").some(function (p) { return p.toLowerCase().indexOf(path) >= 0; });
    });
  }

  function rowMatches(row, cat, project, path) {
    if (cat[row.getAttribute("data-category")] === false || !projectMatches(row, project)) { return false; }
    return path === "" || projectsOf(row).some(function (p) { return groupHasPath(row.getAttribute("data-check"), p, path); });
  }

  function apply() {
    var sev = selected("severity");
    var cat = selected("category");
    var project = projectWanted();
    var path = pathWanted();
    var onlyNew = newOnly ? newOnly.checked : false;
    var visible = 0;
    // Mirror the state in the markup too, so a saved or printed page shows what was selected.
    boxes.concat(newOnly ? [newOnly] : []).forEach(function (b) {
      if (b.checked) { b.setAttribute("checked", ""); } else { b.removeAttribute("checked"); }
    });
    findings.forEach(function (f) {
      var show = sev[f.getAttribute("data-severity")] !== false && cat[f.getAttribute("data-category")] !== false &&
        projectMatches(f, project) && (path === "" || (f.getAttribute("data-path") || "").toLowerCase().indexOf(path) >= 0) &&
        (!onlyNew || f.getAttribute("data-change") === "new");
      f.hidden = !show;
      if (show) { visible += 1; }
    });
    groups.forEach(function (g) {
      g.hidden = g.querySelector(".finding:not([hidden])") === null;
    });
    planRows.forEach(function (r) {
      r.hidden = sev[r.getAttribute("data-severity")] === false || !rowMatches(r, cat, project, path);
    });
    checkRows.forEach(function (r) { r.hidden = !rowMatches(r, cat, project, path); });
    if (counter) { counter.textContent = String(visible); }
    document.body.setAttribute("data-visible-findings", String(visible));
  }

  // "#severity=critical,high&category=security&project=api&path=src/&change=new" selects exactly those values of each
  // named filter (change=new: the findings a pull request adds, only).
  function fromHash() {
    var hash = window.location.hash.replace(/^#/, "");
    if (!hash) { return; }
    hash.split("&").forEach(function (part) {
      var eq = part.indexOf("=");
      if (eq < 0) { return; }
      var kind, raw;
      try {
        kind = decodeURIComponent(part.slice(0, eq));
        raw = decodeURIComponent(part.slice(eq + 1));
      } catch (e) {
        console.warn("auditor report: ignoring a malformed filter in the URL hash", e);
        return;  // a malformed hash selects nothing
      }
      if (kind === "project" && projectSelect) { projectSelect.value = raw; return; }
      if (kind === "path" && pathInput) { pathInput.value = raw; return; }
      if (kind === "change" && newOnly) { newOnly.checked = raw === "new"; return; }
      var wanted = raw.split(",");
      boxes.forEach(function (b) {
        if (b.getAttribute("data-filter") === kind) { b.checked = wanted.indexOf(b.value) >= 0; }
      });
    });
  }

  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  if (projectSelect) { projectSelect.addEventListener("change", apply); }
  if (pathInput) { pathInput.addEventListener("input", apply); }
  if (newOnly) { newOnly.addEventListener("change", apply); }
  all("button[data-set]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var on = btn.getAttribute("data-set") === "all";
      boxes.forEach(function (b) { b.checked = on; });
      if (on && projectSelect) { projectSelect.value = ""; }
      if (on && pathInput) { pathInput.value = ""; }
      if (on && newOnly) { newOnly.checked = false; }
      apply();
    });
  });
  // A link to a folded check group (the checklist, the TOC, a URL) opens it.
  function openTarget() {
    var id = window.location.hash.replace(/^#/, "");
    if (!id || id.indexOf("=") >= 0) { return; }
    var el = document.getElementById(id);
    if (el && el.tagName === "DETAILS") { el.setAttribute("open", ""); }
  }
  // Printing unfolds every section, and folds back afterwards what the reader had folded.
  var foldedBeforePrint = [];
  window.addEventListener("beforeprint", function () {
    foldedBeforePrint = all("details:not([open])");
    foldedBeforePrint.forEach(function (d) { d.setAttribute("open", ""); });
  });
  window.addEventListener("afterprint", function () {
    foldedBeforePrint.forEach(function (d) { d.removeAttribute("open"); });
    foldedBeforePrint = [];
  });
  window.addEventListener("hashchange", function () { fromHash(); openTarget(); apply(); });
  fromHash();
  openTarget();
  apply();
})();
