// `binpkgbot plan -c FLEET`: each target's plan as `plan` prints it for one config, headed by the
// target's name and labels; --json: one document with each target's plan.
import { planRun } from "../../plan/plan-run.js";
import { renderPlanText } from "../../plan/render-plan.js";
import { renderCompactPlan } from "../../plan/render-plan-compact.js";
import { makeRunId, readPlanHostFacts } from "../../engine/perform-run.js";
import type { CommandContext } from "../command-context.js";
import { ExitCode } from "../exit-codes.js";
import { describeTarget, type LoadedFleetFile } from "./load-fleet.js";

/** The version of the --json document across targets; each plan inside keeps its own. */
export const FLEET_PLAN_VERSION = 1;

export async function planFleet(context: CommandContext, loaded: LoadedFleetFile, how: { json: boolean; verbose: boolean }): Promise<number> {
  for (const warning of loaded.warnings) context.stderr(warning);
  const runId = makeRunId(context.now());
  const plans = [];
  for (const { target, config } of loaded.entries) {
    const facts = await readPlanHostFacts(context.exec, config.stage, context.env);
    plans.push({ target, config, plan: planRun({ config, host: facts.plan, runId }) });
  }
  if (how.json) {
    const targets = plans.map(({ target, config, plan }) => ({ name: target.name, labels: target.labels, config: config.file, plan }));
    context.stdout(JSON.stringify({ version: FLEET_PLAN_VERSION, fleet: loaded.fleet.path, targets }, null, 2));
    return ExitCode.ok;
  }
  plans.forEach(({ target, config, plan }, index) => {
    if (index > 0) context.stdout("");
    context.stdout(`=== target ${describeTarget(target)}: ${config.file}`);
    context.stdout((how.verbose ? renderPlanText(plan) : renderCompactPlan(plan)).trimEnd());
  });
  return ExitCode.ok;
}
