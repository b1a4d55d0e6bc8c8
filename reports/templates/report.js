// @ts-check
(function () {
  "use strict";
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-filter]"));
  var findings = Array.prototype.slice.call(document.querySelectorAll(".finding"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".check-group"));
  var counter = document.getElementById("visible-count");

  function selected(kind) {
    var out = {};
    boxes.forEach(function (b) {
      if (b.getAttribute("data-filter") === kind) { out[b.value] = b.checked; }
    });
    return out;
  }

  function apply() {
    var sev = selected("severity");
    var cat = selected("category");
    var visible = 0;
    // Mirror the state in the markup too, so a saved or printed page shows what was selected.
    boxes.forEach(function (b) {
      if (b.checked) { b.setAttribute("checked", ""); } else { b.removeAttribute("checked"); }
    });
    findings.forEach(function (f) {
      var show = sev[f.getAttribute("data-severity")] !== false && cat[f.getAttribute("data-category")] !== false;
      f.hidden = !show;
      if (show) { visible += 1; }
    });
    groups.forEach(function (g) {
      g.hidden = g.querySelector(".finding:not([hidden])") === null;
    });
    if (counter) { counter.textContent = String(visible); }
    document.body.setAttribute("data-visible-findings", String(visible));
  }

  // "#severity=critical,high&category=security" selects exactly those values of each named filter.
  function fromHash() {
    var hash = window.location.hash.replace(/^#/, "");
    if (!hash) { return; }
    hash.split("&").forEach(function (part) {
      var eq = part.indexOf("=");
      if (eq < 0) { return; }
      var kind, wanted;
      try {
        kind = decodeURIComponent(part.slice(0, eq));
        wanted = decodeURIComponent(part.slice(eq + 1)).split(",");
      } catch (e) {
        console.warn("auditor report: ignoring a malformed filter in the URL hash", e);
        return;  // a malformed hash selects nothing
      }
      boxes.forEach(function (b) {
        if (b.getAttribute("data-filter") === kind) { b.checked = wanted.indexOf(b.value) >= 0; }
      });
    });
  }

  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  Array.prototype.slice.call(document.querySelectorAll("button[data-set]")).forEach(function (btn) {
    btn.addEventListener("click", function () {
      var on = btn.getAttribute("data-set") === "all";
      boxes.forEach(function (b) { b.checked = on; });
      apply();
    });
  });
  window.addEventListener("hashchange", function () { fromHash(); apply(); });
  fromHash();
  apply();
})();
