// How status, history and the run's messages print a time: UTC, to the second, 2026-11-26 03:15:00Z.
export function formatTime(date: Date): string {
  return date.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
}
