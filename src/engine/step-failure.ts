// What the engine keeps of a step's output to say why it failed, and the Failure it makes of it
// (src/failure/classify.ts decides the class; loaded when a step fails, not at every run's start).
import { withoutNspawnNoise } from "../container/run-container.js";
import type { ExecResult } from "../exec/exec.js";
import type { FailureEvidence, PortageLogDir } from "../failure/classify.js";
import type { Failure } from "../failure/failure.js";
import type { Step } from "../plan/plan.js";

/** Enough for Portage's longest messages (a slot conflict, a build's last lines), bounded whatever a build prints. */
export const OUTPUT_TAIL_BYTES = 64 * 1024;

/**
 * The last `limit` bytes of stdout and stderr, interleaved as they came. Kept as bytes, in a buffer of
 * its own that is overwritten in a circle (chunks' buffers are reused), and decoded only when a step
 * failed: a build's output is never decoded on its way to the log.
 */
export class OutputTail {
  private readonly ring: Buffer;
  /** Where the next byte goes. */
  private end = 0;
  private length = 0;

  constructor(private readonly limit = OUTPUT_TAIL_BYTES) {
    this.ring = Buffer.alloc(limit);
  }

  push(chunk: Buffer): void {
    const last = chunk.subarray(Math.max(0, chunk.length - this.limit));
    const first = last.copy(this.ring, this.end);
    last.copy(this.ring, 0, first);
    this.end = (this.end + last.length) % this.limit;
    this.length = Math.min(this.limit, this.length + last.length);
  }

  /** A character cut at the start by the limit decodes as U+FFFD, which no classifier pattern needs. */
  text(): string {
    const start = (this.end - this.length + this.limit) % this.limit;
    const kept = start + this.length <= this.limit ? this.ring.subarray(start, start + this.length) : Buffer.concat([this.ring.subarray(start), this.ring.subarray(0, this.end)]);
    return kept.toString("utf8");
  }
}

/** A step whose command ran and failed (or was stopped); `oomKills` comes from its memory cgroup (src/container/run-container.ts). */
export async function ranStepFailure(step: Step, result: Pick<ExecResult, "code" | "signal"> & { oomKills?: number }, tail: OutputTail, interrupted: boolean): Promise<Failure> {
  return classify({
    output: withoutNspawnNoise(tail.text()),
    exitCode: result.code,
    signal: result.signal,
    ...(result.oomKills === undefined ? {} : { oomKills: result.oomKills }),
    interrupted,
    started: true,
    portageLogDir: portageLogDir(step),
  });
}

/** A step that threw before or while starting its command: the host could not run it. */
export async function unstartedStepFailure(step: Step, error: unknown, interrupted: boolean): Promise<Failure> {
  const message = error instanceof Error ? error.message : String(error);
  return classify({ output: "", exitCode: null, signal: null, interrupted, started: false, error: message, portageLogDir: portageLogDir(step) });
}

async function classify(evidence: FailureEvidence): Promise<Failure> {
  return (await import("../failure/classify.js")).classifyFailure(evidence);
}

/** Where a container step's PORTAGE_LOGDIR is bound from (src/plan/plan-run.ts). */
function portageLogDir(step: Step): PortageLogDir | null {
  if (step.kind !== "container") return null;
  const bind = step.spec.binds.find((candidate) => candidate.from === step.portageLogDir);
  return bind ? { inContainer: bind.to, onHost: step.portageLogDir } : null;
}
