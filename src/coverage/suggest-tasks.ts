// `coverage --suggest`: the install tasks that would close the gaps, in binpkgbot.yml syntax. One task
// per package and wanted flags, so a single variant serves every server that wants the same. Pure.
import type { ServerCoverage } from "./coverage-report.js";

interface Suggestion {
  cp: string;
  use: string[];
  servers: string[];
  cpvs: Set<string>;
}

/** YAML lines to paste under `tasks:`; empty when nothing can be closed by a task. */
export function renderSuggestedTasks(results: readonly ServerCoverage[]): string[] {
  const byKey = new Map<string, Suggestion>();
  for (const result of results) {
    if (result.status !== "uncovered") continue;
    for (const entry of result.compile) {
      const use = [...(entry.reason.kind === "use" ? entry.reason.wanted : entry.use)].sort(byFlagName);
      const key = `${entry.cp} ${use.join(" ")}`;
      const suggestion = byKey.get(key) ?? { cp: entry.cp, use, servers: [], cpvs: new Set<string>() };
      if (!suggestion.servers.includes(result.server)) suggestion.servers.push(result.server);
      suggestion.cpvs.add(entry.cpv);
      byKey.set(key, suggestion);
    }
  }
  return [...byKey.values()].sort((a, b) => a.cp.localeCompare(b.cp) || a.use.join(" ").localeCompare(b.use.join(" "))).flatMap(render);
}

function render(suggestion: Suggestion): string[] {
  const comment = `# ${[...suggestion.cpvs].join(", ")} for ${suggestion.servers.join(", ")}`;
  const task = suggestion.use.length === 0
    ? `- install: ${suggestion.cp}`
    : `- install: {atom: ${suggestion.cp}, use: '${suggestion.use.join(" ")}'}`;
  return [comment, task];
}

/** By flag name, a leading '-' aside, so that 'doc -gtk ssl' reads in one order whatever the state. */
function byFlagName(a: string, b: string): number {
  return a.replace(/^-/, "").localeCompare(b.replace(/^-/, ""));
}
