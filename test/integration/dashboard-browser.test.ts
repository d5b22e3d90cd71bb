// The dashboard in a real browser (Debian's chromium, headless, through puppeteer-core) against the
// state database of a real run on btrfs: each page loads without console errors or failed requests,
// shows the tasks and their results, the live log grows while a task prints, and each page is saved
// as a PNG under test-output/screenshots/ for a reviewer to look at. With a real redis-server given by
// --redis, the Workers page shows the fleet's workers from their heartbeats.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { writeWorkerStatus } from "../../src/fleet/queue/worker-status.js";
import { repoRoot } from "../support/fixtures.js";
import { startRedis, type TestRedis } from "./harness/redis-server.js";
import { integrationSuite } from "./harness/suite.js";
import { configText, createWorld, startCli, type CliResult, type World } from "./support/world.js";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "0123456789abcdef0123456789abcdef";
const SCREENSHOTS = path.join(repoRoot, "test-output", "screenshots");
const suite = await integrationSuite();
const skip = suite.skip || (existsSync(CHROMIUM) ? false : `no ${CHROMIUM}: install Debian's chromium package`)
  || (existsSync("/usr/bin/redis-server") ? false : "no /usr/bin/redis-server: install Debian's redis-server package");

// The printer prints a line a second, so the live log can be seen growing.
const TASKS = [
  "  - install: app-misc/plain",
  "  - install: app-misc/broken",
  "  - run: {persist: false, name: printer, script: 'for i in 1 2 3 4 5 6 7 8; do echo printer-line-$i; sleep 1; done'}",
].join("\n");

interface Session { page: Page; problems: string[] }

async function openPage(browser: Browser, url: string): Promise<Session> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1000, height: 800 });
  const problems: string[] = [];
  page.on("console", (message) => { if (message.type() === "error") problems.push(`console: ${message.text()}`); });
  page.on("pageerror", (error) => problems.push(`page error: ${(error as Error).message}`));
  page.on("requestfailed", (request) => {
    // The live page closes its event stream itself on the task's end event (dashboard/live.js); Chromium
    // reports a stream closed from the page's side as aborted, whether or not the server had ended it.
    if (request.url().includes("/live/") && request.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ""}`);
  });
  page.on("response", (response) => { if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`); });
  await page.goto(url, { waitUntil: "networkidle2" });
  return { page, problems };
}

async function waitForText(page: Page, text: string, timeout = 15_000): Promise<void> {
  // A string, run in the page: this file is compiled without the DOM's types.
  await page.waitForFunction(`document.body.innerText.includes(${JSON.stringify(text)})`, { timeout });
}

describe("the dashboard in chromium", { skip }, () => {
  let world: World;
  let browser: Browser;
  let dashboard: { url: string; stop(): Promise<CliResult> };
  let run: Promise<CliResult>;
  let redis: TestRedis;

  before(async () => {
    world = await createWorld(suite.fixture().dir);
    await writeFile(path.join(world.root, "dashboard-token"), `${TOKEN}\n`);
    await writeFile(world.config, configText(world, `sync: false\ndashboard: {token_file: dashboard-token}\ntasks:\n${TASKS}\n`));
    await mkdir(SCREENSHOTS, { recursive: true });
    redis = await startRedis();
    run = startCli(["run", "-c", world.config]).done;
    const served = startCli(["dashboard", "--listen", "127.0.0.1:0", "--redis", redis.url, "-c", world.config]);
    const url = await new Promise<string>((resolve, reject) => {
      let text = "";
      served.child.stdout?.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        const match = /dashboard at (http:\/\/\S+?)\/\s/.exec(text);
        if (match) resolve(match[1] ?? "");
      });
      void served.done.then((result) => reject(new Error(`binpkgbot dashboard ended: ${result.stderr}`)));
    });
    dashboard = { url, stop: () => (served.child.exitCode === null && served.child.signalCode === null && served.child.kill("SIGTERM"), served.done) };
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  });

  after(async () => {
    await browser?.close();
    await dashboard?.stop();
    await run;
    await redis?.stop();
  });

  it("shows a running task's log growing while it prints, then its end", async () => {
    const printerRunning = async (): Promise<boolean> => {
      const overview = (await (await fetch(`${dashboard.url}/api/overview`)).json()) as { running: { tasks: { taskId: string; result: string }[] } | null };
      return overview.running?.tasks.some((task) => task.taskId === "printer" && task.result === "running") ?? false;
    };
    for (let i = 0; i < 600 && !(await printerRunning()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const { page, problems } = await openPage(browser, `${dashboard.url}/live?task=printer`);
    await waitForText(page, "printer-line-2");
    const early = await page.$eval("#log", (node) => node.textContent ?? "");
    assert.doesNotMatch(early, /printer-line-8/, "the page opened while the task was still printing");
    await waitForText(page, "printer-line-5");
    await page.screenshot({ path: path.join(SCREENSHOTS, "live-log.png"), fullPage: true });
    await waitForText(page, "ended: succeeded", 30_000);
    assert.match(await page.$eval("#log", (node) => node.textContent ?? ""), /printer-line-1[\s\S]*printer-line-8/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("loads each page without errors, showing the tasks and their results", async () => {
    const result = await run;
    assert.equal(result.code, 1, `the run fails (app-misc/broken): ${result.stderr.slice(-2000)}`);
    const pages: [string, string, string[]][] = [
      ["overview", "/", ["Last run", "failed", "Failing tasks", "app-misc/broken"]],
      ["runs", "/runs", ["run 1", "failed"]],
      ["run", "/run?id=1", ["Run 1", "printer", "succeeded", "failed (build)", "app-misc/plain"]],
      ["task", "/task?id=printer", ["Task printer", "History", "succeeded"]],
      ["packages", "/packages?q=plain", ["app-misc/plain"]],
    ];
    for (const [name, url, texts] of pages) {
      const { page, problems } = await openPage(browser, `${dashboard.url}${url}`);
      for (const text of texts) await waitForText(page, text);
      if (name === "run" || name === "task") await page.waitForSelector(".chart canvas");
      if (name === "task") {
        // printer has one result: its chart spans hours around it, not years.
        const span = await page.$eval(".chart", (node) => {
          const plot = (node as unknown as { plot: { scales: { x: { min: number; max: number } } } }).plot;
          return plot.scales.x.max - plot.scales.x.min;
        });
        assert.ok(span > 0 && span <= 2 * 3600, `the task chart spans ${span} s`);
      }
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
      assert.deepEqual(problems, [], `${name}: ${problems.join("; ")}`);
      await page.close();
    }
  });

  it("shows the fleet's workers from their heartbeats: signer, labels, load, the jobs running where", async () => {
    const admin = new Redis(redis.url);
    const now = new Date().toISOString();
    await writeWorkerStatus(admin, {
      id: "build1-4242-a1b2c3", hostname: "build1", labels: { arch: "amd64", site: "lab" }, concurrency: 4, load: 1.75, signer: true,
      targets: ["amd64-desktop"], skipped: [], running: [{ target: "amd64-desktop", task: "install-www-client-firefox", jobId: "r.install-www-client-firefox", since: now }], seenAt: now,
    });
    await writeWorkerStatus(admin, {
      id: "build2-4343-d4e5f6", hostname: "build2", labels: { arch: "amd64" }, concurrency: 2, load: 0.5, signer: false, targets: [],
      skipped: [{ target: "amd64-desktop", reason: "amd64-desktop signs its binpkgs: only workers started with --signer build it" }], running: [], seenAt: now,
    });
    admin.disconnect();
    const { page, problems } = await openPage(browser, `${dashboard.url}/`);
    await page.waitForSelector("nav a[href='/workers']");
    await page.close();
    const workers = await openPage(browser, `${dashboard.url}/workers`);
    for (const text of ["2 workers", "build1-4242-a1b2c3", "build1", "signer", "arch=amd64, site=lab", "1.75", "1/4", "amd64-desktop: install-www-client-firefox", "build2-4343-d4e5f6", "idle", "only workers started with --signer"]) {
      await waitForText(workers.page, text);
    }
    assert.equal(await workers.page.$$eval("td .signer", (nodes) => nodes.length), 1, "one signer");
    await workers.page.screenshot({ path: path.join(SCREENSHOTS, "workers.png"), fullPage: true });
    assert.deepEqual([...problems, ...workers.problems], []);
    await workers.page.close();
  });

  it("holds and resumes upgrades from the overview after logging in with the token", async () => {
    const { page, problems } = await openPage(browser, `${dashboard.url}/`);
    await waitForText(page, "Failing tasks");
    const click = async (label: string): Promise<void> => {
      const buttons = await page.$$("section[aria-label=actions] button[type=button]");
      const texts = await Promise.all(buttons.map((button) => button.evaluate((node) => node.textContent)));
      await buttons[texts.indexOf(label)]?.click();
    };
    await click("Hold upgrades");
    await page.waitForSelector("#token", { visible: true });
    await page.type("#token", TOKEN);
    await page.keyboard.press("Enter");
    await waitForText(page, "upgrades held at plain");
    assert.ok(existsSync(path.join(`${world.stage}.generations`, "hold.json")), "the hold file is written");
    await click("Resume upgrades");
    await waitForText(page, "upgrades resumed");
    assert.equal(existsSync(path.join(`${world.stage}.generations`, "hold.json")), false);
    assert.deepEqual(problems, []);
    await page.close();
    const log = (await dashboard.stop()).stderr;
    assert.match(log, /dashboard action hold: upgrades held at plain/);
    assert.match(log, /dashboard action resume: upgrades resumed/);
  });
});
