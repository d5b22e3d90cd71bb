// Plan → what `binpkgbot plan --verbose` prints for a person: every step in full. Pure.
// The default, compact form is in render-plan-compact.ts.
import type { ContainerStep, HostStep, Plan, Step } from "./plan.js";

/** Quotes an argv word for display only (POSIX sh single quotes); nothing executes this text. */
export function quoteWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function indent(text: string, prefix: string): string {
  return text.replace(/\n$/, "").split("\n").map((line) => `${prefix}${line}`).join("\n");
}

function describeContainer(step: ContainerStep): string {
  if (step.spec.ephemeral) return "throw-away snapshot of the stage (--ephemeral)";
  return step.transaction === null ? "the stage itself: changes persist" : `${step.spec.directory}, a snapshot that becomes the stage on success`;
}

function renderContainer(step: ContainerStep): string[] {
  const { spec } = step;
  const lines = [
    `  container: ${describeContainer(step)}, machine ${spec.machine}`,
    `  command:   ${spec.command.map(quoteWord).join(" ")}`,
    "  binds:",
    ...spec.binds.map((bind) => `    ${bind.writable ? "rw" : "ro"} ${bind.from} → ${bind.to}`),
    "  environment:",
    ...Object.entries(spec.env).map(([key, value]) => `    ${key}=${quoteWord(value)}`),
    `  /etc/portage: a copy of ${step.etcPortage.from}`,
  ];
  if (step.etcPortage.stageBinrepos) lines.push(`  /etc/portage/binrepos.conf: the stage's own (${step.etcPortage.stageBinrepos}) where ${step.etcPortage.from} has none`);
  if (step.etcPortage.trust) lines.push(`  /etc/portage/gnupg: made to trust the signing key ${step.etcPortage.trust.key} (ultimate owner trust), readable by all`);
  if (step.signing) lines.push(`  signing: binpkgs signed with ${step.signing.key}; a private copy of ${step.signing.gnupgHome} is bound writable, then removed`);
  for (const file of step.etcPortage.portageFiles) {
    lines.push(`  writes /etc/portage/${file.file}${file.name.startsWith("package.") ? ` (${file.name} becomes a directory if it is a file)` : ""}:`, indent(file.text, "    | "));
  }
  for (const file of step.files) lines.push(`  writes ${file.containerPath ?? file.path}:`, indent(file.text, "    | "));
  lines.push("  argv:", ...step.argv.map((word) => `    ${word}`));
  return lines;
}

function renderHost(step: HostStep): string[] {
  const lines = ["  on the host:"];
  for (const file of step.files) lines.push(`  writes ${file.path}:`, indent(file.text, "    | "));
  lines.push("  environment:", ...Object.entries(step.env).map(([key, value]) => `    ${key}=${quoteWord(value)}`));
  lines.push("  argv:", ...step.argv.map((word) => `    ${word}`));
  return lines;
}

function renderStep(step: Step, index: number, total: number): string {
  const head = `[${index + 1}/${total}] ${step.task.id}: ${step.task.title}  (${step.task.origin})`;
  const body = step.kind === "container" ? renderContainer(step) : renderHost(step);
  return [head, ...body, `  log: ${step.logFile}`].join("\n");
}

export function renderPlanText(plan: Plan): string {
  return [renderPlanHeader(plan).join("\n"), ...plan.steps.map((step, index) => withGroupHead(plan, index, renderStep(step, index, plan.steps.length)))].join("\n\n") + "\n";
}

/**
 * Before the first step of a group of throw-away steps (src/plan/step-graph.ts), a line saying which
 * steps do not depend on each other. It speaks of dependencies only: a run still goes one step at a time.
 */
export function withGroupHead(plan: Plan, index: number, text: string): string {
  const step = plan.steps[index];
  const size = step === undefined ? 0 : plan.groups[step.group]?.length ?? 0;
  if (step === undefined || size < 2 || plan.steps[index - 1]?.group === step.group) return text;
  const barrier = plan.steps.findIndex((other) => other.task.id === step.after[0]);
  return `steps ${index + 1} ${size === 2 ? "and" : "to"} ${index + size} do not depend on each other${barrier < 0 ? "" : `, only on step ${barrier + 1}`}:\n\n${text}`;
}

/** The plan's first lines, the same in both forms; the last one counts the steps. */
export function renderPlanHeader(plan: Plan): string[] {
  return [
    `plan ${plan.runId} for ${plan.config}`,
    `stage:  ${plan.stage}`,
    `pkgdir: ${plan.pkgdir}`,
    `lock:   ${plan.lockFile}`,
    `logs:   ${plan.logDir}`,
    ...plan.warnings.map((warning) => `warning: ${warning}`),
    plan.steps.length === 0 ? "nothing to do: the config has no tasks and no sync" : `${plan.steps.length} step(s):`,
  ];
}
