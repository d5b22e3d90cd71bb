// Signing targets go to signer workers only, and the key never travels: what a job, a target record
// and a heartbeat carry of the signing is the key's id and the path of its GnuPG home on the signer.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue } from "../../../src/config/issues.js";
import { loadConfig } from "../../../src/config/load.js";
import { describeMissingSigner, refuseSigning, targetSigning } from "../../../src/fleet/queue/signer.js";
import { planStepJob } from "../../../src/fleet/queue/step-job.js";
import { planRun } from "../../../src/plan/plan-run.js";
import { memoryFiles } from "../../support/memory-files.js";

const FPR = "E67C13262597AA179EC281182D6BD441E432C98F";
const text = `stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\nsigning: {key: '${FPR}', gnupg_home: /etc/binpkgbot/gnupg}\ntasks:\n  - install: a/b\n`;
const loaded = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": text }));
if (!loaded.ok) assert.fail(loaded.issues.map(formatIssue).join("\n"));
const { config } = loaded;
const signing = { key: FPR, gnupgHome: "/etc/binpkgbot/gnupg" };

test("a target's record names its key and GnuPG home; a target without signing none", () => {
  assert.deepEqual(targetSigning(config), signing);
  assert.equal(targetSigning({ signing: null }), null);
});

test("a worker that is no signer refuses a signing target, saying who builds it", () => {
  assert.equal(refuseSigning("amd64", signing, { signer: false }, null),
    `amd64 signs its binpkgs (signing.key ${FPR}): only workers started with --signer, on a host with that key in /etc/binpkgbot/gnupg, build it`);
});

test("a signer takes it where its key signs here, else refuses it in one line with the fix", () => {
  assert.equal(refuseSigning("amd64", signing, { signer: true }, null), null);
  const refused = refuseSigning("amd64", signing, { signer: true }, "gpg: signing failed: No secret key") ?? "";
  assert.match(refused, /^--signer, but this host cannot sign amd64's binpkgs with key E67C\w+ from \/etc\/binpkgbot\/gnupg: gpg: signing failed: No secret key; put the key there \(gpg --homedir \/etc\/binpkgbot\/gnupg --import SECRET-KEY\.asc\)/);
  assert.doesNotMatch(refused, /\n/);
});

/** Every string anywhere in a JSON value, with its key path. */
function strings(value: unknown, at = "$"): [string, string][] {
  if (typeof value === "string") return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, `${at}[${index}]`));
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([key, item]) => strings(item, `${at}.${key}`));
  return [];
}

test("no job of a signing target carries key material: the signing fields are the key's id and paths, nothing else", () => {
  const plan = planRun({ config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "r" });
  assert.ok(plan.steps.length >= 2);
  for (const step of plan.steps) {
    const job = JSON.parse(JSON.stringify(planStepJob(plan, "amd64", step, { stageGeneration: "plain", fingerprint: null }))) as Record<string, unknown>;
    const found = strings(job);
    for (const [at, value] of found) {
      assert.doesNotMatch(value, /BEGIN PGP|PRIVATE KEY|\(private-key/i, `${step.task.id} ${at}`);
      if (/signing|trust|gnupg/i.test(at)) {
        assert.ok(value === FPR || value.startsWith("/"), `${step.task.id}: ${at} is the key's id or a path, not ${value.slice(0, 40)}`);
      }
    }
    const jobStep = job.step as { kind: string; signing: Record<string, unknown> | null; etcPortage: { trust: Record<string, unknown> | null } };
    assert.equal(jobStep.kind, "container");
    if (jobStep.signing !== null) assert.deepEqual(Object.keys(jobStep.signing).sort(), ["copy", "gnupgHome", "key", "lockDir"]);
    assert.deepEqual(Object.keys(jobStep.etcPortage.trust ?? {}).sort(), ["gnupgHome", "key"]);
    const mentions = found.filter(([, value]) => value.includes("/etc/binpkgbot/gnupg")).map(([at]) => at.replace(/\[\d+\]/g, "[]"));
    for (const at of mentions) assert.match(at, /\.(gnupgHome|signing\.gnupgHome|trust\.gnupgHome)$/, `the GnuPG home is named only as a path: ${at}`);
  }
});

test("the coordinator warns when no signer worker for a signing target is running, with the command to start one", () => {
  const target = { name: "amd64", labels: { arch: "amd64", profile: "default/linux/amd64/23.0" } };
  const worker = (extra: { labels?: Record<string, string>; signer?: boolean; skipped?: { target: string; reason: string }[] }) => ({ labels: { arch: "amd64" }, signer: true, skipped: [], ...extra });
  assert.equal(describeMissingSigner(target, null, []), null, "a target that does not sign needs no signer");
  assert.equal(describeMissingSigner(target, signing, [worker({})]), null);
  assert.equal(describeMissingSigner(target, signing, [worker({}), worker({ signer: false })]), null);
  const missing = `amd64 signs its binpkgs, and no signer worker for it is running: its jobs wait until one is (binpkgbot worker --redis URL --labels arch=amd64,profile=default/linux/amd64/23.0 --signer, on a host with key ${FPR} in /etc/binpkgbot/gnupg)`;
  assert.equal(describeMissingSigner(target, signing, []), missing);
  assert.equal(describeMissingSigner(target, signing, [worker({ signer: false })]), missing, "a worker that is no signer");
  assert.equal(describeMissingSigner(target, signing, [worker({ labels: { arch: "arm64" } })]), missing, "a signer for another arch");
  assert.equal(describeMissingSigner(target, signing, [worker({ skipped: [{ target: "amd64", reason: "no key" }] })]), missing, "a signer without the key");
});
