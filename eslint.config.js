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
    files: ["src/config/**/*.ts", "src/plan/**/*.ts", "src/portage/**/*.ts", "src/stage/layout-paths.ts", "src/container/nspawn-argv.ts",
      "src/daemon/schedule.ts", "src/daemon/cron.ts", "src/binhost/prune-plan.ts"],
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
