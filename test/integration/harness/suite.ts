// The frame of an integration test file: one btrfs fixture for the file, made before its tests and
// removed after them; the tests skip where integration tests cannot run (a failure under CI, where
// BINPKGBOT_REQUIRE_INTEGRATION=1).
import { after, before } from "node:test";
import { createBtrfsFixture, integrationBlocker, type BtrfsFixture } from "./btrfs-fixture.js";

export interface IntegrationSuite {
  /** false, or why the tests are skipped: pass as `{ skip }`. */
  skip: string | false;
  /** The file's btrfs fixture (only inside tests and hooks). */
  fixture(): BtrfsFixture;
}

export async function integrationSuite(setUp?: (fixture: BtrfsFixture) => Promise<void>): Promise<IntegrationSuite> {
  const blocker = await integrationBlocker();
  if (blocker !== null && process.env.BINPKGBOT_REQUIRE_INTEGRATION === "1") throw new Error(blocker);
  let fixture: BtrfsFixture | undefined;
  before(async () => {
    if (blocker !== null) return;
    fixture = await createBtrfsFixture();
    await setUp?.(fixture);
  });
  after(async () => {
    await fixture?.teardown();
  });
  return {
    skip: blocker ?? false,
    fixture() {
      if (!fixture) throw new Error("the btrfs fixture exists only inside tests and hooks");
      return fixture;
    },
  };
}
