// A worker's --labels (arch=amd64,profile=default/linux/amd64/23.0) as a record (pure).
export function parseLabels(text: string): { labels: Record<string, string> } | { problem: string } {
  const labels: Record<string, string> = {};
  if (text.trim() === "") return { labels };
  for (const pair of text.split(",")) {
    const at = pair.indexOf("=");
    const key = at < 0 ? "" : pair.slice(0, at).trim();
    const value = at < 0 ? "" : pair.slice(at + 1).trim();
    if (key === "" || value === "") return { problem: `--labels: '${pair}' is not KEY=VALUE; write e.g. --labels arch=amd64,profile=default/linux/amd64/23.0` };
    if (key in labels) return { problem: `--labels: ${key} is given twice; give each label once` };
    labels[key] = value;
  }
  return { labels };
}
