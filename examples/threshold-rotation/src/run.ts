/** Sends a few requests to the `chat` pool and reports which provider served each and what went to standby. */
import { readFile } from "node:fs/promises";
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { ConnectorRegistry, createMesh, type RouteDeactivatedEvent } from "@modelmesh/core";

/** One request's story. */
export interface Served {
  content: string;
  /** `provider:ok|error-code` per attempt, in order. */
  attempts: string[];
}

/** What the example prints. */
export interface RotationResult {
  requests: Served[];
  /** Routes put on standby, with the reason. */
  deactivated: Array<{ routeId: string; reason: string }>;
  /** Connector ids of the pool's deactivation and recovery parts. */
  policies: { deactivation: string; recovery: string };
}

/**
 * Runs `count` requests against the pool. `env` holds `PRIMARY_URL` and `BACKUP_URL`.
 * @example
 * const result = await run({ PRIMARY_URL: a.url, BACKUP_URL: b.url }, 3);
 */
export async function run(env: Record<string, string>, count = 3): Promise<RotationResult> {
  const yaml = await readFile(new URL("../modelmesh.yaml", import.meta.url), "utf8");
  const mesh = await createMesh(yaml, { registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS] }), env, file: "modelmesh.yaml" });
  const deactivated: RotationResult["deactivated"] = [];
  mesh.events.on("route-deactivated", (event: RouteDeactivatedEvent) => deactivated.push({ routeId: event.routeId, reason: event.reason }));
  try {
    const requests: Served[] = [];
    for (let i = 1; i <= count; i++) {
      const { value, trace } = await mesh.router.chat({ model: "chat", messages: [{ role: "user", content: `request ${i}` }] });
      requests.push({ content: value.choices[0]?.message.content ?? "", attempts: trace.attempts.map((a) => `${a.providerId}:${a.ok ? "ok" : (a.error?.code ?? "error")}`) });
    }
    const pool = mesh.router.pools.get("chat")!;
    return { requests, deactivated, policies: { deactivation: pool.policies.deactivation.id, recovery: pool.policies.recovery.id } };
  } finally {
    await mesh.close();
  }
}
