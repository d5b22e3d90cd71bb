// Queries on elog messages: what the packages a task merged said, kept with the task's result.
import type Database from "better-sqlite3";
import type { ElogClass, ElogMessage } from "./elog.js";

export interface ElogQueries {
  recordElog(taskResultId: number, messages: readonly ElogMessage[]): void;
  elogMessages(taskResultId: number): ElogMessage[];
}

export function elogQueries(db: Database.Database): ElogQueries {
  const insert = db.prepare<[number, string, string, string, string]>(
    "INSERT INTO elog_messages (task_result_id, package, class, phase, text) VALUES (?, ?, ?, ?, ?)",
  );
  const ofTask = db.prepare<[number], { package: string; class: ElogClass; phase: string; text: string }>(
    "SELECT package, class, phase, text FROM elog_messages WHERE task_result_id = ? ORDER BY id",
  );
  const insertAll = db.transaction((taskResultId: number, messages: readonly ElogMessage[]) => {
    for (const message of messages) insert.run(taskResultId, message.package, message.class, message.phase, message.text);
  });
  return {
    recordElog: (taskResultId, messages) => insertAll.immediate(taskResultId, messages),
    elogMessages: (taskResultId) => ofTask.all(taskResultId).map((row) => ({ ...row })),
  };
}
