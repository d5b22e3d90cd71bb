// A binpkgbot command to run next, as a message from a run names it: with `-c` and the config's
// absolute path, so that it works as written from any directory (a mail, the journal of a timer).
import { quoteWord } from "../plan/render-plan.js";

export function binpkgbotCommand(configFile: string, words: string): string {
  return `binpkgbot ${words} -c ${quoteWord(configFile)}`;
}
