import path from "node:path";
import { collectReport, ReportCollectError } from "../../report/collect-report.js";
import { SERVER_NAME } from "../../report/reporting-servers.js";
import { renderReportTar } from "../../report/report-tar.js";
import { readTokenFile, TokenFileError } from "../../report/report-token.js";
import { reportUrl, ReportSendError, sendReport } from "../../report/send-report.js";
import type { CommandContext } from "../command-context.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { parseCommandArgs } from "../parse-args.js";

export const reportHelp = `usage: binpkgbot report --to URL --name NAME --token-file FILE [--root DIR]

Runs on a server (no binpkgbot.yml needed there) and sends its Portage state to the build host's
binpkgbot serve at URL, as one POST: /etc/portage (never /etc/portage/gnupg or files that look
like private keys; symlinks that point out, such as make.profile, are sent as their target only),
/var/lib/portage/world and world_sets, and what emerge --info says (profile, CHOST, ARCH, CFLAGS).
The build host keeps it as this server's copy (servers: NAME with report: true in its config).
--to          the build host's serve URL, e.g. http://binhost.lan:8736
--name        this server's name in the build host's servers: section
--token-file  a file holding this server's token (the same as its token_file on the build host)
--root        read DIR instead of / (a mounted server, or a test tree)
Exit codes: 0 stored, 2 usage, 4 the state cannot be read or the build host refused it.`;

export async function reportCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values } = parseCommandArgs("report", {
    args: context.args,
    options: { to: { type: "string" }, name: { type: "string" }, "token-file": { type: "string" }, root: { type: "string", default: "/" } },
    strict: true,
  });
  const missing = (["to", "name", "token-file"] as const).filter((key) => values[key] === undefined);
  if (missing.length > 0) throw new CliError(`report needs ${missing.map((m) => `--${m}`).join(", ")}: binpkgbot report --to http://binhost.lan:8736 --name web1 --token-file /etc/binpkgbot/report-token`, ExitCode.usage);
  const name = values.name!;
  if (!SERVER_NAME.test(name)) throw new CliError(`--name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-' (at most 64), as in the build host's servers: section`, ExitCode.usage);
  try {
    reportUrl(values.to!, name);
    const token = await readTokenFile(path.resolve(values["token-file"]!));
    const report = await collectReport({ root: path.resolve(values.root), name, exec: context.exec, signal });
    if (!report.facts.emergeInfo.ok) context.stderr(`warning: ${report.facts.emergeInfo.problem}`);
    for (const skipped of report.facts.skipped) context.stderr(`not sent: /${skipped.path}: ${skipped.reason}`);
    const answer = await sendReport({ to: values.to!, name, token, body: renderReportTar(report.members), signal });
    context.stdout(answer);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof ReportSendError) throw new CliError(error.message, error.message.startsWith("--to") ? ExitCode.usage : ExitCode.host, { cause: error });
    if (error instanceof TokenFileError) throw new CliError(`--token-file: ${error.message}`, ExitCode.usage, { cause: error });
    if (error instanceof ReportCollectError) throw new CliError(error.message, ExitCode.host, { cause: error });
    throw error;
  }
}
