/* Draws the dashboard's charts with the vendored Chart.js from the JSON the page carries
   (id "insights-charts"). The same figures are in each chart's table and CSV. */
(function () {
  "use strict";
  var data = document.getElementById("insights-charts");
  if (!data || typeof window.Chart === "undefined") {
    return;
  }
  var configs = JSON.parse(data.textContent);
  // Colours that keep a 3:1 contrast on white and apart from each other.
  var palette = ["#205493", "#b35806", "#2e7d32", "#8e24aa", "#c62828"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var config = configs[canvas.dataset.chart];
    if (!config) {
      return;
    }
    var datasets = config.datasets.map(function (set, i) {
      return {
        label: set.label,
        data: set.data,
        backgroundColor: palette[i % palette.length],
        borderColor: palette[i % palette.length],
        fill: false
      };
    });
    new window.Chart(canvas, {
      type: config.type,
      data: { labels: config.labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: config.stacked }, y: { stacked: config.stacked, beginAtZero: true } }
      }
    });
    canvas.dataset.drawn = "true";
  });
})();
