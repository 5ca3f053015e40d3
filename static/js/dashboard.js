// The supervisor's dashboard: draws its four charts from the page's #dashboard-data; a bar, point or slice
// opens the report it comes from, at the address the server wrote into the data.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined" || !window.scCny) return;
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;

  var yuan = window.scCny.yuan;
  var yuanTick = window.scCny.tick;

  var days = data.days;
  var labels = days.map(function (d) { return d.label; });
  var dayUrls = days.map(function (d) { return d.url; });
  var series = function (key) { return days.map(function (d) { return Number(d[key]); }); };

  function opener(urls) {
    return function (event, elements) {
      if (elements.length && urls[elements[0].index]) window.location.assign(urls[elements[0].index]);
    };
  }
  function pointer(event, elements) {
    event.native.target.style.cursor = elements.length ? "pointer" : "default";
  }
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  if (still) Chart.defaults.animation = false;
  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;

  // A day's column answers anywhere in it, so that a day with a small (or no) bar can still be opened.
  function byDay(type, label, values, colour, extra) {
    var dataset = Object.assign({ label: label, data: values, backgroundColor: colour, borderColor: colour }, extra);
    return {
      type: type,
      data: { labels: labels, datasets: [dataset] },
      options: {
        aspectRatio: 2,
        interaction: { mode: "index", intersect: false },
        onClick: opener(dayUrls),
        onHover: pointer,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? days[items[0].dataIndex].day : ""; },
              label: function (ctx) { return label + ": " + yuan(ctx.parsed.y); },
            },
          },
        },
        scales: { y: { ticks: { callback: yuanTick } } },
      },
    };
  }

  function draw(name, config) {
    var canvas = document.querySelector('canvas[data-chart="' + name + '"]');
    if (canvas) new Chart(canvas, config);
  }

  var text = data.text;
  draw("daily", byDay("bar", text.net, series("net"), "#0d6efd"));
  var overShort = series("over_short");
  draw(
    "over_short",
    byDay("line", text.over_short, overShort, "#6c757d", {
      pointBackgroundColor: overShort.map(function (v) { return v < 0 ? "#dc3545" : v > 0 ? "#fd7e14" : "#198754"; }),
      pointRadius: 4,
      tension: 0.2,
    })
  );
  draw("vas", byDay("bar", text.vas, series("vas"), "#20c997"));

  var tenders = data.tenders;
  var palette = ["#0d6efd", "#198754", "#0dcaf0", "#ffc107", "#6f42c1", "#fd7e14", "#d63384", "#6c757d"];
  draw("tenders", {
    type: "doughnut",
    data: {
      labels: tenders.map(function (t) { return t.tender; }),
      datasets: [{
        label: text.tenders,
        // A slice cannot be negative; the table below shows a tender whose reversals exceed its takings.
        data: tenders.map(function (t) { return Math.max(0, Number(t.net)); }),
        backgroundColor: tenders.map(function (_t, i) { return palette[i % palette.length]; }),
      }],
    },
    options: {
      aspectRatio: 2,
      onClick: opener(tenders.map(function (t) { return t.url; })),
      onHover: pointer,
      plugins: {
        legend: { position: "right" },
        tooltip: {
          callbacks: {
            label: function (ctx) { return ctx.label + ": " + yuan(tenders[ctx.dataIndex].net); },
          },
        },
      },
    },
  });
})();
