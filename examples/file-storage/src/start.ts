/** `pnpm start`: two lifetimes of the mesh over one state directory. */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockProvider } from "@modelmesh/testing/server";
import { run } from "./run.js";

const primary = await startMockProvider();
const backup = await startMockProvider();
const env = { PRIMARY_URL: primary.url, BACKUP_URL: backup.url, STATE_DIR: await mkdtemp(join(tmpdir(), "modelmesh-state-")) };
try {
  const remove = primary.fault({ fault: { kind: "status", status: 503 } });
  console.log(`first run:  ${(await run(env)).join(" → ")}`);
  remove();
  console.log(`state files: ${(await readdir(env.STATE_DIR)).join(", ")}`);
  console.log(`second run: ${(await run(env)).join(" → ")}   (primary is healthy again, but its standby was saved)`);
} finally {
  await rm(env.STATE_DIR, { recursive: true, force: true });
  await primary.close();
  await backup.close();
}
