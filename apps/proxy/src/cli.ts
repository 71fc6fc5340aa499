#!/usr/bin/env node
/** The `modelmesh` bin: runs the CLI on the process's argv and exits with its code. */
import { runCli } from "./cli-main.js";

/** Lets stdout drain and the event loop empty; forces the exit if a handle lingers. */
function exit(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 200).unref();
}

runCli(process.argv.slice(2)).then(exit, (error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  exit(1);
});
