"use strict";
(() => {
  const { el, content, param, status, result } = window.bpb;
  const task = param("task");
  const runId = param("run");
  document.querySelector("h1").textContent = `Log of ${task}`;
  const state = el("p", {}, "connecting…");
  const pre = el("pre", { class: "log", id: "log", tabindex: "0", "aria-label": "log output" });
  content(state, pre);
  const source = new EventSource(`/live/${encodeURIComponent(task)}${runId ? `?run=${encodeURIComponent(runId)}` : ""}`);
  source.addEventListener("task", (e) => state.replaceChildren(`run ${JSON.parse(e.data).runId}: `, result(JSON.parse(e.data).result)));
  source.onmessage = (e) => {
    const follow = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.append(JSON.parse(e.data));
    if (follow) pre.scrollTop = pre.scrollHeight;
  };
  source.addEventListener("end", (e) => {
    state.replaceChildren("ended: ", result(JSON.parse(e.data).result));
    source.close();
  });
  source.onerror = () => { if (source.readyState === EventSource.CLOSED) status("The log stream closed."); };
  status("");
})();
