// Dashboard charts. Data comes from json_script elements (no inline JS: the CSP forbids it).
(function () {
  if (typeof echarts === "undefined") return;
  const percent = (values) => values.map((v) => (v === null || v === undefined ? null : Math.round(Number(v) * 10000) / 100));

  function bars(holderId, dataId, categories, keys) {
    const holder = document.getElementById(holderId);
    const source = document.getElementById(dataId);
    if (!holder || !source) return;
    const data = JSON.parse(source.textContent);
    const chart = echarts.init(holder, null, { renderer: "svg" });
    const narrow = holder.clientWidth < 560;
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: (v) => (v === null ? "—" : v + "%") },
      legend: { top: 0 },
      // On a phone the bars lie down: long names (市县配套, township names) stay readable.
      grid: { left: 8, right: 16, top: narrow ? 56 : 32, bottom: 8, containLabel: true },
      [narrow ? "yAxis" : "xAxis"]: { type: "category", data: data[categories], axisLabel: { interval: 0 }, inverse: narrow },
      [narrow ? "xAxis" : "yAxis"]: { type: "value", min: 0, axisLabel: { formatter: "{value}%" } },
      series: keys.map((key) => ({ name: holder.dataset["label" + key[0].toUpperCase() + key.slice(1)], type: "bar", data: percent(data[key]) })),
    });
    holder.dataset.rendered = "1";
    window.addEventListener("resize", () => chart.resize());
  }

  bars("county-chart", "county-chart-data", "townships", ["completion", "received", "allocated", "spent"]);
  bars("township-chart", "township-chart-data", "sources", ["received", "allocated", "spent"]);
})();
