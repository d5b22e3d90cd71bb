import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Pure folders may not import anything that touches the filesystem, processes, environment or clock.
const effectfulModules = [
  "fs", "node:fs", "fs/promises", "node:fs/promises", "child_process", "node:child_process",
  "os", "node:os", "net", "node:net", "http", "node:http", "process", "node:process",
].map((name) => ({ name, message: "pure code: pass effects in as arguments (STYLE.md)" }));

export default tseslint.config(
  { ignores: ["build/", "node_modules/", "schema/", ".stryker-tmp/", "reports/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The dashboard's browser scripts (served as they are, no bundler).
    files: ["dashboard/**/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: Object.fromEntries(["window", "document", "fetch", "location", "URLSearchParams", "Node", "EventSource", "getComputedStyle",
        "devicePixelRatio", "setInterval", "console", "sessionStorage"].map((name) => [name, "readonly"])),
    },
  },
  {
    // The engine and the state it keeps do not depend on the dashboard: the dashboard calls them.
    files: ["src/engine/**/*.ts", "src/state/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/dashboard/*"], message: "the engine and state do not import the dashboard; move the piece to src/state or src/engine" }] }],
    },
  },
  {
    files: ["src/config/**/*.ts", "src/plan/**/*.ts", "src/portage/**/*.ts", "src/stage/layout-paths.ts", "src/container/nspawn-argv.ts",
      "src/daemon/schedule.ts", "src/daemon/cron.ts", "src/binhost/prune-plan.ts", "src/failure/**/*.ts",
      "src/report/report-entries.ts", "src/report/report-tar.ts", "src/report/report-facts.ts"],
    ignores: ["src/config/load*.ts", "src/config/write-*.ts"],
    rules: {
      "no-restricted-imports": ["error", { paths: effectfulModules }],
      "no-restricted-globals": ["error", { name: "process", message: "pure code: pass the environment in" }],
      "no-restricted-syntax": ["error",
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "pure code: pass the clock in" }],
      "no-restricted-properties": ["error",
        { object: "Date", property: "now", message: "pure code: pass the clock in" },
        { object: "Math", property: "random", message: "pure code: pass randomness in" }],
    },
  },
);
