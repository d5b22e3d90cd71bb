// Work per key one piece after another (a failed piece does not stop the next), different keys side by
// side: a worker's transfers and its copy of a target are changed by one job of that target at a time.

export type KeyedSerial = <T>(key: string, work: () => Promise<T>) => Promise<T>;

export function keyedSerial(): KeyedSerial {
  const queues = new Map<string, Promise<unknown>>();
  return (key, work) => {
    const next = (queues.get(key) ?? Promise.resolve()).then(work, work);
    queues.set(key, next.catch(() => undefined));
    return next;
  };
}
