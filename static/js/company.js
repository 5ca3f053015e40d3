// The company's report: each hall's net, day by day, as grouped bars drawn from the page's #company-data;
// a hall's bar opens that hall's daily report of the day, at the address the server wrote into the data.
(function () {
  "use strict";
  var source = document.getElementById("company-data");
  var canvas = document.querySelector('canvas[data-chart="company-days"]');
  if (!source || !canvas || typeof window.Chart === "undefined" || !window.scCny) return;
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;

  var yuan = window.scCny.yuan;
  var colours = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#d63384", "#198754", "#0dcaf0", "#6c757d"];
  if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
    Chart.defaults.animation = false;
  }
  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;

  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.halls.map(function (hall, n) {
        var colour = colours[n % colours.length];
        return { label: hall.name, data: hall.net, backgroundColor: colour, borderColor: colour };
      }),
    },
    options: {
      aspectRatio: 3,
      interaction: { mode: "nearest", intersect: true },
      onClick: function (event, elements) {
        if (!elements.length) return;
        var url = data.halls[elements[0].datasetIndex].urls[elements[0].index];
        if (url) window.location.assign(url);
      },
      onHover: function (event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      },
      plugins: {
        tooltip: {
          callbacks: {
            title: function (items) { return items.length ? data.days[items[0].dataIndex] : ""; },
            label: function (ctx) { return ctx.dataset.label + ": " + yuan(ctx.parsed.y); },
          },
        },
      },
      scales: { y: { ticks: { callback: window.scCny.tick } } },
    },
  });
})();
