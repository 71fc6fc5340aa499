/** End to end: routing events land in the JSONL file, one parseable record per line, secrets never. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { run } from "../src/run.js";

const KEY = "sk-jsonl-example-key-0123456789";
let mock: MockProvider;
let dir: string;
beforeAll(async () => {
  mock = await startMockProvider({ apiKey: KEY, faults: [{ times: 1, fault: { kind: "rate-limit", retryAfter: 0 } }] });
  dir = await mkdtemp(join(tmpdir(), "mm-example-jsonl-"));
});
afterAll(async () => {
  await mock.close();
  await rm(dir, { recursive: true, force: true });
});

it("writes every routing event as a JSON line, including the retried 429", async () => {
  const logFile = join(dir, "events.jsonl");
  const records = await run({ UPSTREAM_URL: mock.url, UPSTREAM_KEY: KEY, LOG_FILE: logFile });
  expect(records.every((record) => typeof record.type === "string" && typeof record.timestamp === "string")).toBe(true);
  const types = records.map((record) => record.type);
  expect(types.filter((type) => type === "request-start")).toHaveLength(2);
  expect(types.filter((type) => type === "request-end")).toHaveLength(2);
  expect(types).toContain("attempt-error");
  expect(types).toContain("stream-commit");
  expect(records.find((record) => record.type === "attempt-error")).toMatchObject({ category: "rate_limit", status: 429 });
  expect(await readFile(logFile, "utf8")).not.toContain(KEY);
});
