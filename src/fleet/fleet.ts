// A fleet: several targets (an ordinary binpkgbot.yml each, with labels) named in one fleet file.
export interface FleetTarget {
  /** The key in the fleet file: [a-z0-9][a-z0-9_-]*, unique. One path segment in URLs and stores. */
  name: string;
  /** Absolute path of the target's binpkgbot.yml. */
  configPath: string;
  /** arch and profile always present; any other label the admin adds. */
  labels: Readonly<Record<string, string>>;
}
export interface Fleet {
  /** Absolute path of the fleet file. */
  path: string;
  targets: readonly FleetTarget[];
}
/** A worker's --labels match a target when every label the worker names has the target's value. */
export function labelsMatch(worker: Readonly<Record<string, string>>, target: Pick<FleetTarget, "labels">): boolean {
  return Object.entries(worker).every(([key, value]) => target.labels[key] === value);
}
