// The one definition of binpkgbot-fleet.yml, in the schema language of src/config: the validation with
// key paths and schema/binpkgbot-fleet.schema.json for editors come from here.
import { object, required, string, type JsonSchema } from "../config/schema-kit.js";
import { record, type KeyRule } from "../config/schema-record.js";

/** A target's name is one path segment of the binhost's URLs and of a worker's store. */
export const TARGET_NAME = /^[a-z0-9][a-z0-9_-]*$/;

const targetKey: KeyRule = {
  pattern: TARGET_NAME, what: "a target name",
  hint: "name targets with lower-case letters, digits, '_' and '-', starting with a letter or digit, e.g. amd64-desktop",
};

const labelKey: KeyRule = {
  pattern: /^[a-z][a-z0-9_-]*$/, what: "a label name",
  hint: "name labels with lower-case letters, digits, '_' and '-', starting with a letter, e.g. arch",
};

/** Labels every target has: a PKGDIR's Packages header belongs to one arch and one profile. */
export const REQUIRED_LABELS = ["arch", "profile"] as const;

const labels = record(string("the label's value"), labelKey, "labels");
/** Editors learn the required labels too; the loader checks them with a hint each (fleet-labels.ts). */
const labelsSchema = { ...labels, json: () => ({ ...labels.json(), required: [...REQUIRED_LABELS] }) };

const targetSchema = object(
  {
    config: required(string("a path"), "the target's binpkgbot.yml, relative to the fleet file"),
    labels: required(
      labelsSchema,
      `what the target is: ${REQUIRED_LABELS.join(" and ")} (e.g. arch: amd64, profile: default/linux/amd64/23.0/systemd), and any label of your own; workers pick targets by them`,
    ),
  },
  "one target: a binpkgbot.yml (its own stage, PKGDIR and state) and its labels",
);

export const fleetSchema = object(
  {
    targets: required(
      record(targetSchema, targetKey, "the targets, by name"),
      "the targets, by name: each {config: PATH, labels: {arch: …, profile: …}}",
    ),
  },
  "binpkgbot-fleet.yml: several targets, each an ordinary binpkgbot.yml with labels",
);

export function renderFleetJsonSchema(): JsonSchema {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://github.com/binpkgbot/binpkgbot/schema/binpkgbot-fleet.schema.json",
    title: "binpkgbot-fleet.yml",
    ...fleetSchema.json(),
  };
}
