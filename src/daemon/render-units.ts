// The shipped systemd units with ExecStart pointed at a given binpkgbot and config. Pure: text in,
// text out. Quoting and escaping follow systemd.service(5) "Command lines" and systemd.unit(5)
// "Specifiers": '%' starts a specifier and '$' a variable, so both are doubled.

export const SHIPPED_BINARY = "/usr/bin/binpkgbot";
export const SHIPPED_CONFIG = "/etc/binpkgbot/binpkgbot.yml";

/** One argument of a systemd command line. */
export function quoteUnitArgument(argument: string): string {
  const escaped = argument.replaceAll("%", "%%").replaceAll("$", "$$$$");
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/**
 * Replaces the shipped binary in each ExecStart= with `command` (e.g. [node, /path/main.js]) and the
 * shipped config with `config`. Other lines are kept as they are.
 */
export function renderUnit(text: string, target: { command: readonly string[]; config: string }): string {
  return text
    .split("\n")
    .map((line) => {
      const match = /^ExecStart=(\S+)(.*)$/.exec(line);
      if (!match || match[1] !== SHIPPED_BINARY) return line;
      const rest = (match[2] ?? "").split(` ${SHIPPED_CONFIG}`).join(` ${quoteUnitArgument(target.config)}`);
      return `ExecStart=${target.command.map(quoteUnitArgument).join(" ")}${rest}`;
    })
    .join("\n");
}
