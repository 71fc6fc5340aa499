/**
 * The provider class and its connector descriptor against a capture server: identity, catalogue and
 * discovery, headers and endpoints, `max_tokens` defaults, transports (fetch, undici, CORS proxy),
 * accounting, unsupported media calls, SDK error classification and config validation.
 */
import Anthropic from "@anthropic-ai/sdk";
import { createUndiciTransport } from "@modelmesh/cdk/node";
import { ConnectorRegistry, systemClock, type ChatCompletionRequest } from "@modelmesh/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AnthropicProvider, ANTHROPIC_MODELS, connector, createAnthropicProvider } from "../src/index.js";
import { startCaptureServer, type CaptureServer } from "./support/capture-server.js";
import { fixture } from "./support/fixtures.js";

const KEY = "sk-ant-api03-provider-0123456789abcdef";
const ASK: ChatCompletionRequest = { model: "claude-haiku-4-5", messages: [{ role: "user", content: "Hi" }] };

let capture: CaptureServer;
beforeAll(async () => {
  capture = await startCaptureServer({ json: fixture("anthropic-text") });
});
afterAll(() => capture.close());
beforeEach(() => {
  capture.clear();
  capture.reply({ json: fixture("anthropic-text") });
});

describe("AnthropicProvider", () => {
  it("defaults: api.anthropic.com, anthropic.claude.v1, the catalogue, chat capabilities", async () => {
    const provider = new AnthropicProvider({ apiKey: KEY });
    expect(provider.id).toBe("api.anthropic.com");
    expect(provider.connectorId).toBe("anthropic.claude.v1");
    expect((await provider.listModels()).map((model) => model.id)).toEqual(ANTHROPIC_MODELS.map((model) => model.id));
    expect(provider.getCapabilities()).toContain("generation.text-generation.chat-completion");
    expect(provider.getCapabilities().filter((path) => path.startsWith("representation.embeddings"))).toEqual([]);
    expect((await provider.listModels()).find((model) => model.id === "claude-sonnet-4-5")?.pricing).toEqual({ inputPerMillion: 3, outputPerMillion: 15 });
    await provider.close();
  });

  it("POST /v1/messages with lower-cased config headers and comma-joined betas", async () => {
    const provider = createAnthropicProvider({ base_url: `${capture.url}/`, api_key: KEY, headers: { "X-Team": "core" }, betas: "a-2025-01-01, b-2025-02-02" });
    await provider.complete(ASK);
    const [request] = capture.requests;
    expect(request).toMatchObject({ method: "POST", path: "/v1/messages" });
    expect(request!.headers).toMatchObject({ "x-team": "core", "anthropic-beta": "a-2025-01-01,b-2025-02-02", "anthropic-version": "2023-06-01", "x-api-key": KEY });
    expect(request!.headers["anthropic-dangerous-direct-browser-access"]).toBeUndefined();
    await provider.close();
  });

  it("max_tokens: the catalogue value for aliases and dated ids, 4096 when unknown, default_max_tokens first", async () => {
    const provider = createAnthropicProvider({ base_url: capture.url, api_key: KEY });
    await provider.complete({ ...ASK, model: "claude-opus-4-1-20250805" });
    await provider.complete({ ...ASK, model: "claude-3-5-haiku-20241022" });
    await provider.complete({ ...ASK, model: "some-gateway-model" });
    expect(capture.requests.map((request) => request.body.max_tokens)).toEqual([32_000, 8_192, 4_096]);
    const sized = createAnthropicProvider({ base_url: capture.url, api_key: KEY, default_max_tokens: 1024 });
    await sized.complete(ASK);
    expect(capture.requests.at(-1)!.body.max_tokens).toBe(1024);
    await Promise.all([provider.close(), sized.close()]);
  });

  it("reports the answer's usage, which the router prices from the catalogue's per-1M prices", async () => {
    const provider = createAnthropicProvider({ base_url: capture.url, api_key: KEY });
    const completion = await provider.complete(ASK);
    // anthropic-text.json: 2095 input, 503 output tokens; claude-haiku-4-5 costs $1 / $5 per 1M.
    expect(completion.usage).toMatchObject({ prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598 });
    expect((await provider.listModels()).find((model) => model.id === "claude-haiku-4-5")?.pricing).toEqual({ inputPerMillion: 1, outputPerMillion: 5 });
    await provider.close();
  });

  it("request errors raised by the mapping carry provider and model", async () => {
    const provider = createAnthropicProvider({ base_url: capture.url, api_key: KEY }, { id: "claude" });
    const error = await provider.complete({ ...ASK, n: 3 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "MM_INVALID_REQUEST", provider: "claude", model: "claude-haiku-4-5" });
    const streamError = await (async () => {
      for await (const _ of provider.stream({ ...ASK, messages: [{ role: "function", name: "f", content: "x" }] })) void _;
    })().catch((caught: unknown) => caught);
    expect(streamError).toMatchObject({ code: "MM_INVALID_REQUEST", provider: "claude" });
    expect(capture.requests).toHaveLength(0);
    await provider.close();
  });

  it("a stream request answered with JSON: a message becomes chunks, an error envelope a classified error", async () => {
    const provider = createAnthropicProvider({ base_url: capture.url, api_key: KEY });
    const chunks = [];
    for await (const chunk of provider.stream(ASK)) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hi! My name is Claude.");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 2598 } });
    capture.reply({ json: fixture("anthropic-error-overloaded") });
    const error = await (async () => {
      for await (const _ of provider.stream(ASK)) void _;
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ category: "server", retryable: true, metadata: { phase: "body", upstreamCode: "overloaded_error" } });
    await provider.close();
  });

  it("has no embeddings, images or audio methods (the router answers those with MM_NOT_SUPPORTED, see test/mesh.test.ts)", () => {
    const provider = createAnthropicProvider({ api_key: KEY });
    for (const method of ["embed", "generateImage", "speech", "transcribe"]) expect(method in provider, method).toBe(false);
  });

  it("classifies the official SDK's API errors by their Anthropic error type", () => {
    const provider = createAnthropicProvider({ api_key: KEY });
    const overloaded = Anthropic.APIError.generate(529, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, "Overloaded", new Headers());
    expect(provider.classifyError(overloaded)).toMatchObject({ category: "server", retryable: true, status: 529 });
    const credit = Anthropic.APIError.generate(400, { type: "error", error: { type: "invalid_request_error", message: "Your credit balance is too low to access the Anthropic API." } }, "x", new Headers());
    expect(provider.classifyError(credit)).toMatchObject({ category: "quota_exhausted", retryable: false });
    const limited = Anthropic.APIError.generate(429, { type: "error", error: { type: "rate_limit_error", message: "slow down" } }, "x", new Headers({ "retry-after": "4" }));
    expect(provider.classifyError(limited)).toMatchObject({ category: "rate_limit", retryAfterMs: 4_000, retryable: true });
  });
});

describe("transports", () => {
  it("uses an injected undici transport (cdk/node)", async () => {
    const transport = createUndiciTransport();
    const provider = createAnthropicProvider({ base_url: capture.url, api_key: KEY }, { transport });
    const completion = await provider.complete(ASK);
    expect(completion.choices[0]!.message.content).toBe("Hi! My name is Claude.");
    await provider.close();
    await transport.close();
  });

  it("routes through a CORS proxy with proxy_url (target URL appended as path)", async () => {
    const provider = createAnthropicProvider({ api_key: KEY, proxy_url: capture.url, dangerously_allow_browser: true });
    await provider.complete(ASK);
    expect(capture.requests[0]!.path).toBe("/https://api.anthropic.com/v1/messages");
    expect(capture.requests[0]!.headers["anthropic-dangerous-direct-browser-access"]).toBe("true");
    await provider.close();
  });
});

describe("model discovery (GET /v1/models)", () => {
  it("discover_models: listModels merges the API list with the catalogue, once", async () => {
    capture.reply({ json: fixture("anthropic-models") });
    const provider = createAnthropicProvider({ base_url: capture.url, api_key: KEY, discover_models: true });
    const models = await provider.listModels();
    await provider.listModels();
    expect(capture.requests.map((request) => request.path)).toEqual(["/v1/models?limit=1000"]);
    expect(models.find((model) => model.id === "claude-sonnet-4-5-20250929")).toMatchObject({ pricing: { inputPerMillion: 3 }, features: { assistantPrefill: true } });
    expect(models.find((model) => model.id === "claude-future-5")).toMatchObject({ contextWindow: 1_000_000, maxOutputTokens: 128_000, features: { vision: true } });
    expect(models.map((model) => model.id)).toContain("claude-haiku-4-5");
    await provider.close();
  });

  it("follows has_more pages with after_id", async () => {
    capture.reply((request) =>
      request.path.includes("after_id")
        ? { json: { data: [{ type: "model", id: "claude-page-2" }], has_more: false, last_id: "claude-page-2" } }
        : { json: { data: [{ type: "model", id: "claude-page-1" }], has_more: true, last_id: "claude-page-1" } },
    );
    const provider = createAnthropicProvider({ base_url: capture.url, api_key: KEY });
    const models = await provider.discoverModels();
    expect(capture.requests.map((request) => request.path)).toEqual(["/v1/models?limit=1000", "/v1/models?limit=1000&after_id=claude-page-1"]);
    expect(models.map((model) => model.id).slice(0, 2)).toEqual(["claude-page-1", "claude-page-2"]);
    expect((await provider.listModels()).map((model) => model.id)).toContain("claude-page-2");
    await provider.close();
  });

  it("configured models stay the served list; a bad list body is MM_INVALID_RESPONSE", async () => {
    capture.reply({ json: fixture("anthropic-models") });
    const provider = createAnthropicProvider({ base_url: capture.url, api_key: KEY, models: [{ id: "claude-haiku-4-5" }] });
    expect((await provider.discoverModels()).length).toBeGreaterThan(1);
    expect((await provider.listModels()).map((model) => model.id)).toEqual(["claude-haiku-4-5"]);
    capture.reply({ json: { models: "nope" } });
    await expect(provider.discoverModels()).rejects.toMatchObject({ code: "MM_INVALID_RESPONSE" });
    await provider.close();
  });
});

describe("connector descriptor", () => {
  const context = { instanceId: "claude", clock: systemClock, env: {}, runtime: "node" as const };

  it("is a universal provider connector with aliases, built through the registry", async () => {
    const registry = new ConnectorRegistry({ connectors: [connector] });
    expect(connector).toMatchObject({ id: "anthropic.claude.v1", type: "provider", runtime: "universal", specificationVersion: "v1" });
    const provider = await registry.create<AnthropicProvider>("claude", { base_url: capture.url, api_key: KEY, timeout: "30s" }, context, { type: "provider", path: "providers.claude" });
    expect(provider.id).toBe("claude");
    await provider.complete(ASK);
    expect(capture.requests).toHaveLength(1);
    await provider.close();
  });

  it("invalid config names every bad path", async () => {
    const registry = new ConnectorRegistry({ connectors: [connector] });
    const error = await registry
      .create("anthropic", { anthropic_version: "june", structured_output: "magic", base_url: "not a url" }, context, { type: "provider", path: "providers.claude" })
      .catch((caught: unknown) => caught as { issues: Array<{ path: string }> });
    expect((error as { issues: Array<{ path: string }> }).issues.map((issue) => issue.path).sort()).toEqual([
      "providers.claude.config.anthropic_version",
      "providers.claude.config.base_url",
      "providers.claude.config.structured_output",
    ]);
    expect(() => createAnthropicProvider({ default_max_tokens: -1 })).toThrow(/config\.default_max_tokens/);
  });
});
