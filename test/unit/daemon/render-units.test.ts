import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { quoteUnitArgument, renderUnit } from "../../../src/daemon/render-units.js";
import { repoRoot } from "../../support/fixtures.js";

const shipped = (name: string): string => readFileSync(path.join(repoRoot, "systemd", name), "utf8");

describe("renderUnit", () => {
  it("points ExecStart at the given binpkgbot and config, and keeps the rest", () => {
    const text = renderUnit(shipped("binpkgbot.service"), { command: ["/usr/bin/node", "/opt/binpkgbot/main.js"], config: "/srv/bpb/binpkgbot.yml" });
    assert.match(text, /^ExecStart=\/usr\/bin\/node \/opt\/binpkgbot\/main\.js daemon -c \/srv\/bpb\/binpkgbot\.yml$/m);
    assert.match(text, /^KillMode=mixed$/m);
    assert.match(text, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m, "ExecReload is not ours to rewrite");
    const run = renderUnit(shipped("binpkgbot-run.service"), { command: ["/usr/local/bin/binpkgbot"], config: "/etc/b.yml" });
    assert.match(run, /^ExecStart=\/usr\/local\/bin\/binpkgbot run -c \/etc\/b\.yml$/m);
  });

  it("quotes and escapes what systemd would read otherwise", () => {
    assert.equal(quoteUnitArgument("/srv/my configs/b.yml"), '"/srv/my configs/b.yml"');
    assert.equal(quoteUnitArgument("/srv/100%/b.yml"), "/srv/100%%/b.yml");
    assert.equal(quoteUnitArgument("/srv/$HOME"), '"/srv/$$HOME"');
    assert.equal(quoteUnitArgument('/a"b\\c'), '"/a\\"b\\\\c"');
  });
});
