"use strict";
(() => {
  const { el, api, duration, time, result, table, content, param, run, runLink } = window.bpb;
  run(async () => {
    const before = param("before");
    const { runs } = await api(`/api/runs?limit=50${before ? `&before=${encodeURIComponent(before)}` : ""}`);
    const rows = runs.map((r) => [runLink(r.id), result(r.result), r.trigger, time(r.startedAt),
      r.endedAt ? duration(new Date(r.endedAt) - new Date(r.startedAt)) : "–", String(r.tasks), String(r.failed), String(r.binpkgs)]);
    const last = runs.at(-1);
    content(table(["Run", "Result", "Trigger", "Started", "Duration", "Tasks", "Failed", "Binpkgs"], rows),
      runs.length === 50 && last ? el("p", {}, el("a", { href: `/runs?before=${last.id}` }, "Older runs")) : "");
  });
})();
