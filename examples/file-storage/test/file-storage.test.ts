/** End to end: a standby decided in one mesh survives a restart through the local-file storage connector. */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { run } from "../src/run.js";

let primary: MockProvider;
let backup: MockProvider;
let stateDir: string;
beforeAll(async () => {
  primary = await startMockProvider();
  backup = await startMockProvider();
  stateDir = await mkdtemp(join(tmpdir(), "mm-example-state-"));
});
afterAll(async () => {
  await primary.close();
  await backup.close();
  await rm(stateDir, { recursive: true, force: true });
});

it("remembers a failing provider across a restart", async () => {
  const env = { PRIMARY_URL: primary.url, BACKUP_URL: backup.url, STATE_DIR: stateDir };
  const remove = primary.fault({ fault: { kind: "status", status: 503 } });
  expect(await run(env)).toEqual(["primary:MM_SERVER", "backup:ok"]);
  remove();

  const files = await readdir(stateDir);
  expect(files.length).toBeGreaterThan(0);
  const saved = await Promise.all(files.map((file) => readFile(join(stateDir, file), "utf8")));
  const decoded = saved.map((text) => Buffer.from((JSON.parse(text) as { data: string }).data, "base64").toString("utf8")).join("\n");
  expect(decoded).toContain("primary");

  // A new mesh over the same directory: the healthy primary is still on standby, so the backup serves.
  expect(await run(env)).toEqual(["backup:ok"]);
  expect(primary.calls).toHaveLength(1);
});
