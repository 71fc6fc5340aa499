/**
 * The reduced provider contract end to end (docs/ARCHITECTURE.md §2.14): a connector with only the required
 * members, and a family on the protocol-neutral `HttpProviderBase` with its own wire format and no media
 * methods, both serve chat and streams through a mesh; a request for what they lack is `MM_NOT_SUPPORTED`;
 * usage and the limits reported through `onResponse` land in the mesh's state ledger.
 */
import {
  createMesh,
  type CallOptions,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ErrorClassification,
  type Mesh,
  type ModelInfo,
  type ProviderConnectorV1,
} from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpProviderBase } from "../../src/providers/http-provider-base.js";
import { BaseProvider } from "../../src/providers/base-provider.js";
import { collect, sendJson, startScriptedServer, type ScriptedServer } from "./support/scripted-server.js";

const CHAT = "generation.text-generation.chat-completion";
const EMBEDDINGS = "representation.embeddings.text-embeddings";
const user = (content: string) => [{ role: "user" as const, content }];

function answer(model: string, content: string, usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }): ChatCompletion {
  return {
    id: "echo-1",
    object: "chat.completion",
    created: 0,
    model,
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: "stop", logprobs: null }],
    usage,
  };
}

/** A family with its own wire format (`POST /echo` → `{ said, tokens }`) and nothing but chat. */
class EchoProvider extends HttpProviderBase {
  static override readonly CONNECTOR_ID: string = "test.echo.v1";

  override async complete(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): Promise<ChatCompletion> {
    const call = this.resolveCall(options);
    const last = request.messages.at(-1)?.content;
    const json = (await this.http.postJson(`${this.config.baseUrl}/echo`, this.requestHeaders(call), { text: last }, call, request.model)) as { said: string; tokens: number };
    return answer(request.model, json.said, { prompt_tokens: json.tokens, completion_tokens: json.tokens, total_tokens: 2 * json.tokens });
  }

  override async *stream(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): AsyncGenerator<ChatCompletionChunk> {
    const completion = await this.complete(request, options);
    const base = { id: completion.id, object: "chat.completion.chunk" as const, created: 0, model: completion.model };
    yield { ...base, choices: [{ index: 0, delta: { role: "assistant", content: completion.choices[0]!.message.content }, finish_reason: null }] };
    yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] };
    yield { ...base, choices: [], usage: completion.usage };
  }
}

/** Only the required members of the contract, as a plain object. */
function minimalProvider(models: ModelInfo[]): ProviderConnectorV1 {
  return {
    specificationVersion: "v1",
    id: "mini",
    connectorId: "test.minimal.v1",
    complete: async (request) => answer(request.model, "minimal"),
    stream: async function* (request): AsyncGenerator<ChatCompletionChunk> {
      yield { id: "m-1", object: "chat.completion.chunk", created: 0, model: request.model, choices: [{ index: 0, delta: { content: "mini" }, finish_reason: "stop" }] };
    },
    listModels: async () => models,
    classifyError: (): ErrorClassification => ({ category: "server", retryable: true, message: "failed" }),
    close: async () => {},
  };
}

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
  server.handler = (req, res) => {
    const text = String((req.json as { text?: unknown }).text ?? "");
    sendJson(res, 200, { said: `echo: ${text}`, tokens: 4 }, { "x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": "42" });
  };
});
afterAll(() => server.close());

async function meshOf(providers: Record<string, ProviderConnectorV1>): Promise<Mesh> {
  return createMesh({}, { providers, env: {} });
}

describe("a connector with only the required members", () => {
  it("serves chat and streams in a mesh; its models without capabilities serve chat completion", async () => {
    const mesh = await meshOf({ mini: minimalProvider([{ id: "m", capabilities: [] }]) });
    try {
      expect(mesh.router.models.get("mini.m")?.capabilities).toEqual([CHAT]);
      expect((await mesh.router.chat({ model: "mini.m", messages: user("hi") })).value.choices[0]!.message.content).toBe("minimal");
      const streamed = await mesh.router.chatStream({ model: "chat-completion", messages: user("hi"), stream: true });
      const chunks = await collect(streamed.value);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("mini");
    } finally {
      await mesh.close();
    }
  });

  it("a request for a method it does not have is MM_NOT_SUPPORTED, nothing sent", async () => {
    const mesh = await meshOf({ mini: minimalProvider([{ id: "e", capabilities: [EMBEDDINGS] }]) });
    try {
      const error = await mesh.router.embed({ model: "mini.e", input: "x" }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "MM_NOT_SUPPORTED", category: "invalid_request" });
    } finally {
      await mesh.close();
    }
  });
});

describe("a family on HttpProviderBase", () => {
  const echo = () =>
    new EchoProvider({ baseUrl: server.origin, id: "echo", models: [{ id: "talk", capabilities: [CHAT] }, { id: "vec", capabilities: [EMBEDDINGS] }] });

  it("has no media methods to stub: only what it implements", () => {
    const provider = echo();
    for (const method of ["embed", "generateImage", "speech", "transcribe", "discoverModels"]) expect(method in provider, method).toBe(false);
    for (const method of ["embed", "generateImage", "speech", "transcribe", "discoverModels"]) expect(method in new BaseProvider({ baseUrl: server.baseUrl }), method).toBe(true);
  });

  it("routes chat and streams; usage and the limits it reported land in the mesh's ledger", async () => {
    const mesh = await meshOf({ echo: echo() });
    try {
      const routed = await mesh.router.chat({ model: "echo.talk", messages: user("hi") });
      expect(routed.value.choices[0]!.message.content).toBe("echo: hi");
      const streamed = await mesh.router.chatStream({ model: "echo.talk", messages: user("again"), stream: true });
      expect((await collect(streamed.value)).map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("echo: again");
      const route = { routeId: "echo/echo.talk", providerId: "echo", modelId: "echo.talk", upstreamModel: "talk", order: 0 };
      expect((await mesh.ledger.snapshot(route)).rateLimit).toMatchObject({ limitRequests: 100, remainingRequests: 42 });
      expect(await mesh.ledger.quotaUsage(route)).toMatchObject({ requestsDay: 2, tokensDay: 16 });
    } finally {
      await mesh.close();
    }
  });

  it("embeddings on it are MM_NOT_SUPPORTED through the router, before any request", async () => {
    const mesh = await meshOf({ echo: echo() });
    const before = server.requests.length;
    try {
      const error = await mesh.router.embed({ model: "echo.vec", input: "x" }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "MM_NOT_SUPPORTED", category: "invalid_request" });
      expect(server.requests.length).toBe(before);
    } finally {
      await mesh.close();
    }
  });

  it("direct calls work without a router (default timeouts) and close is idempotent", async () => {
    const provider = echo();
    const metas: unknown[] = [];
    expect((await provider.complete({ model: "talk", messages: user("yo") }, { onResponse: (meta) => metas.push(meta.rateLimit) })).choices[0]!.message.content).toBe("echo: yo");
    expect(metas).toEqual([expect.objectContaining({ remainingRequests: 42 })]);
    await provider.close();
    await provider.close();
  });
});
