"use strict";
(() => {
  const { el, api, time, table, content, run } = window.bpb;
  const labels = (record) => Object.entries(record).map(([key, value]) => `${key}=${value}`).join(", ") || "any target";
  async function load() {
    const { workers, workersError } = await api("/api/workers");
    if (workers === null) { content(el("p", { class: "failed", role: "alert" }, workersError)); return; }
    if (workers.length === 0) { content(el("p", { class: "muted" }, "No worker is running (start one: binpkgbot worker --redis URL --labels arch=…).")); return; }
    const rows = workers.map((w) => [
      el("span", {}, el("strong", {}, w.id), el("br"), w.host),
      w.signer ? el("span", { class: "signer" }, "signer") : "–",
      labels(w.labels), w.load.toFixed(2), `${w.running.length}/${w.concurrency}`,
      w.targets.join(", ") || "none yet",
      w.running.length === 0 ? el("span", { class: "muted" }, "idle")
        : el("ul", {}, ...w.running.map((job) => el("li", {}, `${job.target}: ${job.task}`, el("span", { class: "muted" }, ` since ${time(job.since)}`)))),
      w.skipped.length === 0 ? "" : el("ul", {}, ...w.skipped.map((skip) => el("li", {}, skip.reason))),
    ]);
    content(el("p", {}, `${workers.length} worker${workers.length === 1 ? "" : "s"}, from their heartbeats in Redis.`),
      table(["Worker", "Signer", "Labels", "Load", "Running", "Targets", "Jobs running", "Not taken"], rows));
  }
  run(load);
  setInterval(() => run(load), 5000);
})();
