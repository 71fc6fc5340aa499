/** `pnpm start`: one rate-limited attempt, a retry, a stream; then prints the JSONL file. */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockProvider } from "@modelmesh/testing/server";
import { run } from "./run.js";

const key = "sk-example-observability-0123456789";
const mock = await startMockProvider({ apiKey: key, faults: [{ times: 1, fault: { kind: "rate-limit", retryAfter: 0 } }] });
const logFile = join(await mkdtemp(join(tmpdir(), "modelmesh-log-")), "events.jsonl");
try {
  const records = await run({ UPSTREAM_URL: mock.url, UPSTREAM_KEY: key, LOG_FILE: logFile });
  console.log(`${records.length} records in ${logFile}:`);
  console.log((await readFile(logFile, "utf8")).trim());
} finally {
  await mock.close();
}
