(function () {
  "use strict";
  var reqs = Array.prototype.slice.call(document.querySelectorAll("details.req"));
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-filter]"));
  var search = document.getElementById("q");
  function checked(kind) {
    return boxes.filter(function (b) { return b.dataset.filter === kind && b.checked; }).map(function (b) { return b.value; });
  }
  function readHash() {
    var params = new URLSearchParams(window.location.hash.slice(1));
    ["status", "level"].forEach(function (kind) {
      if (!params.has(kind)) { return; }
      var wanted = params.get(kind).split(",");
      boxes.forEach(function (b) { if (b.dataset.filter === kind) { b.checked = wanted.indexOf(b.value) >= 0; } });
    });
    if (params.has("q")) { search.value = params.get("q"); }
  }
  function writeHash() {
    var params = new URLSearchParams();
    params.set("status", checked("status").join(","));
    params.set("level", checked("level").join(","));
    if (search.value) { params.set("q", search.value); }
    history.replaceState(null, "", "#" + params.toString());
  }
  function apply() {
    var statuses = checked("status"), levels = checked("level"), q = search.value.trim().toLowerCase(), shown = 0;
    reqs.forEach(function (r) {
      var ok = statuses.indexOf(r.dataset.status) >= 0 && levels.indexOf(r.dataset.level) >= 0 &&
               (!q || r.dataset.search.indexOf(q) >= 0);
      r.hidden = !ok;
      if (ok) { shown += 1; }
    });
    Array.prototype.forEach.call(document.querySelectorAll("section.area"), function (s) {
      s.hidden = !s.querySelector("details.req:not([hidden])");
    });
    document.getElementById("shown").textContent = String(shown);
  }
  boxes.forEach(function (b) { b.addEventListener("change", function () { apply(); writeHash(); }); });
  search.addEventListener("input", function () { apply(); writeHash(); });
  if (window.location.hash.length > 1) { readHash(); }
  apply();
  document.body.setAttribute("data-filters", "ready");
})();
