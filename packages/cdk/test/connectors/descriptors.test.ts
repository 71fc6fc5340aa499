/**
 * Every CDK descriptor (providers, threshold rotation) registers on core's registry next to core's built-ins,
 * validates its snake_case block (errors carry the config path) and builds the class it names, with the context's
 * env, clock and transport. The service families' descriptors live in their own packages and are tested there.
 */
import { ConfigError, ConnectorRegistry, createManualClock, registerCoreConnectors, type ConnectorContext, type ConnectorType, type RotationRole } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { CDK_CONNECTORS } from "../../src/connectors/index.js";
import { CONNECTOR_ID_PATTERN } from "../../src/helpers/define-connector.js";
import { HttpApiProvider } from "../../src/providers/http-api-provider.js";
import { OpenAICompatibleProvider } from "../../src/providers/openai-compatible-provider.js";
import { QuickProvider } from "../../src/providers/quick-provider.js";
import { ThresholdRotationPolicy } from "../../src/services/threshold-rotation-policy.js";

const registry = registerCoreConnectors(new ConnectorRegistry({ connectors: [...CDK_CONNECTORS] }));
const transport = async () => {
  throw new Error("not used");
};
const context: ConnectorContext = { instanceId: "unit", clock: createManualClock(0), env: { OPENAI_KEY: "sk-from-env-0123456789" }, runtime: "node", transport };

function make(id: string, type: ConnectorType, config: unknown, role?: RotationRole) {
  return registry.create(id, config, context, { type, path: `section.${id}`, ...(role ? { role } : {}) });
}

describe("CDK connector descriptors", () => {
  it("have well-formed, unique ids and never shadow core's built-ins", () => {
    const all = [...CDK_CONNECTORS];
    expect(new Set(all.map((d) => d.id)).size).toBe(all.length);
    for (const descriptor of all) expect(descriptor.id).toMatch(CONNECTOR_ID_PATTERN);
    expect(all.map((d) => d.id)).not.toContain("modelmesh.threshold-deactivation.v1");
    expect(CDK_CONNECTORS.every((d) => d.runtime === "universal")).toBe(true);
    expect(new Set(CDK_CONNECTORS.map((d) => d.type))).toEqual(new Set(["provider", "rotation"]));
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
    const duration = await make("threshold-rotation", "rotation", { recovery: { cooldown: "soon" } }, "recovery").catch((caught: unknown) => caught);
    expect(ConfigError.is(duration)).toBe(true);
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
});
