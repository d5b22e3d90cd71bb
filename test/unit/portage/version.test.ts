import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { endsWithVersion, isValidVersion, scanVersion } from "../../../src/portage/version.js";

// `_vr` from lib/portage/versions.py, the pattern the scanner must agree with.
const PORTAGE_VR = /^(\d+)((\.\d+)*)([a-z]?)((_(pre|p|beta|alpha|rc)\d*)*)(-r(\d+))?$/;

const samples = [
  "1", "0", "1.2.3", "1.2.3b", "1.0_rc1", "1.0_p", "1.0_pre", "1.0_pre1_p2", "1.0-r1", "1.0-r0", "2024.01.01",
  "1.0_alpha1_beta2_pre3_rc4_p5-r6", "1a", "1.0a_p1-r2", "9999",
  "", "a", "1.", ".1", "1..2", "1.0-", "1.0-r", "1.0r1", "1.0_", "1.0_x", "1.0_rc1x", "1ab", "1.0-r1-r2",
  "1.0_RC1", "1-1", "v1", "1.0 ", "1_p1.2", "1.0-ra", "1b.2", "01", "1.0_prerc",
  // A suffix needs its '_'; the letter is one of a-z, 'z' included.
  "1.0.p1", "1.0Xrc1", "1.0-rc1", "1z", "1.0z_p1", "1~",
];

describe("versions", () => {
  for (const sample of samples) {
    it(`${JSON.stringify(sample)} agrees with versions.py _vr`, () => {
      assert.equal(isValidVersion(sample), PORTAGE_VR.test(sample));
    });
  }

  it("scanVersion stops at the first character that breaks the version", () => {
    assert.equal(scanVersion("1.0.x"), 3);
    assert.equal(scanVersion("1.0-r"), 3);
    assert.equal(scanVersion("1.0_rc1x"), 7);
    assert.equal(scanVersion("x1"), 0);
    assert.equal(scanVersion("pkg-1.0", 4), 3);
  });

  it("endsWithVersion finds names that PMS forbids", () => {
    assert.equal(endsWithVersion("emacs-2048"), true);
    assert.equal(endsWithVersion("foo-1.0-r1"), true);
    assert.equal(endsWithVersion("font-adobe-100dpi"), false);
    assert.equal(endsWithVersion("foo-r1"), false);
    assert.equal(endsWithVersion("xf86-video-amdgpu"), false);
    assert.equal(endsWithVersion("-1"), false);
  });
});
