/** Serves a chat and a stream with the JSONL sink attached, then returns the parsed log lines. */
import { readFile } from "node:fs/promises";
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { ConnectorRegistry, createMesh } from "@modelmesh/core";
import { OBSERVABILITY_NODE_CONNECTORS } from "@modelmesh/observability/node";

/** One JSONL record. */
export type LogRecord = { kind: string; type?: string; timestamp: string } & Record<string, unknown>;

/**
 * Runs the example; `env` holds `UPSTREAM_URL`, `UPSTREAM_KEY` and `LOG_FILE`. Closing the mesh waits for
 * the file's pending writes, so the returned records are complete.
 * @example
 * const records = await run(env);
 */
export async function run(env: Record<string, string>): Promise<LogRecord[]> {
  const yaml = await readFile(new URL("../modelmesh.yaml", import.meta.url), "utf8");
  const registry = new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...OBSERVABILITY_NODE_CONNECTORS] });
  const mesh = await createMesh(yaml, { registry, env, file: "modelmesh.yaml" });
  try {
    await mesh.router.chat({ model: "chat", messages: [{ role: "user", content: "log me" }] });
    const { value } = await mesh.router.chatStream({ model: "chat", messages: [{ role: "user", content: "stream me" }] });
    for await (const _chunk of value) {
      // drain
    }
  } finally {
    await mesh.close();
  }
  const text = await readFile(env.LOG_FILE!, "utf8");
  return text.trim().split("\n").map((line) => JSON.parse(line) as LogRecord);
}
