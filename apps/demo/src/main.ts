#!/usr/bin/env node
/**
 * `npm run demo` → `pnpm --filter @modelmesh/demo start` → this file.
 * Flags: `--fast` (or MODELMESH_DEMO_FAST=1) skips the pacing. Exit code 0 when every request was answered.
 */
import { runDemo } from "./run-demo.js";

const fast = process.argv.includes("--fast") || process.env.MODELMESH_DEMO_FAST === "1";
const controller = new AbortController();
const onSignal = () => controller.abort(new Error("interrupted"));
process.once("SIGINT", onSignal);
process.once("SIGTERM", onSignal);

try {
  const report = await runDemo({ fast, signal: controller.signal });
  process.exitCode = report.requests.every((r) => r.ok) ? 0 : 1;
} catch (error) {
  if (controller.signal.aborted) process.exitCode = 130;
  else {
    console.error(error);
    process.exitCode = 1;
  }
} finally {
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
}
