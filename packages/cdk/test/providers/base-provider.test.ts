import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ResponseMeta } from "@modelmesh/core";
import { VARIANTS } from "./support/variants.js";
import { chunk, collect, completion, frame, sendJson, sendSse, startScriptedServer, usageChunk, type ScriptedServer } from "./support/scripted-server.js";

const KEY = "sk-test-SECRET-0123456789abcdef";
const MODELS = [
  {
    id: "gpt-test",
    capabilities: ["generation.text-generation.chat-completion"],
    contextWindow: 128_000,
    pricing: { inputPerMillion: 2, outputPerMillion: 8, perRequest: 0.001 },
  },
  { id: "embed-test", capabilities: ["representation.embeddings.text-embeddings"] },
];

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

describe.each(VARIANTS)("%s", (_name, create) => {
  const make = () => create({ id: "test-provider", baseUrl: server.baseUrl, apiKey: KEY, models: MODELS });

  it("complete: passes every field through, strips stream fields, and parses the answer", async () => {
    server.handler = (_req, res) => sendJson(res, 200, completion("hello"));
    const provider = make();
    const request = {
      model: "gpt-test",
      messages: [{ role: "user" as const, content: "hi" }],
      tools: [{ type: "function" as const, function: { name: "f", parameters: { type: "object" } } }],
      tool_choice: "auto" as const,
      response_format: { type: "json_object" as const },
      top_p: 0.5,
      stop: ["x"],
      vendor_specific: { deep: [1, 2] },
      stream: false,
      stream_options: { include_usage: true },
    };
    const answer = await provider.complete(request);
    expect(answer.choices[0]?.message.content).toBe("hello");
    const sent = server.requests[0]!;
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers["content-type"]).toBe("application/json");
    const { stream: _s, stream_options: _o, ...expected } = request;
    expect(sent.json).toEqual(expected);
  });

  it("complete: reports usage, cost from per-1M pricing, and learned rate limits", async () => {
    server.handler = (_req, res) =>
      sendJson(res, 200, completion("ok"), {
        "x-ratelimit-limit-requests": "500",
        "x-ratelimit-remaining-requests": "499",
        "x-ratelimit-reset-requests": "120ms",
        "x-ratelimit-limit-tokens": "30000",
        "x-ratelimit-remaining-tokens": "29000",
        "x-ratelimit-reset-tokens": "1m0s",
      });
    const provider = make();
    const metas: ResponseMeta[] = [];
    await provider.complete({ model: "gpt-test", messages: [] }, { onResponse: (meta) => metas.push(meta) });
    expect(metas).toHaveLength(1);
    expect(metas[0]?.status).toBe(200);
    expect(metas[0]?.rateLimit).toEqual({
      limitRequests: 500,
      remainingRequests: 499,
      resetRequestsMs: 120,
      limitTokens: 30000,
      remainingTokens: 29000,
      resetTokensMs: 60000,
    });
    expect(metas[0]?.headers["x-ratelimit-remaining-requests"]).toBe("499");
  });

  it("stream: requests usage, yields every chunk incl. the usage-only one, and reports usage", async () => {
    server.handler = (_req, res) =>
      sendSse(res, [frame(chunk("Hel")), ": comment\n\n", frame(chunk("lo")), frame(chunk(undefined, "stop")), frame(usageChunk(7, 2)), "data: [DONE]\n\n"]);
    const provider = make();
    const chunks = await collect(provider.stream({ model: "gpt-test", messages: [{ role: "user", content: "hi" }], temperature: 0 }));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? null).join("")).toBe("Hello");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(server.requests[0]?.json).toMatchObject({ stream: true, stream_options: { include_usage: true }, temperature: 0 });
    expect(server.requests[0]?.headers.accept).toBe("text/event-stream");
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
  });

  it("stream: omits stream_options when the provider declares stream usage unsupported", async () => {
    server.handler = (_req, res) => sendSse(res, [frame(chunk("a", "stop")), "data: [DONE]\n\n"]);
    const provider = create({ baseUrl: server.baseUrl, streamUsage: false });
    await collect(provider.stream({ model: "m", messages: [], stream_options: { include_usage: true } }));
    expect(server.requests[0]?.json).toEqual({ model: "m", messages: [], stream: true });
  });

  it("stream: a JSON answer to a stream request becomes one chunk", async () => {
    server.handler = (_req, res) => sendJson(res, 200, completion("whole"));
    const chunks = await collect(make().stream({ model: "gpt-test", messages: [] }));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ object: "chat.completion.chunk", choices: [{ delta: { content: "whole" }, finish_reason: "stop" }] });
  });

  it("embed / generateImage / speech / transcribe hit their endpoints", async () => {
    server.handler = (req, res) => {
      if (req.url === "/v1/embeddings") return sendJson(res, 200, { object: "list", data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2] }], model: "embed-test", usage: { prompt_tokens: 3, total_tokens: 3 } });
      if (req.url === "/v1/images/generations") return sendJson(res, 200, { created: 1, data: [{ url: "https://img" }] });
      if (req.url === "/v1/audio/speech") {
        res.writeHead(200, { "content-type": "audio/mpeg" });
        return void res.end(Buffer.from([1, 2, 3, 250]));
      }
      if (req.url === "/v1/audio/transcriptions") return sendJson(res, 200, { text: "hello world" });
      res.writeHead(404).end();
    };
    const provider = make();
    const embedding = await provider.embed({ model: "embed-test", input: "hi" });
    expect(embedding.data[0]?.embedding).toEqual([0.1, 0.2]);
    expect((await provider.generateImage({ prompt: "cat" })).data?.[0]?.url).toBe("https://img");
    const speech = await provider.speech({ model: "tts", input: "hi", voice: "alloy" });
    expect(Array.from(speech.audio)).toEqual([1, 2, 3, 250]);
    expect(speech.contentType).toBe("audio/mpeg");
    const transcript = await provider.transcribe({ model: "whisper", file: new Uint8Array([9, 9, 9]), filename: "a.wav", language: "en" });
    expect(transcript.text).toBe("hello world");
    const multipart = server.requests.find((r) => r.path === "/v1/audio/transcriptions")!;
    expect(String(multipart.headers["content-type"])).toMatch(/^multipart\/form-data; boundary=/);
    const body = multipart.body.toString("latin1");
    expect(body).toContain('name="file"; filename="a.wav"');
    expect(body).toContain('name="language"');
    expect(body).toContain('name="model"');
  });

  it("catalogue, provider-level capabilities and pricing", async () => {
    const provider = make();
    const models = await provider.listModels();
    expect(models.map((m) => m.id)).toEqual(["gpt-test", "embed-test"]);
    expect(models[0]?.contextWindow).toBe(128_000);
    expect(provider.getCapabilities()).toEqual(["generation.text-generation.chat-completion", "representation.embeddings.text-embeddings"]);
    expect(models[0]?.pricing).toEqual({ inputPerMillion: 2, outputPerMillion: 8, perRequest: 0.001 });
    expect(models[1]?.pricing).toBeUndefined();
    expect(provider.specificationVersion).toBe("v1");
    expect(provider.id).toBe("test-provider");
  });

  it("rejects with the abort reason when the signal aborts", async () => {
    const controller = new AbortController();
    const reason = new Error("caller cancelled");
    // The server never answers; the caller aborts once the request has arrived.
    server.handler = () => controller.abort(reason);
    await expect(make().complete({ model: "gpt-test", messages: [] }, { signal: controller.signal })).rejects.toBe(reason);
  });
});

describe("BaseProvider and BrowserBaseProvider give identical results", () => {
  it("for the same scripted stream and completion", async () => {
    server.handler = (req, res) => {
      const body = req.json as { stream?: boolean };
      if (body.stream) return sendSse(res, [frame(chunk("x")), frame(chunk("y", "length")), frame(usageChunk(1, 2)), "data: [DONE]\n\n"]);
      sendJson(res, 200, completion("same", { system_fingerprint: "fp" }));
    };
    const results = [];
    for (const [, create] of VARIANTS) {
      const provider = create({ baseUrl: server.baseUrl, apiKey: KEY });
      results.push({
        completion: await provider.complete({ model: "m", messages: [] }),
        chunks: await collect(provider.stream({ model: "m", messages: [] })),
      });
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
});

describe("keep-alive", () => {
  it.each(VARIANTS)("%s reuses the connection after [DONE], even when the body ends a moment later", async (_name, create) => {
    const ports: number[] = [];
    server.handler = (req, res) => {
      ports.push(req.socket.remotePort ?? -1);
      sendSse(res, [frame(chunk("a", "stop")), "data: [DONE]\n\n"], { end: false });
      // The upstream finishes the chunked body slightly after [DONE]; cancelling at [DONE] would kill the socket.
      setTimeout(() => res.end(), 5);
    };
    const provider = create({ baseUrl: server.baseUrl });
    for (let i = 0; i < 4; i++) {
      await collect(provider.stream({ model: "m", messages: [] }));
      // Let the pool take the socket back (a released socket returns to the pool on a later tick).
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(ports).toHaveLength(4);
    // A cancelled (destroyed) body would force a new connection for every stream.
    expect(new Set(ports.slice(1)).size).toBe(1);
  });
});
