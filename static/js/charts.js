// Draw the ECharts whose options the page carries in <script type="application/json"> blocks:
// <div data-chart="ID"> gets the options of #chart-ID. SVG renders sharply when printed.
(function () {
  "use strict";
  if (!window.echarts) return;
  const charts = [];
  document.querySelectorAll("[data-chart]").forEach((el) => {
    const source = document.getElementById("chart-" + el.dataset.chart);
    if (!source) return;
    const chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(JSON.parse(source.textContent));
    charts.push(chart);
  });
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  window.addEventListener("beforeprint", () => charts.forEach((c) => c.resize()));
})();
