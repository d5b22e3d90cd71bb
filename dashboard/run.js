"use strict";
(() => {
  const { el, api, duration, time, result, table, content, param, run, taskLink, css } = window.bpb;
  const colour = (r) => css(r === "succeeded" ? "--ok" : r === "failed" || r === "interrupted" ? "--bad" : r === "running" ? "--run" : "--skip");
  // One lane per container that ran at once: each task is a bar from its start to its end.
  function timeline(tasks) {
    const box = el("div", { class: "chart", role: "img", "aria-label": "timeline of the run's tasks, one lane per container" });
    const ran = tasks.filter((t) => t.endedAt || t.result === "running");
    if (ran.length === 0 || !window.uPlot) return box;
    const t0 = Math.min(...ran.map((t) => Date.parse(t.startedAt))) / 1000;
    const lanes = Math.max(...ran.map((t) => t.lane)) + 1;
    const end = (t) => (t.endedAt ? Date.parse(t.endedAt) : Date.now()) / 1000;
    const xs = [t0, Math.max(...ran.map(end))];
    const bars = {
      hooks: { draw: [(u) => {
        const ctx = u.ctx;
        for (const t of ran) {
          const x0 = u.valToPos(Date.parse(t.startedAt) / 1000, "x", true), x1 = u.valToPos(end(t), "x", true);
          const y0 = u.valToPos(t.lane + 0.85, "y", true), y1 = u.valToPos(t.lane + 0.15, "y", true);
          ctx.fillStyle = colour(t.result);
          ctx.fillRect(x0, y0, Math.max(2, x1 - x0), y1 - y0);
          ctx.fillStyle = css("--bg");
          ctx.font = `${12 * devicePixelRatio}px system-ui`;
          ctx.fillText(t.taskId, x0 + 4, (y0 + y1) / 2 + 4 * devicePixelRatio, Math.max(0, x1 - x0 - 8));
        }
      }] },
    };
    const width = Math.min(document.getElementById("main").clientWidth - 16, 1100);
    new window.uPlot({ width, height: 60 + lanes * 40, plugins: [bars], legend: { show: false }, cursor: { show: false },
      scales: { y: { range: [0, lanes] } }, axes: [{ stroke: css("--fg") }, { stroke: css("--fg"), values: (u, v) => v.map((n) => (Number.isInteger(n) && n < lanes ? `lane ${n + 1}` : "")) }],
      series: [{}, { show: false }] }, [xs, [null, null]], box);
    return box;
  }
  run(async () => {
    const id = param("id");
    const { run: r, tasks } = await api(`/api/runs/${encodeURIComponent(id)}`);
    document.querySelector("h1").textContent = `Run ${r.id}`;
    content(el("p", {}, result(r.result), ` · ${r.trigger} · started ${time(r.startedAt)}`), timeline(tasks),
      table(["Task", "Result", "Started", "Duration", "Lane", "Binpkgs added"], tasks.map((t) => [
        taskLink(t.taskId), result(t.result + (t.failure ? ` (${t.failure.class})` : "")), time(t.startedAt), duration(t.durationMs), String(t.lane + 1),
        t.binpkgs.map((b) => `${b.cpv}${b.buildId ? `-${b.buildId}` : ""}`).join(", ") || "–"])));
  });
})();
