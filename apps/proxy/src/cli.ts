#!/usr/bin/env node
/** The `modelmesh` bin: runs the CLI on the process's argv and exits with its code. */
import { runCli } from "./cli-main.js";

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
