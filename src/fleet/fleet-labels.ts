// A target's labels: arch and profile always, and values a worker can name on its command line
// (`binpkgbot worker --labels arch=amd64,profile=…` splits at ',' and the first '=').
import type { ConfigIssue, PathSegment } from "../config/issues.js";
import { REQUIRED_LABELS } from "./fleet-schema.js";

export function checkTargetLabels(labels: Readonly<Record<string, string>>, at: readonly PathSegment[], report: (issue: Omit<ConfigIssue, "file">) => void): void {
  for (const label of REQUIRED_LABELS) {
    if (!(label in labels)) {
      report({ path: at, message: `missing required label '${label}'`, hint: label === "arch" ? "add e.g. arch: amd64" : "add e.g. profile: default/linux/amd64/23.0/systemd" });
    }
  }
  for (const [key, value] of Object.entries(labels)) {
    if (value === "") {
      report({ path: [...at, key], message: `label '${key}' is empty`, hint: "give it a value, or remove the label" });
      continue;
    }
    const bad = value.search(/[\s,\p{Cc}]/u);
    if (bad !== -1) {
      report({
        path: [...at, key], offset: bad, message: `label '${key}' holds ${JSON.stringify(value[bad])}, which a worker's --labels cannot name`,
        hint: "write the value without spaces, commas or control characters",
      });
    }
  }
}
