/**
 * The connector descriptor and the provider class on their own: registry resolution by id and alias, the
 * config path through `registry.create`, headers, base URL handling, catalogue and classification.
 */
import { ConfigError, ConnectorRegistry, systemClock } from "@modelmesh/core";
import { afterEach, describe, expect, it } from "vitest";
import { COHERE_MODELS, CohereProvider, connector, createCohereProvider } from "../src/index.js";
import { startRecordingServer, type RecordingServer } from "./support/capture-server.js";
import { fixture } from "./support/fixtures.js";

const open: Array<RecordingServer | CohereProvider> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

describe("cohere.chat.v2 connector", () => {
  it("is a universal v1 provider connector with id cohere.chat.v2 and alias cohere", () => {
    expect(connector).toMatchObject({ id: "cohere.chat.v2", type: "provider", specificationVersion: "v1", runtime: "universal", aliases: ["cohere"] });
    const registry = new ConnectorRegistry({ connectors: [connector] });
    expect(registry.resolve("cohere", { type: "provider", path: "p" }).id).toBe("cohere.chat.v2");
  });

  it("registry.create validates the block and takes the key from the env it is given", async () => {
    const server = await startRecordingServer({ json: fixture("cohere-text") });
    open.push(server);
    const registry = new ConnectorRegistry({ connectors: [connector] });
    const context = { instanceId: "co", clock: systemClock, env: { COHERE_API_KEY: "co-env-key" }, runtime: "node" as const };
    const provider = await registry.create<CohereProvider>("cohere", { base_url: `${server.url}/` }, context, { type: "provider", path: "providers.co" });
    open.push(provider);
    expect(provider).toBeInstanceOf(CohereProvider);
    expect(provider.id).toBe("co");
    await provider.complete({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hi" }] });
    expect(server.requests[0]!.path).toBe("/v2/chat");
    expect(server.requests[0]!.headers.authorization).toBe("Bearer co-env-key");
    const error = await registry.create("cohere", { base_url: server.url, max_token: 5 }, context, { type: "provider", path: "providers.co" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(JSON.stringify((error as ConfigError).issues)).toContain("max_token");
  });

  it("proxy_url routes every request through the proxy, the full target URL appended as path", async () => {
    const proxy = await startRecordingServer({ json: fixture("cohere-text") });
    open.push(proxy);
    const provider = createCohereProvider({ api_key: "k", proxy_url: proxy.url });
    open.push(provider);
    await provider.complete({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hi" }] });
    expect(proxy.requests[0]!.path).toBe("/https://api.cohere.com/v2/chat");
  });

  it("lists the catalogue by default and configured models completed from it", async () => {
    const provider = createCohereProvider({ api_key: "k" });
    open.push(provider);
    expect((await provider.listModels()).map((model) => model.id)).toEqual(COHERE_MODELS.map((model) => model.id));
    const configured = createCohereProvider({ api_key: "k", models: [{ id: "command-r-08-2024" }] });
    open.push(configured);
    expect(await configured.listModels()).toEqual([expect.objectContaining({ id: "command-r-08-2024", contextWindow: 128_000, pricing: { inputPerMillion: 0.15, outputPerMillion: 0.6 } })]);
  });

  it("classifies foreign errors with a Cohere status and falls back to cdk for the rest", () => {
    const provider = createCohereProvider({ api_key: "k" });
    open.push(provider);
    expect(provider.classifyError({ statusCode: 402, body: { message: "add a payment method" } })).toMatchObject({ category: "quota_exhausted" });
    expect(provider.classifyError(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })).category).toBe("network");
  });
});
