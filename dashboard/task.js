"use strict";
(() => {
  const { el, api, duration, time, result, table, content, param, run, runLink, css, actionPanel } = window.bpb;
  document.getElementById("main").append(actionPanel([["Force on the next run", "force", { task: param("id") }]]));
  function chart(points) {
    const box = el("div", { class: "chart", role: "img", "aria-label": "duration of each result of this task over time" });
    const ended = points.filter((p) => p.durationMs !== null).reverse();
    if (ended.length === 0 || !window.uPlot) return box;
    const xs = ended.map((p) => p.startedAt / 1000);
    const ok = ended.map((p) => (p.result === "succeeded" ? p.durationMs / 60000 : null));
    const bad = ended.map((p) => (p.result === "failed" || p.result === "interrupted" ? p.durationMs / 60000 : null));
    const width = Math.min(document.getElementById("main").clientWidth - 16, 1100);
    const dots = (stroke) => ({ stroke, width: 0, points: { show: true, size: 8, fill: stroke }, paths: () => null });
    // Results at one time alone: uPlot's time scale would span 86400/ms units after them (years, for
    // seconds), so it gets an hour each side instead.
    const first = xs[0];
    const around = (u, min, max) => (xs.every((x) => x === first) ? [first - 3600, first + 3600] : [min, max]);
    box.plot = new window.uPlot({ width, height: 260, scales: { x: { time: true, range: around } },
      axes: [{ stroke: css("--fg") }, { stroke: css("--fg"), label: "minutes" }],
      series: [{}, { label: "succeeded", ...dots(css("--ok")) }, { label: "failed", ...dots(css("--bad")) }] }, [xs, ok, bad], box);
    return box;
  }
  run(async () => {
    const id = param("id");
    document.querySelector("h1").textContent = `Task ${id}`;
    const [{ points }, log] = await Promise.all([api(`/api/tasks/${encodeURIComponent(id)}?limit=200`),
      api(`/api/tasks/${encodeURIComponent(id)}/log`).catch(() => null)]);
    const parts = [chart(points)];
    if (log) {
      const r = log.result;
      parts.push(el("h2", {}, "Newest result"), el("p", {}, runLink(r.runId), " ", result(r.result), ` · ${duration(r.durationMs)} · fingerprint ${r.fingerprint ?? "–"}`),
        r.failure ? el("p", {}, `${r.failure.class}: ${r.failure.summary}`) : "",
        el("p", {}, el("a", { href: `/live?task=${encodeURIComponent(id)}&run=${r.runId}` }, "log")));
      if (log.elog.length > 0) parts.push(el("h2", {}, "Elog"), table(["Package", "Class", "Phase", "Text"], log.elog.map((m) => [m.package, m.class, m.phase, m.text])));
    }
    parts.push(el("h2", {}, "History"), table(["Run", "Result", "Started", "Duration"], points.map((p) => [
      runLink(p.runId), result(p.result + (p.failureClass ? ` (${p.failureClass})` : "")), time(new Date(p.startedAt).toISOString()), duration(p.durationMs)])));
    content(...parts);
  });
})();
