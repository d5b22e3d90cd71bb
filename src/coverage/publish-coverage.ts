// publish.when: covered: publish only when no declared server would compile. The same check as
// `binpkgbot coverage`, run after the tasks, under the run's stage lock.
import type { Config } from "../config/config.js";
import type { CoverageCheck } from "../releases/publish-config.js";
import type { CoverageDeps } from "./check-coverage.js";
import type { ServerCoverage } from "./coverage-report.js";

/** `record` keeps the results where `status` and the daemon read them, as `binpkgbot coverage` does. */
export function serversCoverageCheck(deps: CoverageDeps, record: (results: readonly ServerCoverage[]) => void = () => undefined): CoverageCheck {
  return {
    async check(config: Config) {
      const servers = config.servers ?? [];
      if (servers.length === 0) return null;
      // Loaded only where servers are declared: a run without them does not pay for the coverage code.
      const { checkCoverage } = await import("./check-coverage.js");
      const results = await checkCoverage(config, servers, deps);
      record(results);
      const gaps = results.filter((result) => result.status !== "covered");
      if (gaps.length === 0) return { covered: true, detail: `all ${results.length} server(s) covered` };
      return { covered: false, detail: `${gaps.map(describeGap).join("; ")} (binpkgbot coverage --suggest tells what to build)` };
    },
  };
}

function describeGap(result: ServerCoverage): string {
  switch (result.status) {
    case "covered":
      return `${result.server} is covered`;
    case "uncovered":
      return `${result.server} would compile ${result.compile.length} package(s)`;
    case "own-stage":
      return `${result.server} needs its own stage (${result.reason})`;
    case "error":
      return `${result.server} could not be checked (${result.message})`;
  }
}
