// One line of the doctor's report, and how it is printed. Pure.

export type FindingLevel = "ok" | "warning" | "problem";

export interface Finding {
  level: FindingLevel;
  /** What was checked: "systemd-nspawn", "stage", "pkgdir", a config key … */
  subject: string;
  message: string;
  /** What to do, the exact command where there is one. */
  fix?: string;
}

/** `problem: stage: /srv/stage does not exist; fix: binpkgbot stage init …` */
export function renderFinding(finding: Finding): string {
  const fix = finding.fix === undefined ? "" : `; fix: ${finding.fix}`;
  return `${finding.level}: ${finding.subject}: ${finding.message}${fix}`;
}

export function renderSummary(findings: readonly Finding[]): string {
  const count = (level: FindingLevel): number => findings.filter((finding) => finding.level === level).length;
  const problems = count("problem");
  const warnings = count("warning");
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (problems === 0 && warnings === 0) return "no problems found";
  return `${plural(problems, "problem")}, ${plural(warnings, "warning")}`;
}
