// `server: NAME` and `server: all` tasks against the `servers:` section. Pure: tasks and servers in,
// one task per server out, and an issue at the task's `server` key for a name no server has.
import type { Server, ServerTask, Task, TaskOrigin } from "./config.js";
import type { ConfigIssue } from "./issues.js";

/** As written, before the servers are known: `server` may be 'all'. */
export function normalizeServerTask(server: string, origin: TaskOrigin): ServerTask {
  return { kind: "server", id: serverTaskId(server), server, persist: false, origin };
}

function serverTaskId(server: string): string {
  return `server-${server}`;
}

/** Each `server: all` becomes one task per declared server, in their order; unknown names are issues. */
export function resolveServerTasks(tasks: readonly Task[], servers: readonly Server[], issues: ConfigIssue[]): Task[] {
  const names = servers.map((server) => server.name);
  return tasks.flatMap((task): Task[] => {
    if (task.kind !== "server") return [task];
    const where = { file: task.origin.file, path: [...task.origin.path, "server"] };
    if (task.server === "all") {
      if (names.length === 0) issues.push({ ...where, message: "server: all, but no servers are declared", hint: "declare the servers under servers: (name, etc_portage and world, or report: true)" });
      return names.map((name) => ({ ...task, id: serverTaskId(name), server: name }));
    }
    if (names.includes(task.server)) return [task];
    issues.push({
      ...where, message: `no server named '${task.server}' in servers:`,
      hint: names.length > 0 ? `use one of: ${names.join(", ")}, or all` : "declare it under servers: (name, etc_portage and world, or report: true)",
    });
    return [];
  });
}
