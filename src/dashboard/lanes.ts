// Pure: which lane of a run's timeline each task goes in. Tasks that overlap in time ran in different
// containers, so the number of lanes is the most containers that ran at once; a task takes the lowest
// lane free at its start (interval partitioning, greedy by start time, which is optimal).

export interface Interval {
  start: number;
  /** null: still running; it holds its lane until `now`. */
  end: number | null;
}

export function assignLanes(intervals: readonly Interval[], now: number): number[] {
  const order = intervals.map((_, index) => index).sort((a, b) => (intervals[a]?.start ?? 0) - (intervals[b]?.start ?? 0) || a - b);
  const laneEnds: number[] = [];
  const lanes = new Array<number>(intervals.length).fill(0);
  for (const index of order) {
    const interval = intervals[index] as Interval;
    const end = interval.end ?? now;
    let lane = laneEnds.findIndex((laneEnd) => laneEnd <= interval.start);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = Math.max(end, interval.start);
    lanes[index] = lane;
  }
  return lanes;
}
