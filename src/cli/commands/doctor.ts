import { checkAll } from "../../doctor/checks.js";
import { renderFinding, renderSummary, type Finding } from "../../doctor/finding.js";
import { readDoctorFacts } from "../../doctor/read-facts.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";
import { MAX_WIDTH, wrapLine } from "../wrap.js";

export const doctorHelp = `usage: binpkgbot doctor [-c FILE]

Checks the host and the config and prints one line per finding, 'ok:', 'warning:' or
'problem:', each problem with its fix: systemd-nspawn and its version; the stage (exists, on
btrfs, a subvolume; when missing, its parent and filesystem); pkgdir, distdir and state_dir
writable; portage_repo; etc_portage and its make.conf; every bind's source (exists, a file or
directory like the stage's path it is bound on); binpkg-multi-instance where tasks build variants;
remote binhosts in binrepos.conf.
Changes nothing. Exits 0 when there is no problem, 4 otherwise.`;

export async function doctorCommand(context: CommandContext): Promise<number> {
  parseCommandArgs("doctor", { args: context.args, options: {}, strict: true });
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  const findings = checkAll(await readDoctorFacts(config, { exec: context.exec, env: context.env }));
  for (const finding of findings) for (const line of printedFinding(finding, context.columns)) context.stdout(line);
  context.stdout(renderSummary(findings));
  return findings.some((finding) => finding.level === "problem") ? ExitCode.host : ExitCode.ok;
}

/** One line per finding into a pipe (for grep); on a terminal wrapped to its width (at most 100), the fix on a line of its own. */
export function printedFinding(finding: Finding, columns: number | undefined): string[] {
  if (columns === undefined) return [renderFinding(finding)];
  const width = Math.min(columns, MAX_WIDTH);
  const lines = wrapLine(renderFinding({ ...finding, fix: undefined }), width);
  return finding.fix === undefined ? lines : [...lines, ...wrapLine(`    fix: ${finding.fix}`, width, "         ")];
}
