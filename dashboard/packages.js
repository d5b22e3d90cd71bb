"use strict";
(() => {
  const { el, api, time, table, content, param, run, taskLink, runLink } = window.bpb;
  const size = (n) => (n === null ? "–" : n > 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`);
  run(async () => {
    const q = param("q") ?? "";
    const { packages } = await api(`/api/packages?limit=100&q=${encodeURIComponent(q)}`);
    const input = el("input", { type: "search", name: "q", id: "q", value: q });
    const form = el("form", { role: "search" }, el("label", { for: "q" }, "Search CPV "), input, " ", el("button", { type: "submit" }, "Search"));
    content(form, table(["CPV", "BUILD_ID", "USE", "Size", "Built", "Signed", "Task"], packages.map((p) => [
      p.cpv, String(p.buildId ?? "–"), p.use.join(" ") || "–", size(p.size), p.buildTime ? time(new Date(p.buildTime * 1000).toISOString()) : "–", p.signature ?? "–",
      el("span", {}, taskLink(p.taskId), " in ", runLink(p.runId))])));
  });
})();
