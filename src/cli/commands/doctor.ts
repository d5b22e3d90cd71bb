import { parseArgs } from "node:util";
import { checkAll } from "../../doctor/checks.js";
import { renderFinding, renderSummary } from "../../doctor/finding.js";
import { readDoctorFacts } from "../../doctor/read-facts.js";
import type { CommandContext } from "../command-context.js";
import { ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";

export const doctorHelp = `usage: binpkgbot doctor [-c FILE]

Checks the host and the config and prints one line per finding, 'ok:', 'warning:' or
'problem:', each problem with its fix: systemd-nspawn and its version; the stage (exists, on
btrfs, a subvolume; when missing, its parent and filesystem); pkgdir, distdir and state_dir
writable; portage_repo; etc_portage and its make.conf; every bind's source (exists, a file or
directory like the stage's path it is bound on); binpkg-multi-instance where tasks build variants;
remote binhosts in binrepos.conf.
Changes nothing. Exits 0 when there is no problem, 4 otherwise.`;

export async function doctorCommand(context: CommandContext): Promise<number> {
  parseArgs({ args: context.args, options: {}, strict: true });
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  const findings = checkAll(await readDoctorFacts(config, { exec: context.exec, env: context.env }));
  for (const finding of findings) context.stdout(renderFinding(finding));
  context.stdout(renderSummary(findings));
  return findings.some((finding) => finding.level === "problem") ? ExitCode.host : ExitCode.ok;
}
