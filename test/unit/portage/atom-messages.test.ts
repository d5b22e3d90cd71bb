import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { parseAtom, type ParseAtomOptions } from "../../../src/portage/atom.js";

// The fixture tables (atom.test.ts) check where an atom breaks; these pin the
// whole message, since the message is what tells the user the fix.
const SLOT_HELP = "(slots look like :0, :0/1.2, :2=, := or :*)";
const PACKAGE_CHARS = "(letters, digits, '_', '+', '-')";
const NO_CATEGORY = "'x265' has no category: write it as category/package; emerge --search '%^x265$' shows its category";
const SUB_SLOT = `the sub-slot after '/' must start with a letter, digit or '_' ${SLOT_HELP}`;

const rejected: [text: string, offset: number, message: string, options?: ParseAtomOptions][] = [
  // The search hint names the atom's cpv part, without the slot or repository.
  ["x265:0", 0, NO_CATEGORY],
  // The '/' of a sub-slot is not the category's.
  ["x265:0/1", 0, NO_CATEGORY],
  // Nothing to search for after a lone operator.
  ["~", 1, "'' has no category: write it as category/package, e.g. app-misc/tmux"],
  // The suggested fix keeps the cpv and drops the slot.
  [">=cat/pkg-1*:0", 11, "a trailing '*' version glob only works with '=', e.g. =cat/pkg-1*"],
  [
    "cat/foo-1:0",
    7,
    "'cat/foo-1' ends in a version but has no version operator; " +
      "write =cat/foo-1 for exactly that version, >=cat/foo-1 for it or newer, or cat/foo for any version",
  ],
  // versions.py _cat and _pkg: a category may contain '.', a package name may not.
  ["ca@t/pkg", 2, "'@' is not allowed in a category (letters, digits, '_', '+', '.', '-')"],
  ["cat/p.kg", 5, `'.' is not allowed in a package name ${PACKAGE_CHARS}`],
  ["=cat/f.o-1.0", 6, `'.' is not allowed in a package name ${PACKAGE_CHARS}`],
  ["=cat/f.o", 6, `'.' is not allowed in a package name ${PACKAGE_CHARS}`],
  ["=cat/f.o-1.x", 6, `'.' is not allowed in a package name ${PACKAGE_CHARS}`],
  ["*/-1", 2, "a package name must start with a letter, digit or '_', not '-'", { allowWildcard: true }],
  // Atom.__init__: a build ID is an int without leading zeros.
  [
    "=cat/pkg-1.0-01",
    13,
    "'01' is not a build ID (a whole number without leading zeros); a revision is written -r1, e.g. =cat/pkg-1.0-r1",
  ],
  // versions.py _v: only _pre, _p, _beta, _alpha, _rc may follow '_'.
  [
    "=cat/pkg-1_2",
    10,
    "'1_2' is not a valid version (versions look like 1.2.3, 1.2.3b, 1.2_rc1, 1.2-r3) at '_'",
  ],
  // Trailing hyphens are not repeated in the example.
  [">=cat/pkg--", 11, "version operator '>=' needs a version, e.g. >=cat/pkg-1.0"],
  // A '*' in the slot is the slot's problem, not a '**' in the name.
  ["cat/*:**", 7, `'*' is not allowed in a slot ${SLOT_HELP}`, { allowWildcard: true }],
  ["cat/pkg:", 8, `the slot is missing after ':' ${SLOT_HELP}`],
  // versions.py _slot: a sub-slot, like a slot, starts with [\w].
  ["cat/pkg:0/", 10, SUB_SLOT],
  ["cat/pkg:0/-1", 10, SUB_SLOT],
  ["cat/pkg:0/.1", 10, SUB_SLOT],
  ["cat/pkg::gen.too", 12, "'.' is not allowed in a repository name (letters, digits, '_', '-'; not starting with '-')"],
  // '!' only starts a blocker; elsewhere it is an ordinary bad character.
  ["cat/pk!g", 6, "'!' is not allowed in an atom ('cat/pk!g')"],
  ["cat/pk~g", 6, "'~' may only start an atom, as part of a version operator (>=, >, =, <=, <, ~)"],
  [
    "cat/pkg[foo",
    7,
    "USE dependencies like '[foo' are not accepted in package.* files " +
      "(package.use and package.accept_keywords ignore the whole line); put the flags after the atom instead: 'cat/pkg foo'",
  ],
  [
    "@world:x",
    6,
    "':' is not allowed in a set name (letters, digits and '_', then also '+', '.', '-'), e.g. @world or @preserved-rebuild",
    { allowSet: true },
  ],
  ["cat/pkg\r", 7, "a line break is not allowed in an atom ('cat/pkg\r')"],
];

describe("parseAtom messages", () => {
  for (const [text, offset, message, options] of rejected) {
    it(JSON.stringify(text), () => {
      assert.deepEqual(parseAtom(text, options), { ok: false, message, offset });
    });
  }
});

// Each result holds exactly the fields the atom has: no undefined operator,
// slot or repository to trip a caller that checks `"repo" in atom`.
const accepted: [text: string, fields: Record<string, unknown>][] = [
  ["cat/pkg", { category: "cat", package: "pkg" }],
  ["cat/pkg::gentoo", { category: "cat", package: "pkg", repo: "gentoo" }],
  ["cat/pkg:2::gentoo", { category: "cat", package: "pkg", slot: "2", repo: "gentoo" }],
  [">=cat/pkg-1.0", { operator: ">=", category: "cat", package: "pkg", version: "1.0" }],
  ["=cat/pkg-1.0*", { operator: "=", category: "cat", package: "pkg", version: "1.0", globVersion: true }],
  ["=cat/pkg-1.0-3", { operator: "=", category: "cat", package: "pkg", version: "1.0", buildId: 3 }],
  ["cat/pkg:=", { category: "cat", package: "pkg", slotOperator: "=" }],
];

describe("parseAtom returns only the fields an atom has", () => {
  for (const [text, fields] of accepted) {
    it(text, () => {
      assert.deepEqual(parseAtom(text), { ok: true, atom: { kind: "package", text, ...fields, wildcard: false } });
    });
  }
});
