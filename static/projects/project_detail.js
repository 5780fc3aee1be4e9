// The progress chart of a project page. Data comes from the json_script element (no inline JS).
(function () {
  const holder = document.getElementById("progress-chart");
  const source = document.getElementById("progress-chart-data");
  if (!holder || !source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const chart = echarts.init(holder, null, { renderer: "svg" });
  const target = Number(data.target);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    // On a phone the legend takes two lines.
    grid: { left: 48, right: 16, top: holder.clientWidth < 560 ? 64 : 36, bottom: 28 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", min: 0 },
    series: [
      { name: holder.dataset.labelActual, type: "bar", data: data.actual.map(Number) },
      { name: holder.dataset.labelExpected, type: "line", data: data.expected.map(Number), symbol: "none", lineStyle: { type: "dashed" } },
      { name: holder.dataset.labelTarget, type: "line", data: data.months.map(() => target), symbol: "none" },
    ],
  });
  holder.dataset.rendered = "1";
  window.addEventListener("resize", () => chart.resize());
})();
