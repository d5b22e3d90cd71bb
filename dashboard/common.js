// Shared by every page: fetching the API, small DOM helpers, formatting. No framework.
"use strict";
window.bpb = (() => {
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
    return node;
  };
  const api = async (path) => {
    const response = await fetch(path, { credentials: "same-origin" });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || `${path}: HTTP ${response.status}`);
    return body;
  };
  const duration = (ms) => {
    if (ms === null || ms === undefined) return "–";
    const s = Math.round(ms / 1000);
    return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
  };
  const time = (iso) => (iso ? new Date(iso).toLocaleString() : "–");
  const result = (text) => el("span", { class: text }, text);
  const table = (head, rows) => el("table", {}, el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c))))));
  const status = (text) => { document.getElementById("status").textContent = text; };
  const content = (...nodes) => document.getElementById("content").replaceChildren(...nodes);
  const param = (name) => new URLSearchParams(location.search).get(name);
  const run = async (load) => {
    try { await load(); status(""); } catch (error) { status(`Could not load: ${error.message}`); }
  };
  const taskLink = (id) => el("a", { href: `/task?id=${encodeURIComponent(id)}` }, id);
  const runLink = (id) => el("a", { href: `/run?id=${id}` }, `run ${id}`);
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  // Actions need the token (a cookie once logged in) and the CSRF token the login answers with.
  const post = (path, body, csrf) => fetch(path, { method: "POST", credentials: "same-origin",
    headers: { "content-type": "application/json", ...(csrf ? { "x-csrf-token": csrf } : {}) }, body: JSON.stringify(body) })
    .then(async (response) => ({ ok: response.ok, body: await response.json() }));
  const actionPanel = (buttons) => {
    const said = el("p", { role: "status", "aria-live": "polite" });
    const token = el("input", { type: "password", id: "token", autocomplete: "current-password" });
    const login = el("form", { hidden: "" }, el("label", { for: "token" }, "Token "), token, " ", el("button", { type: "submit" }, "Log in"));
    let pending = null;
    const act = async (action, body) => {
      const csrf = sessionStorage.getItem("binpkgbot-csrf");
      if (!csrf) { pending = [action, body]; login.hidden = false; token.focus(); return; }
      const answer = await post(`/api/actions/${action}`, body, csrf);
      if (!answer.ok && /CSRF|token/.test(answer.body.error || "")) sessionStorage.removeItem("binpkgbot-csrf");
      said.textContent = answer.ok ? answer.body.message : answer.body.error;
    };
    login.addEventListener("submit", async (event) => {
      event.preventDefault();
      const answer = await post("/api/login", { token: token.value });
      if (!answer.ok) { said.textContent = answer.body.error; return; }
      sessionStorage.setItem("binpkgbot-csrf", answer.body.csrf);
      login.hidden = true;
      token.value = "";
      if (pending) await act(...pending);
    });
    const row = el("p", {}, ...buttons.map(([label, action, body]) => {
      const button = el("button", { type: "button" }, label);
      button.addEventListener("click", () => act(action, body || {}));
      return button;
    }).flatMap((button) => [button, " "]));
    return el("section", { "aria-label": "actions" }, el("h2", {}, "Actions"), row, login, said);
  };
  return { el, api, duration, actionPanel, time, result, table, status, content, param, run, taskLink, runLink, css };
})();
