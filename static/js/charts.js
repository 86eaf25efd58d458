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
    // A viewBox lets the print stylesheet scale the SVG to the paper's width.
    const fit = () => {
      const svg = el.querySelector("svg");
      if (svg) svg.setAttribute("viewBox", `0 0 ${chart.getWidth()} ${chart.getHeight()}`);
    };
    fit();
    chart.on("finished", fit);
    charts.push(chart);
  });
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
