// report.js draws the report's charts from the JSON data block and wires
// the gallery filters. It runs as a file of the report (no inline script),
// so the page's Content-Security-Policy can forbid inline scripts.
(function () {
  "use strict";
  var holder = document.getElementById("chart-data");
  var options = holder ? JSON.parse(holder.textContent) : {};
  var note = document.getElementById("charts-note");
  var drawn = [];
  if (!window.echarts) {
    if (note) {
      note.textContent = "The ECharts script did not load, so the charts are not drawn; every number is in the tables.";
    }
  } else {
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var opt = options[el.getAttribute("data-chart")];
      if (!opt) {
        return;
      }
      var h = parseInt(el.getAttribute("data-height"), 10);
      if (h > 0) {
        el.style.height = h + "px";
      }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(opt);
      el.setAttribute("data-rendered", "true");
      drawn.push(chart);
    });
    window.addEventListener("resize", function () {
      drawn.forEach(function (c) { c.resize(); });
    });
  }
  var selects = document.querySelectorAll("select[data-filter]");
  function apply() {
    var want = {};
    selects.forEach(function (s) {
      if (s.value) {
        want[s.getAttribute("data-filter")] = s.value;
      }
    });
    document.querySelectorAll("[data-group]").forEach(function (g) {
      var show = Object.keys(want).every(function (k) {
        return g.getAttribute("data-" + k) === want[k];
      });
      g.hidden = !show;
    });
  }
  // The filters live in the address (?country=Kenya&model=...), so a
  // filtered gallery can be bookmarked or sent.
  function remember() {
    if (!window.URLSearchParams || !window.history || !history.replaceState) {
      return;
    }
    var q = new URLSearchParams();
    selects.forEach(function (s) {
      if (s.value) {
        q.set(s.getAttribute("data-filter"), s.value);
      }
    });
    var search = q.toString();
    try {
      history.replaceState(null, "", (search ? "?" + search : location.pathname) + location.hash);
    } catch (e) {
      // Some browsers refuse to change a file:// address; the filter still works.
    }
  }
  if (window.URLSearchParams) {
    var given = new URLSearchParams(location.search);
    selects.forEach(function (s) {
      var v = given.get(s.getAttribute("data-filter"));
      if (v && Array.prototype.some.call(s.options, function (o) { return o.value === v; })) {
        s.value = v;
      }
    });
    apply();
  }
  selects.forEach(function (s) {
    s.addEventListener("change", function () { apply(); remember(); });
  });
})();
