import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, isModelMeshError } from "@modelmesh/core";
import { BaseProvider } from "../../src/providers/base-provider.js";
import { HttpApiProvider } from "../../src/providers/http-api-provider.js";
import { OpenAICompatibleProvider } from "../../src/providers/openai-compatible-provider.js";
import { ProviderInitError } from "../../src/providers/provider-init-error.js";
import { QuickProvider } from "../../src/providers/quick-provider.js";
import { caught, collect, completion, frame, sendJson, sendSse, startScriptedServer, type ScriptedServer } from "./support/scripted-server.js";

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

describe("OpenAICompatibleProvider", () => {
  it("is built from the seed's YAML block and appends only /chat/completions to base_url", async () => {
    server.handler = (_req, res) => sendJson(res, 200, completion("hi"));
    const provider = OpenAICompatibleProvider.fromConfig(
      {
        base_url: server.baseUrl,
        auth: { method: "api_key", api_key: "sk-yaml-key-0123456789" },
        organization: "org-1",
        project: "proj-1",
        timeout: "30s",
        models: [
          {
            id: "gpt-4o",
            capabilities: ["generation.text-generation.chat-completion"],
            context_window: 128000,
            max_output_tokens: 16384,
            features: { tool_calling: true, vision: true },
            pricing: { input_per_million: 2.5, output_per_million: 10 },
          },
        ],
      },
      { id: "my-openai-proxy" },
    );
    expect(provider.id).toBe("my-openai-proxy");
    expect(provider.connectorId).toBe("modelmesh.openai-compatible.v1");
    expect((await provider.listModels()).find((m) => m.id === "gpt-4o")).toEqual({
      id: "gpt-4o",
      capabilities: ["generation.text-generation.chat-completion"],
      contextWindow: 128000,
      maxOutputTokens: 16384,
      features: { toolCalling: true, vision: true },
      pricing: { inputPerMillion: 2.5, outputPerMillion: 10 },
    });
    await provider.complete({ model: "gpt-4o", messages: [] });
    const sent = server.requests[0]!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers).toMatchObject({ authorization: "Bearer sk-yaml-key-0123456789", "openai-organization": "org-1", "openai-project": "proj-1" });
  });

  it("defaults base_url to OpenAI's", () => {
    const provider = new OpenAICompatibleProvider({ baseUrl: "" });
    expect(provider.id).toBe("api.openai.com");
  });

  it("rejects an invalid YAML block with a ConfigError naming the paths (and not the secret)", () => {
    let error: unknown;
    try {
      BaseProvider.fromConfig({ base_url: "not a url", api_key: 42, models: [{ capabilities: [] }] });
    } catch (caughtError) {
      error = caughtError;
    }
    expect(ConfigError.is(error)).toBe(true);
    const paths = (error as ConfigError).issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(["config.base_url", "config.api_key", "config.models.0.id"]));
  });
});

describe("HttpApiProvider", () => {
  const make = () =>
    new HttpApiProvider({
      id: "rest",
      baseUrl: `${server.origin}/api`,
      completionEndpoint: "/v2/generate",
      streamEndpoint: "/v2/stream",
      requestMapping: {
        model: "engine",
        messages: "input.messages",
        temperature: "params.temperature",
        maxTokens: "params.max_length",
        tools: "input.functions",
        stream: "params.stream",
        extraFields: { "params.safe_mode": true, version: 2 },
        passThrough: ["top_p"],
      },
      responseMapping: {
        id: "request_id",
        model: "engine",
        content: "output.text",
        toolCalls: "output.calls",
        finishReason: "output.stop_reason",
        promptTokens: "meta.tokens_in",
        completionTokens: "meta.tokens_out",
      },
      streamMapping: { content: "delta.text", finishReason: "delta.stop_reason", promptTokens: "meta.tokens_in", completionTokens: "meta.tokens_out" },
      finishReasonMap: { complete: "stop" },
    });

  it("maps the request by dot paths plus constants, and the response back to OpenAI's shape", async () => {
    server.handler = (_req, res) =>
      sendJson(res, 200, { request_id: "r-1", engine: "eng-7", output: { text: "mapped!", stop_reason: "max_tokens" }, meta: { tokens_in: 4, tokens_out: 2 } });
    const provider = make();
    const tools = [{ type: "function" as const, function: { name: "lookup" } }];
    const answer = await provider.complete({ model: "eng-7", messages: [{ role: "user", content: "q" }], temperature: 0.2, max_tokens: 50, tools, top_p: 0.9, seed: 1 });
    expect(server.requests[0]?.path).toBe("/api/v2/generate");
    expect(server.requests[0]?.json).toEqual({
      engine: "eng-7",
      input: { messages: [{ role: "user", content: "q" }], functions: tools },
      params: { temperature: 0.2, max_length: 50, safe_mode: true },
      version: 2,
      top_p: 0.9,
    });
    expect(answer).toMatchObject({
      id: "r-1",
      object: "chat.completion",
      model: "eng-7",
      choices: [{ index: 0, message: { role: "assistant", content: "mapped!" }, finish_reason: "length" }],
      usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
    });
  });

  it("maps stream chunks, ends on a mapped finish reason without [DONE], and falls back to the requested model", async () => {
    server.handler = (_req, res) =>
      sendSse(res, [frame({ delta: { text: "a" } }), frame({ ping: true }), frame({ delta: { text: "b", stop_reason: "complete" } }), frame({ meta: { tokens_in: 3, tokens_out: 2 } })]);
    const chunks = await collect(make().stream({ model: "eng-7", messages: [] }));
    expect(server.requests[0]?.path).toBe("/api/v2/stream");
    expect(server.requests[0]?.json).toMatchObject({ params: { stream: true } });
    expect((server.requests[0]?.json as Record<string, unknown>).stream_options).toBeUndefined();
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? null)).toEqual(["a", "b", null]);
    expect(chunks[1]?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks[2]?.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    expect(chunks.every((c) => c.model === "eng-7")).toBe(true);
  });

  it("accepts snake_case mapping keys from YAML", async () => {
    server.handler = (_req, res) => sendJson(res, 200, { out: "y" });
    const provider = HttpApiProvider.fromConfig({
      base_url: `${server.origin}/api`,
      completion_endpoint: "/gen",
      request_mapping: { max_tokens: "limits.max", extra_fields: { "a.b_c": 1 } },
      response_mapping: { content: "out" },
    });
    const answer = await provider.complete({ model: "m", messages: [], max_tokens: 9 });
    expect(server.requests[0]?.json).toEqual({ model: "m", messages: [], limits: { max: 9 }, a: { b_c: 1 } });
    expect(answer.choices[0]?.message.content).toBe("y");
  });
});

describe("QuickProvider", () => {
  const models = { object: "list", data: [{ id: "llama-3", object: "model", created: 1, owned_by: "me", context_length: 8192 }, { id: "qwen", object: "model", created: 1, owned_by: "me" }] };

  it("discovers models with GET {baseUrl}/models on init()", async () => {
    server.handler = (_req, res) => sendJson(res, 200, models);
    const provider = new QuickProvider({ baseUrl: server.baseUrl, apiKey: "sk-quick-key-0123456789" });
    await provider.init();
    expect(server.requests[0]).toMatchObject({ method: "GET", path: "/v1/models" });
    expect(server.requests[0]?.headers.authorization).toBe("Bearer sk-quick-key-0123456789");
    expect(await provider.listModels()).toEqual([
      { id: "llama-3", name: "llama-3", capabilities: ["generation.text-generation.chat-completion"], contextWindow: 8192 },
      { id: "qwen", name: "qwen", capabilities: ["generation.text-generation.chat-completion"] },
    ]);
  });

  it("initialises lazily, once, on the first complete()", async () => {
    server.handler = (req, res) => {
      if (req.url === "/v1/models") return sendJson(res, 200, models);
      if ((req.json as { stream?: boolean }).stream) return sendSse(res, [frame({ choices: [{ index: 0, delta: { content: "s" }, finish_reason: "stop" }] }), "data: [DONE]\n\n"]);
      sendJson(res, 200, completion("hi"));
    };
    const provider = new QuickProvider({ baseUrl: server.baseUrl });
    await Promise.all([provider.complete({ model: "qwen", messages: [] }), provider.complete({ model: "qwen", messages: [] })]);
    expect((await collect(provider.stream({ model: "qwen", messages: [] })))[0]?.choices[0]?.delta.content).toBe("s");
    expect(server.requests.filter((r) => r.path === "/v1/models")).toHaveLength(1);
    expect((await provider.listModels()).find((m) => m.id === "llama-3")?.contextWindow).toBe(8192);
  });

  it("fails with ProviderInitError (category from the cause) and retries discovery on the next call", async () => {
    server.handler = (_req, res) => sendJson(res, 401, { error: { message: "bad key" } });
    const provider = new QuickProvider({ id: "quick", baseUrl: server.baseUrl, apiKey: "sk-wrong-key-0123456789" });
    const error = await caught(() => provider.complete({ model: "x", messages: [] }));
    expect(ProviderInitError.is(error)).toBe(true);
    expect(isModelMeshError(error)).toBe(true);
    expect(error).toMatchObject({ name: "ModelMeshProviderInitError", code: "MM_CONNECTOR_INVALID", category: "auth", provider: "quick" });
    expect(error.message).not.toContain("sk-wrong-key");
    server.handler = (_req, res) => sendJson(res, 200, models);
    await provider.init();
    expect((await provider.listModels()).map((m) => m.id)).toEqual(["llama-3", "qwen"]);
  });

  it("skips discovery when models are configured", async () => {
    const provider = new QuickProvider({ baseUrl: server.baseUrl, models: [{ id: "fixed", capabilities: [] }] });
    await provider.init();
    expect(server.requests).toHaveLength(0);
  });
});
