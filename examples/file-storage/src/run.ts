/** One "process lifetime": build the mesh (loading saved state), serve a request, close (saving state). */
import { readFile } from "node:fs/promises";
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { ConnectorRegistry, createMesh } from "@modelmesh/core";
import { STORAGE_CONNECTORS } from "@modelmesh/storage";

/**
 * Runs one lifetime; `env` holds `PRIMARY_URL`, `BACKUP_URL` and `STATE_DIR`. Returns the providers tried,
 * in order (`primary:MM_SERVER`, `backup:ok`, …).
 * @example
 * await run(env); // primary fails → standby, saved
 * await run(env); // a new mesh loads the standby: straight to backup
 */
export async function run(env: Record<string, string>): Promise<string[]> {
  const yaml = await readFile(new URL("../modelmesh.yaml", import.meta.url), "utf8");
  const registry = new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...STORAGE_CONNECTORS] });
  const mesh = await createMesh(yaml, { registry, env, file: "modelmesh.yaml" });
  try {
    const { trace } = await mesh.router.chat({ model: "chat", messages: [{ role: "user", content: "hello" }] });
    return trace.attempts.map((attempt) => `${attempt.providerId}:${attempt.ok ? "ok" : (attempt.error?.code ?? "error")}`);
  } finally {
    await mesh.close();
  }
}
