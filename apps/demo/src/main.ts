#!/usr/bin/env node
/**
 * `npm run demo` → `pnpm --filter @modelmesh/demo start` → this file.
 * Flags: `--fast` (or MODELMESH_DEMO_FAST=1) skips the pacing. Exit code 0 when every request was answered,
 * 130 when interrupted.
 */
import { runDemo } from "./run-demo.js";

const fast = process.argv.includes("--fast") || process.env.MODELMESH_DEMO_FAST === "1";
const controller = new AbortController();
let readerGone = false;
const onSignal = () => controller.abort(new Error("interrupted"));
process.once("SIGINT", onSignal);
process.once("SIGTERM", onSignal);
// `npm run demo | head`: the reader went away. Stop the story (closing everything) and leave quietly.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  readerGone = true;
  controller.abort(error);
});

try {
  const report = await runDemo({ fast, signal: controller.signal });
  process.exitCode = report.requests.every((r) => r.ok) ? 0 : 1;
} catch (error) {
  if (readerGone) process.exitCode = 0;
  else if (controller.signal.aborted) process.exitCode = 130;
  else {
    console.error(error);
    process.exitCode = 1;
  }
} finally {
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
}
