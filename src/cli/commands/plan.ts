import { planRun } from "../../plan/plan-run.js";
import { renderPlanText } from "../../plan/render-plan.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { makeRunId, readPlanHostFacts } from "../../engine/perform-run.js";
import { loadConfigOrFail } from "../load-config.js";

export const planHelp = `usage: binpkgbot plan [-c FILE] [--json]

Prints what 'binpkgbot run' would do, step by step: each container's command line as argv, its
binds and environment, and the text of every file it would write into the container. Starts
nothing. --json prints the same plan as a versioned JSON document.`;

export async function planCommand(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs("plan", { args: context.args, options: { json: { type: "boolean", default: false } }, strict: true });
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  const facts = await readPlanHostFacts(context.exec, config.stage, context.env);
  const plan = planRun({ config, host: facts.plan, runId: makeRunId(context.now()) });
  context.stdout(values.json ? JSON.stringify(plan, null, 2) : renderPlanText(plan).trimEnd());
  return 0;
}
