import { planRun } from "../../plan/plan-run.js";
import { renderPlanText } from "../../plan/render-plan.js";
import { renderCompactPlan } from "../../plan/render-plan-compact.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { makeRunId, readPlanHostFacts } from "../../engine/perform-run.js";
import { ExitCode } from "../exit-codes.js";
import { planFleet } from "../fleet/fleet-plan.js";
import { loadConfigOrFleetOrFail } from "../fleet/load-fleet.js";

export const planHelp = `usage: binpkgbot plan [-c FILE] [--verbose | --json] [--target NAME]

Prints what 'binpkgbot run' would do, step by step: what each step runs, in which container, its
USE flags, keywords, masks and scripts; the binds and environment the containers share, once.
Starts nothing.
  --verbose   every step in full: each bind, the environment, each file it writes, and its argv
  --json      the same plan as a versioned JSON document
  --target    with a fleet file (-c binpkgbot-fleet.yml): only this target's plan; without it, every
              target's, each headed by its name and labels`;

export async function planCommand(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs("plan", { args: context.args, options: { json: { type: "boolean", default: false }, verbose: { type: "boolean", default: false }, target: { type: "string" } }, strict: true });
  const loaded = loadConfigOrFleetOrFail(context.configFile, values.target);
  if (loaded.kind === "fleet") return planFleet(context, loaded, values);
  const { config, warnings } = loaded;
  for (const warning of warnings) context.stderr(warning);
  const facts = await readPlanHostFacts(context.exec, config.stage, context.env);
  const plan = planRun({ config, host: facts.plan, runId: makeRunId(context.now()) });
  if (values.json) context.stdout(JSON.stringify(plan, null, 2));
  else context.stdout((values.verbose ? renderPlanText(plan) : renderCompactPlan(plan)).trimEnd());
  return ExitCode.ok;
}
