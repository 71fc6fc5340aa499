/**
 * End to end through the public mesh API: YAML configs naming the connector by id or alias, loaded by
 * `createMesh(yaml, { registry })`, the router calling it against the Cohere mock on real sockets. Every config
 * key used here is checked for its effect on the wire; unknown and OpenAI-only keys are rejected.
 */
import { ConnectorRegistry, createMesh, isModelMeshError, type ChatCompletionChunk, type Mesh } from "@modelmesh/core";
import { afterEach, describe, expect, it } from "vitest";
import { COHERE_MODELS, connector } from "../src/index.js";
import { startCohereMock, type CohereMock } from "./support/cohere-mock.js";

const KEY = "co-mesh-0123456789abcdef";
const open: Array<CohereMock | Mesh> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function mock() {
  const started = await startCohereMock({ models: COHERE_MODELS.map((model) => ({ id: model.id })), apiKey: KEY });
  open.push(started);
  return started;
}

async function mesh(yaml: string, env: Record<string, string> = { CO_API_KEY: KEY }): Promise<Mesh> {
  const built = await createMesh(yaml, { registry: new ConnectorRegistry({ connectors: [connector] }), env });
  open.push(built);
  return built;
}

describe("cohere.chat.v2 in a mesh", () => {
  it("alias `cohere` with the catalogue and the key from CO_API_KEY serves chat through the router", async () => {
    const upstream = await mock();
    const built = await mesh(`
providers:
  co:
    connector: cohere
    config:
      base_url: ${upstream.url}
`);
    const { value, trace } = await built.router.chat({ model: "chat-completion", messages: [{ role: "system", content: "Be kind." }, { role: "user", content: "hello mesh" }] });
    expect(value.choices[0]!.message.content).toBe("echo: hello mesh");
    expect(trace.final?.providerId).toBe("co");
    const sent = upstream.calls.at(-1)!;
    expect(sent.path).toBe("/v2/chat");
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.body.messages[0]).toEqual({ role: "system", content: "Be kind." });
    expect(COHERE_MODELS.map((model) => model.id)).toContain(sent.body.model);
  });

  it("COHERE_API_KEY is the fallback; an explicit api_key (${env:…}) wins over both", async () => {
    const upstream = await mock();
    const fallback = await mesh(`
providers:
  co: { connector: cohere.chat.v2, config: { base_url: ${upstream.url} } }
models:
  co.r7b: { provider: co, model: command-r7b-12-2024, capabilities: [chat-completion] }
`, { COHERE_API_KEY: KEY });
    await fallback.router.chat({ model: "co.r7b", messages: [{ role: "user", content: "hi" }] });
    expect(upstream.calls.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
    const explicit = await mesh(`
providers:
  co: { connector: cohere, config: { base_url: ${upstream.url}, api_key: "\${env:MY_COHERE_KEY}" } }
models:
  co.r7b: { provider: co, model: command-r7b-12-2024, capabilities: [chat-completion] }
`, { MY_COHERE_KEY: KEY, CO_API_KEY: "co-wrong-key-000000" });
    await explicit.router.chat({ model: "co.r7b", messages: [{ role: "user", content: "hi" }] });
    expect(upstream.calls.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("streams through the router: content, one finish reason, a final usage chunk", async () => {
    const upstream = await mock();
    const built = await mesh(`
providers:
  co: { connector: cohere, config: { base_url: ${upstream.url} } }
models:
  co.command: { provider: co, model: command-a-03-2025, capabilities: [chat-completion] }
`);
    const { value } = await built.router.chatStream({ model: "co.command", messages: [{ role: "user", content: "stream this please" }], stream: true });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of value) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("echo: stream this please");
    expect(chunks.flatMap((chunk) => chunk.choices).filter((choice) => choice.finish_reason != null).map((choice) => choice.finish_reason)).toEqual(["stop"]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
    expect(upstream.calls.at(-1)!.body.stream).toBe(true);
  });

  it("embeddings through the router: POST /v2/embed with default_input_type, embed_truncate and dimensions", async () => {
    const upstream = await mock();
    const built = await mesh(`
providers:
  co:
    connector: cohere
    config:
      base_url: ${upstream.url}
      default_input_type: search_query
      embed_truncate: START
models:
  co.embed: { provider: co, model: embed-v4.0, capabilities: [text-embeddings] }
`);
    const { value } = await built.router.embed({ model: "co.embed", input: ["alpha beta", "gamma"], dimensions: 256 });
    expect(value.data).toHaveLength(2);
    expect(value.data.every((item) => Array.isArray(item.embedding) && item.embedding.length > 0)).toBe(true);
    expect(value.usage.prompt_tokens).toBe(3);
    const sent = upstream.calls.at(-1)!;
    expect(sent.path).toBe("/v2/embed");
    expect(sent.body).toEqual({ model: "embed-v4.0", texts: ["alpha beta", "gamma"], input_type: "search_query", embedding_types: ["float"], output_dimension: 256, truncate: "START" });
  });

  it("request fields Cohere has no place for reach the routing trace as warnings, and are not sent", async () => {
    const upstream = await mock();
    const built = await mesh(`
providers:
  co: { connector: cohere, config: { base_url: ${upstream.url} } }
models:
  co.r: { provider: co, model: command-r-08-2024, capabilities: [chat-completion] }
`);
    const { trace } = await built.router.chat({ model: "co.r", user: "user-42", messages: [{ role: "user", content: "hi", name: "alice" }] });
    expect(trace.warnings).toEqual(expect.arrayContaining(["co: messages[0].name is not sent: Cohere messages have no name", "co: user is not sent: Cohere has no such field"]));
    expect(upstream.calls.at(-1)!.body.user).toBeUndefined();
  });

  it("client_name and headers from YAML reach the wire", async () => {
    const upstream = await mock();
    const built = await mesh(`
providers:
  co:
    connector: cohere
    config:
      base_url: ${upstream.url}
      client_name: my-app
      headers: { X-Team: search }
models:
  co.r: { provider: co, model: command-r-08-2024, capabilities: [chat-completion] }
`);
    await built.router.chat({ model: "co.r", messages: [{ role: "user", content: "hi" }] });
    const sent = upstream.calls.at(-1)!;
    expect(sent.headers["x-client-name"]).toBe("my-app");
    expect(sent.headers["x-team"]).toBe("search");
  });

  it("an unknown key and the OpenAI-only keys are rejected at load time with the key's path", async () => {
    const typo = await mesh(`
providers:
  co: { connector: cohere, config: { base_url: "http://127.0.0.1:9", default_input_typ: search_query } }
`).catch((caught: unknown) => caught);
    expect(isModelMeshError(typo)).toBe(true);
    expect(typo).toMatchObject({ code: "MM_CONFIG_INVALID" });
    expect(JSON.stringify((typo as { issues?: unknown }).issues)).toContain("default_input_typ");
    const organization = await mesh(`
providers:
  co: { connector: cohere, config: { base_url: "http://127.0.0.1:9", organization: org-1 } }
`).catch((caught: unknown) => caught);
    expect(organization).toMatchObject({ code: "MM_CONFIG_INVALID" });
    expect(JSON.stringify((organization as { issues?: unknown }).issues)).toMatch(/providers\.co\.config\.organization.*no organization header/);
    const badType = await mesh(`
providers:
  co: { connector: cohere, config: { base_url: "http://127.0.0.1:9", default_input_type: image } }
`).catch((caught: unknown) => caught);
    expect(JSON.stringify((badType as { issues?: unknown }).issues)).toContain("providers.co.config.default_input_type");
  });
});
