/**
 * End to end through the public mesh API: a YAML config naming the connector by alias, the router calling it
 * against the Anthropic mock on real sockets, and honest-streaming resume using Claude's assistant prefill.
 */
import { ConnectorRegistry, createMesh, type ChatCompletionChunk, type Mesh } from "@modelmesh/core";
import { afterEach, describe, expect, it } from "vitest";
import { ANTHROPIC_MODELS, connector } from "../src/index.js";
import { startAnthropicMock, type AnthropicMock } from "./support/anthropic-mock.js";

const KEY = "sk-ant-api03-mesh-0123456789abcdef";
const open: Array<AnthropicMock | Mesh> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function mock() {
  const started = await startAnthropicMock({ models: ANTHROPIC_MODELS.map((model) => ({ id: model.id })), apiKey: KEY });
  open.push(started);
  return started;
}

async function mesh(yaml: string): Promise<Mesh> {
  const built = await createMesh(yaml, { registry: new ConnectorRegistry({ connectors: [connector] }), env: { ANTHROPIC_API_KEY: KEY } });
  open.push(built);
  return built;
}

describe("anthropic.claude.v1 in a mesh", () => {
  it("a YAML config with the catalogue serves chat and tool calls through the router", async () => {
    const upstream = await mock();
    const built = await mesh(`
providers:
  claude:
    connector: anthropic
    config:
      base_url: ${upstream.url}
      api_key: \${env:ANTHROPIC_API_KEY}
`);
    const { value, trace } = await built.router.chat({ model: "chat-completion", messages: [{ role: "system", content: "Be kind." }, { role: "user", content: "hello mesh" }] });
    expect(value.choices[0]!.message.content).toBe("echo: hello mesh");
    expect(trace.final?.providerId).toBe("claude");
    const sent = upstream.calls.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    expect(sent.body.system).toBe("Be kind.");
    expect(ANTHROPIC_MODELS.map((model) => model.id)).toContain(sent.body.model);
  });

  it("resumes a stream cut after commit on a prefill-capable Claude model, sending the partial text as the prefill", async () => {
    const a = await mock();
    const b = await mock();
    a.openai.fault({ times: 1, fault: { kind: "cut-after", tokens: 3 } });
    const built = await mesh(`
providers:
  claude-a: { connector: anthropic.claude.v1, config: { base_url: ${a.url}, api_key: "\${env:ANTHROPIC_API_KEY}" } }
  claude-b: { connector: anthropic.claude.v1, config: { base_url: ${b.url}, api_key: "\${env:ANTHROPIC_API_KEY}" } }
models:
  a.haiku: { provider: claude-a, model: claude-haiku-4-5, capabilities: [chat-completion] }
  b.haiku: { provider: claude-b, model: claude-haiku-4-5, capabilities: [chat-completion] }
routing:
  stream: { resume: true }
`);
    const { value, trace } = await built.router.chatStream({ model: "chat-completion", messages: [{ role: "user", content: "finish the sentence please" }], stream: true });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of value) chunks.push(chunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text.startsWith("echo: finish the")).toBe(true);
    const resumed = b.calls.at(-1)!.body;
    expect(resumed.messages.at(-1)).toEqual({ role: "assistant", content: "echo: finish the" });
    expect(resumed.stream).toBe(true);
    expect(trace.final?.providerId).toBe("claude-b");
    expect(trace.warnings.join(" ")).toMatch(/resumed on/);
  });

  it("the Anthropic API has no embeddings: the router answers MM_NOT_SUPPORTED, nothing is sent", async () => {
    const upstream = await mock();
    const built = await mesh(`
providers:
  claude: { connector: anthropic, config: { base_url: ${upstream.url}, api_key: "\${env:ANTHROPIC_API_KEY}" } }
models:
  claude.vectors: { provider: claude, model: claude-haiku-4-5, capabilities: [text-embeddings] }
`);
    expect("embed" in built.router.providers.get("claude")!.connector).toBe(false);
    const error = await built.router.embed({ model: "claude.vectors", input: "hello" }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "MM_NOT_SUPPORTED", category: "invalid_request" });
    expect(upstream.calls).toHaveLength(0);
  });

  it("anthropic-ratelimit-* headers reach the mesh's state ledger through onResponse", async () => {
    const rateLimitHeaders = { limitRequests: 50, remainingRequests: 50, resetRequests: "12s", limitTokens: 40_000, remainingTokens: 40_000, resetTokens: "30s" };
    const upstream = await startAnthropicMock({ models: ANTHROPIC_MODELS.map((model) => ({ id: model.id })), apiKey: KEY, rateLimitHeaders });
    open.push(upstream);
    const built = await mesh(`
providers:
  claude: { connector: anthropic, config: { base_url: ${upstream.url}, api_key: "\${env:ANTHROPIC_API_KEY}" } }
models:
  claude.haiku: { provider: claude, model: claude-haiku-4-5, capabilities: [chat-completion] }
`);
    await built.router.chat({ model: "claude.haiku", messages: [{ role: "user", content: "hi" }] });
    const route = { routeId: "claude/claude.haiku", providerId: "claude", modelId: "claude.haiku", upstreamModel: "claude-haiku-4-5", order: 0 };
    expect((await built.ledger.snapshot(route)).rateLimit).toMatchObject({ limitRequests: 50, remainingRequests: 49, limitTokens: 40_000 });
    expect(await built.ledger.quotaUsage(route)).toMatchObject({ requestsDay: 1 });
  });
});
