// Plan → what `binpkgbot plan` prints by default: per step what it runs, where, and its modifiers and
// scripts; the binds and environment that most containers share are printed once, at the top, and a
// step shows only where it differs (the sync binds the repository writable). Pure.
import type { BindMount } from "../container/nspawn-argv.js";
import type { ContainerStep, HostStep, Plan, StepOrder } from "./plan.js";
import { indent, quoteWord, renderPlanHeader, withGroupHead } from "./render-plan.js";

const WIDTH = 100;

const renderBind = (bind: BindMount): string => `${bind.writable ? "rw" : "ro"} ${bind.from} → ${bind.to}`;
const renderEnv = (env: Record<string, string>): string[] => Object.entries(env).map(([key, value]) => `${key}=${quoteWord(value)}`);

/** The step's binds, without the per-step copies the compact form names otherwise (/etc/portage, its log). */
function ownBinds(step: ContainerStep): BindMount[] {
  return step.spec.binds.filter((bind) => !bind.from.startsWith(`${step.workDir}/`) && bind.from !== step.portageLogDir);
}

/** Entries that at least half of the lists hold, in the order of the first list holding them all. */
function common(lists: readonly string[][]): string[] {
  const shared = [...new Set(lists.flat())].filter((item) => lists.filter((list) => list.includes(item)).length * 2 >= lists.length);
  const model = lists.find((list) => shared.every((item) => list.includes(item)));
  return model === undefined ? shared : model.filter((item) => shared.includes(item));
}

interface Shared {
  binds: string[];
  env: string[];
}

/** Words joined by spaces, broken into lines that stay within WIDTH after `prefix`. */
function wrapWords(words: readonly string[], prefix: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line !== "" && prefix.length + line.length + 1 + word.length > WIDTH) {
      lines.push(`${prefix}${line}`);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(`${prefix}${line}`);
  return lines;
}

function where(step: ContainerStep): string {
  if (step.transaction !== null) return "a snapshot of the stage, which becomes the stage if the step succeeds";
  return step.spec.ephemeral ? "a throw-away snapshot of the stage" : "the stage itself: changes persist";
}

function renderContainer(step: ContainerStep, shared: Shared): string[] {
  const lines = [`  runs:  ${step.spec.command.map(quoteWord).join(" ")}`, `  in:    ${where(step)}`];
  const binds = ownBinds(step);
  const extraBinds = binds.map(renderBind).filter((bind) => !shared.binds.includes(bind));
  const boundTo = new Set(binds.map((bind) => bind.to));
  const missing = shared.binds.filter((bind) => !boundTo.has(bind.slice(bind.lastIndexOf(" → ") + 3)));
  for (const bind of extraBinds) lines.push(`  bind:  ${bind}`);
  for (const bind of missing) lines.push(`  without the bind ${bind}`);
  const env = renderEnv(step.spec.env).filter((entry) => !shared.env.includes(entry));
  if (env.length > 0) lines.push(...wrapWords(env, "  env:   ").map((line, index) => (index === 0 ? line : `         ${line.trimStart()}`)));
  for (const file of step.etcPortage.portageFiles) {
    for (const line of file.text.split("\n").filter((text) => text !== "" && !text.startsWith("#"))) lines.push(`  ${file.name}: ${line}`);
  }
  if (step.etcPortage.stageBinrepos) lines.push(`  binrepos.conf: the stage's own, as etc_portage has none`);
  if (step.signing) lines.push(`  signs the binpkgs with ${step.signing.key}`);
  for (const file of step.files) lines.push(`  script ${file.containerPath ?? file.path}:`, indent(file.text, "    | "));
  return lines;
}

function renderHost(step: HostStep): string[] {
  const lines = [`  runs:  ${step.argv.map(quoteWord).join(" ")}`, "  in:    the host"];
  for (const file of step.files) lines.push(`  script ${file.path}:`, indent(file.text, "    | "));
  return lines;
}

/** file:line, relative to the config's directory where it lies below it. */
function shortOrigin(origin: string, config: string): string {
  const dir = config.slice(0, config.lastIndexOf("/") + 1);
  return dir !== "" && origin.startsWith(dir) ? origin.slice(dir.length) : origin;
}

export function renderCompactPlan(plan: Plan): string {
  const containers = plan.steps.filter((step): step is ContainerStep & StepOrder => step.kind === "container");
  const shared: Shared = { binds: common(containers.map((step) => ownBinds(step).map(renderBind))), env: common(containers.map((step) => renderEnv(step.spec.env))) };
  const header = renderPlanHeader(plan);
  const etcPortage = [...new Set(containers.map((step) => step.etcPortage.from))].join(", ");
  const sharedLines = containers.length === 0 ? [] : [
    `every container gets /etc/portage copied from ${etcPortage}, its own /var/log/portage, and:`,
    ...shared.binds.map((bind) => `  ${bind}`),
    ...wrapWords(shared.env, "  "),
  ];
  const steps = plan.steps.map((step, index) => {
    const head = `[${index + 1}/${plan.steps.length}] ${step.task.id}: ${step.task.title}`;
    const origin = shortOrigin(step.task.origin, plan.config);
    // A long head keeps its origin on a line of its own, so that lines stay within WIDTH.
    const heads = head.length + origin.length + 4 > WIDTH ? [head, `  from:  ${origin}`] : [`${head}  (${origin})`];
    return withGroupHead(plan, index, [...heads, ...(step.kind === "container" ? renderContainer(step, shared) : renderHost(step))].join("\n"));
  });
  const footer = "binpkgbot plan --verbose prints every step in full, with its systemd-nspawn command line";
  return [[...header.slice(0, -1), ...sharedLines].join("\n"), [header.at(-1) ?? "", ...steps].join("\n\n"), footer].join("\n\n") + "\n";
}
