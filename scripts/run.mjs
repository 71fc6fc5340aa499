#!/usr/bin/env node
// Entry point behind the README's two commands (`npm test`, `npm run demo`).
// A fresh machine has only Node >= 20 and npm: this script provides pnpm through corepack (pinned with its
// hash in package.json#packageManager, so no signature lookup is needed), installs the workspace, builds it,
// and runs the requested task. It prints a plain "N passed, N failed" line at the end of `test`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const task = process.argv[2] ?? "test";
const toolsBin = join(root, ".tools", "bin");

const env = {
  ...process.env,
  PATH: `${toolsBin}${delimiter}${process.env.PATH ?? ""}`,
  TURBO_TELEMETRY_DISABLED: "1",
  DO_NOT_TRACK: "1",
  COREPACK_ENABLE_DOWNLOAD_PROMPT: "0",
};

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: "inherit", ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function must(command, args, options) {
  const status = run(command, args, options);
  if (status !== 0) {
    console.error(`[modelmesh] '${command} ${args.join(" ")}' exited with ${status}`);
    process.exit(status);
  }
}

function ensurePnpm() {
  if (existsSync(join(toolsBin, "pnpm"))) return;
  mkdirSync(toolsBin, { recursive: true });
  must("corepack", ["enable", "--install-directory", toolsBin, "pnpm"]);
}

function install() {
  const frozen = existsSync(join(root, "pnpm-lock.yaml")) ? ["--frozen-lockfile"] : [];
  must("pnpm", ["install", ...frozen, "--reporter=append-only"]);
}

/** Sums the JSON reports vitest wrote for every package into one plain closing line. */
function summarise(reportDir) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (existsSync(reportDir)) {
    for (const file of readdirSync(reportDir)) {
      if (!file.endsWith(".json")) continue;
      const report = JSON.parse(readFileSync(join(reportDir, file), "utf8"));
      passed += report.numPassedTests ?? 0;
      failed += report.numFailedTests ?? 0;
      skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
      if (report.success === false && (report.numFailedTests ?? 0) === 0) failed += report.numFailedTestSuites || 1;
    }
  }
  return { passed, failed, skipped };
}

ensurePnpm();
install();

if (task === "test") {
  const reportDir = join(root, ".vitest-results");
  rmSync(reportDir, { recursive: true, force: true });
  mkdirSync(reportDir, { recursive: true });
  const status = run("pnpm", ["turbo", "run", "build", "typecheck", "test", "--output-logs=errors-only", "--concurrency=2", "--continue"], {
    env: { ...env, MODELMESH_VITEST_REPORT_DIR: reportDir },
  });
  const { passed, failed, skipped } = summarise(reportDir);
  const turboFailed = status !== 0 && failed === 0 ? 1 : 0;
  if (turboFailed) console.error("[modelmesh] a build, typecheck or test task failed; see the output above");
  console.log(`${passed} passed, ${failed + turboFailed} failed, ${skipped} skipped`);
  process.exit(status === 0 && failed === 0 ? 0 : 1);
} else if (task === "demo") {
  must("pnpm", ["turbo", "run", "build", "--filter=@modelmesh/demo...", "--output-logs=errors-only"]);
  must("pnpm", ["--filter", "@modelmesh/demo", "start"]);
} else {
  must("pnpm", ["turbo", "run", task]);
}
