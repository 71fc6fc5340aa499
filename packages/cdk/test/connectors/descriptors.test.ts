/**
 * Every CDK descriptor registers on core's registry next to core's built-ins, validates its snake_case block
 * (errors carry the config path) and builds the class it names, with the context's env, clock and transport.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, ConnectorRegistry, createManualClock, registerCoreConnectors, type ConnectorContext, type ConnectorType, type RotationRole } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CDK_CONNECTORS } from "../../src/connectors/index.js";
import { CDK_NODE_CONNECTORS } from "../../src/connectors/node.js";
import { CONNECTOR_ID_PATTERN } from "../../src/helpers/define-connector.js";
import { HttpApiProvider } from "../../src/providers/http-api-provider.js";
import { OpenAICompatibleProvider } from "../../src/providers/openai-compatible-provider.js";
import { QuickProvider } from "../../src/providers/quick-provider.js";
import { NullObservability } from "../../src/services/base-observability.js";
import { MemorySecretStore } from "../../src/services/base-secret-store.js";
import { BaseStorage } from "../../src/services/base-storage.js";
import { ConsoleObservability } from "../../src/services/console-observability.js";
import { EnvSecretStore } from "../../src/services/env-secret-store.js";
import { FileObservability } from "../../src/services/file-observability.js";
import { FileSecretStore } from "../../src/services/file-secret-store.js";
import { HttpHealthDiscovery } from "../../src/services/http-health-discovery.js";
import { KeyValueStorage } from "../../src/services/key-value-storage.js";
import { ThresholdRotationPolicy } from "../../src/services/threshold-rotation-policy.js";

const registry = registerCoreConnectors(new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...CDK_NODE_CONNECTORS] }));
const transport = async () => {
  throw new Error("not used");
};
const context: ConnectorContext = { instanceId: "unit", clock: createManualClock(0), env: { OPENAI_KEY: "sk-from-env-0123456789" }, runtime: "node", transport };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mm-descriptors-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function make(id: string, type: ConnectorType, config: unknown, role?: RotationRole) {
  return registry.create(id, config, context, { type, path: `section.${id}`, ...(role ? { role } : {}) });
}

describe("CDK connector descriptors", () => {
  it("have well-formed, unique ids and never shadow core's built-ins", () => {
    const all = [...CDK_CONNECTORS, ...CDK_NODE_CONNECTORS];
    expect(new Set(all.map((d) => d.id)).size).toBe(all.length);
    for (const descriptor of all) expect(descriptor.id).toMatch(CONNECTOR_ID_PATTERN);
    expect(all.map((d) => d.id)).not.toContain("modelmesh.threshold-deactivation.v1");
    expect(CDK_NODE_CONNECTORS.every((d) => d.runtime === "node")).toBe(true);
    expect(CDK_CONNECTORS.every((d) => d.runtime === "universal")).toBe(true);
  });

  it("build providers from snake_case blocks, with the context's transport and instance id", async () => {
    const block = { base_url: "http://127.0.0.1:9/v1", api_key: "sk-test-0123456789", models: [{ id: "m", capabilities: ["generation.text-generation.chat-completion"] }] };
    const compatible = await make("openai-compatible", "provider", block);
    expect(compatible).toBeInstanceOf(OpenAICompatibleProvider);
    expect(compatible).toMatchObject({ id: "unit", connectorId: "modelmesh.openai-compatible.v1" });
    expect((compatible as unknown as { transport: unknown }).transport).toBe(transport);
    expect(await make("http-api", "provider", { ...block, completion_endpoint: "/generate", response_mapping: { content: "output" } })).toBeInstanceOf(HttpApiProvider);
    expect(await make("quick", "provider", { base_url: "http://127.0.0.1:9/v1" })).toMatchObject({ connectorId: "modelmesh.quick.v1" });
    expect(await make("modelmesh.quick.v1", "provider", block)).toBeInstanceOf(QuickProvider);
  });

  it("name the invalid key's config path", async () => {
    const error = await make("openai-compatible", "provider", { base_url: 42 }).catch((caught: unknown) => caught);
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues.map((issue) => issue.path)).toContain("section.openai-compatible.config.base_url");
    const duration = await make("health-monitor", "discovery", { interval: "soon" }).catch((caught: unknown) => caught);
    expect((duration as ConfigError).issues.map((issue) => issue.path)).toEqual(["section.health-monitor.config.interval"]);
  });

  it("build threshold rotation parts from a pool entry", async () => {
    const pool = { deactivation: { retry_limit: 2, error_rate_window: 10 }, recovery: { cooldown: "30s", cooldown_growth: 3, max_cooldown: "10m" } };
    const deactivation = await make("threshold-rotation", "rotation", pool, "deactivation");
    expect(deactivation).toBeInstanceOf(ThresholdRotationPolicy);
    expect(deactivation).toMatchObject({ id: "modelmesh.threshold-rotation.v1" });
    const recovery = (await make("threshold-rotation-recovery", "rotation", pool, "recovery")) as ThresholdRotationPolicy;
    const snapshot = { cooldownLevel: 1 } as Parameters<ThresholdRotationPolicy["recoveryTime"]>[0];
    expect(recovery.recoveryTime(snapshot, "error_threshold", 0)).toBe(90_000);
    await expect(make("threshold-rotation", "rotation", pool, "recovery")).rejects.toMatchObject({ code: "MM_CONNECTOR_INVALID" });
  });

  it("build secret stores, storage, observability and discovery", async () => {
    const env = (await make("env", "secret-store", { store: "env", prefix: "" })) as EnvSecretStore;
    expect(env).toBeInstanceOf(EnvSecretStore);
    expect(await env.get("openai-key")).toBe("sk-from-env-0123456789");
    const memory = (await make("memory-secrets", "secret-store", { secrets: { a: "b" } })) as MemorySecretStore;
    expect(await memory.get("a")).toBe("b");
    await writeFile(join(dir, ".env"), "TOKEN=from-dotenv\n");
    expect(await ((await make("dotenv", "secret-store", { path: join(dir, ".env") })) as FileSecretStore).get("TOKEN")).toBe("from-dotenv");
    await writeFile(join(dir, "s.json"), JSON.stringify({ prod: { key: "from-json" } }));
    expect(await ((await make("json-secrets", "secret-store", { path: join(dir, "s.json"), json_path: "prod" })) as FileSecretStore).get("key")).toBe("from-json");
    expect(await make("memory", "storage", { connector: "memory", sync_policy: "immediate" })).toBeInstanceOf(BaseStorage);
    const file = (await make("local-file", "storage", { path: join(dir, "state"), locking: { ttl: "5s", timeout: "1s" } })) as KeyValueStorage;
    expect(file).toMatchObject({ backend: "file", directory: join(dir, "state") });
    expect(await make("console", "observability", { connector: "console", level: "summary", use_color: false })).toBeInstanceOf(ConsoleObservability);
    expect(await make("null", "observability", {})).toBeInstanceOf(NullObservability);
    const jsonl = (await make("json-log", "observability", { path: join(dir, "log.jsonl"), max_size: "1MB" })) as FileObservability;
    expect(jsonl).toMatchObject({ id: "modelmesh.json-log.v1", filePath: join(dir, "log.jsonl") });
    expect(await make("file", "observability", {})).toMatchObject({ id: "modelmesh.file.v1", filePath: "modelmesh.log" });
    const health = await make("health-monitor", "discovery", { endpoints: { p: "http://127.0.0.1:9/v1" }, interval: "1s", health_path: "/models" });
    expect(health).toBeInstanceOf(HttpHealthDiscovery);
  });

  it("refuse to run Node-only connectors in a browser context", async () => {
    const error = await registry.create("local-file", {}, { ...context, runtime: "browser" }, { type: "storage", path: "storage" }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "MM_CONNECTOR_INVALID" });
  });
});
