"use strict";
(() => {
  const { el, api, duration, time, result, table, content, run, taskLink, runLink, actionPanel } = window.bpb;
  const actions = actionPanel([["Run now", "run-now"], ["Hold upgrades", "hold"], ["Resume upgrades", "resume"]]);
  document.getElementById("main").append(actions);
  const runLine = (r) => el("p", {}, runLink(r.id), " ", result(r.result), ` · ${r.trigger} · started ${time(r.startedAt)}`,
    r.endedAt ? ` · took ${duration(new Date(r.endedAt) - new Date(r.startedAt))}` : "");
  async function load() {
    const o = await api("/api/overview");
    const parts = [el("h2", {}, "Now")];
    if (o.running) {
      parts.push(runLine(o.running.run), table(["Task", "Result", "Started", "Duration", ""], o.running.tasks.map((t) => [
        taskLink(t.taskId), result(t.result), time(t.startedAt), duration(t.durationMs),
        t.result === "running" ? el("a", { href: `/live?task=${encodeURIComponent(t.taskId)}&run=${o.running.run.id}` }, "live log") : ""])));
    } else parts.push(el("p", { class: "muted" }, "Nothing is running."));
    parts.push(el("h2", {}, "Last run"), o.lastRun ? runLine(o.lastRun) : el("p", { class: "muted" }, "No run recorded yet."));
    parts.push(el("h2", {}, "Failing tasks"), o.failing.length === 0 ? el("p", { class: "succeeded" }, "No task is failing.")
      : table(["Task", "Result", "Class", "Why", "Last success"], o.failing.map((f) => [taskLink(f.taskId), result(f.result), f.failureClass ?? "–", f.summary ?? "", time(f.lastSucceededAt)])));
    if (o.stage) parts.push(el("h2", {}, "Stage"), el("p", {}, `generation ${o.stage.generation ?? "–"}`, o.stage.hold ? ` · held since ${o.stage.hold.since}` : " · not held"));
    if (o.releases) parts.push(el("h2", {}, "Releases"), el("p", {}, o.releases.current === null ? "No release yet." : `current: release ${o.releases.current}`));
    if (o.coverage) parts.push(el("h2", {}, "Servers"), el("pre", {}, JSON.stringify(o.coverage, null, 2)));
    content(...parts);
  }
  run(load);
  setInterval(() => run(load), 5000);
})();
