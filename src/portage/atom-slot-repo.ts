// The `:slot/subslot=` and `::repo` parts of an atom.
// Slots: `_slot` in lib/portage/versions.py (PMS 3.1.3) and `_get_slot_dep_re`
// plus the checks after it in `Atom.__init__` (lib/portage/dep/__init__.py).
// Repositories: `_repo_name` there, `[\w][\w-]*`.
import { describeCharacter, findBadCharacter, parseFailure, type ParseFailure } from "./parse-result.js";

export type SlotFields = { slot?: string; subSlot?: string; slotOperator?: "=" | "*" };

const WORD = /^[A-Za-z0-9_]$/;
const SLOT_REST = /^[A-Za-z0-9_+.-]$/;
const REPO_REST = /^[A-Za-z0-9_-]$/;
const SLOT_HELP = "slots look like :0, :0/1.2, :2=, := or :*";

/** Parses text[start, end), the part after the single ':'. */
export function parseSlot(text: string, start: number, end: number): { ok: true; value: SlotFields } | ParseFailure {
  if (start === end) return parseFailure(`the slot is missing after ':' (${SLOT_HELP})`, start);
  const value: SlotFields = {};
  let i = start;
  if (WORD.test(text[i] ?? "")) {
    i = skipSlotName(text, i, end);
    value.slot = text.slice(start, i);
    if (text[i] === "/" && i + 1 < end && WORD.test(text[i + 1] ?? "")) {
      const subStart = i + 1;
      i = skipSlotName(text, subStart, end);
      value.subSlot = text.slice(subStart, i);
    } else if (text[i] === "/") {
      return parseFailure(`the sub-slot after '/' must start with a letter, digit or '_' (${SLOT_HELP})`, i + 1);
    }
  }
  const op = text[i];
  if (i < end && (op === "=" || op === "*")) {
    // Atom.__init__ rejects a slot name followed by the '*' operator.
    if (op === "*" && value.slot !== undefined) {
      return parseFailure(`':${value.slot}*' mixes a slot with the '*' slot operator; write :${value.slot} or :*`, i);
    }
    value.slotOperator = op;
    i++;
  }
  if (i < end) {
    return parseFailure(`${describeCharacter(text[i] ?? "")} is not allowed in a slot (${SLOT_HELP})`, i);
  }
  return { ok: true, value };
}

function skipSlotName(text: string, start: number, end: number): number {
  let i = start + 1;
  while (i < end && SLOT_REST.test(text[i] ?? "")) i++;
  return i;
}

/** Parses text from `start` (just after '::') to its end. */
export function parseRepo(text: string, start: number): { ok: true; value: string } | ParseFailure {
  if (start === text.length) return parseFailure("the repository name is missing after '::', e.g. ::gentoo", start);
  const bad = findBadCharacter(text, start, text.length, WORD, REPO_REST);
  if (bad === undefined) return { ok: true, value: text.slice(start) };
  if (text[bad] === ":") {
    return parseFailure("the slot must come before the repository, e.g. dev-lang/python:3.12::gentoo", bad);
  }
  return parseFailure(
    `${describeCharacter(text[bad] ?? "")} is not allowed in a repository name (letters, digits, '_', '-'; not starting with '-')`,
    bad,
  );
}
