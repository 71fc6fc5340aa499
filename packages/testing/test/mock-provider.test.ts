/** The mock provider's healthy behaviour, seen through the official openai SDK on a real socket. */
import { request as httpRequest, Agent } from "node:http";
import OpenAI, { type APIError, toFile } from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MockProvider, mockEmbedding, startMockProvider, tokenize } from "../src/server.js";
import { chatBody, chatParams, post, readRaw, sdk } from "./helpers.js";

describe("tokenize", () => {
  it("splits into words that keep their leading whitespace and rejoin to the input", () => {
    expect(tokenize("echo: hello  world")).toEqual(["echo:", " hello", "  world"]);
    for (const text of ["", " ", "a", " lead and trail ", "x\n\ny\tz"]) expect(tokenize(text).join("")).toBe(text);
  });
});

describe("mock provider: healthy answers", () => {
  let mock: MockProvider;
  let client: OpenAI;
  beforeAll(async () => {
    mock = await startMockProvider({ models: [{ id: "mock-model" }, { id: "small", contextWindow: 10 }] });
    client = sdk(mock);
  });
  afterEach(() => mock.reset());
  afterAll(() => mock.close());

  it("listens on 127.0.0.1 and exposes an OpenAI base URL", () => {
    expect(mock.url).toBe(`http://127.0.0.1:${mock.port}/v1`);
    expect(mock.port).toBeGreaterThan(0);
  });

  it("answers a chat completion with the echo reply and word-count usage", async () => {
    const completion = await client.chat.completions.create({
      model: "mock-model",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hello mock world" },
      ],
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("mock-model");
    expect(completion.choices[0]!.message).toMatchObject({ role: "assistant", content: "echo: hello mock world" });
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(completion.usage).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
  });

  it("streams the same content, one token per chunk, with OpenAI's chunk shape", async () => {
    const plain = await client.chat.completions.create({ model: "mock-model", messages: [{ role: "user", content: "a b c" }] });
    const stream = await client.chat.completions.create({
      model: "mock-model",
      messages: [{ role: "user", content: "a b c" }],
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(plain.choices[0]!.message.content);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(chunks.slice(1, -1).map((chunk) => chunk.choices[0]!.delta.content)).toEqual(tokenize("echo: a b c"));
    const finishes = chunks.map((chunk) => chunk.choices[0]?.finish_reason ?? null);
    expect(finishes.slice(0, -1).every((reason) => reason === null)).toBe(true);
    expect(finishes.at(-1)).toBe("stop");
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it("adds a usage-only final chunk with choices [] when include_usage is set", async () => {
    const stream = await client.chat.completions.create({
      model: "mock-model",
      messages: [{ role: "user", content: "one two" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it("ends a raw stream with data: [DONE]", async () => {
    const raw = await readRaw(await post(mock, "/chat/completions", chatBody({ stream: true })));
    expect(raw.error).toBeUndefined();
    expect(raw.frames.at(-1)).toBe("[DONE]");
    expect(raw.text.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("caps the reply at max_tokens with finish_reason length", async () => {
    const completion = await client.chat.completions.create({ ...chatParams, max_tokens: 2 });
    expect(completion.choices[0]).toMatchObject({
      message: { content: "echo: hello" },
      finish_reason: "length",
    });
  });

  it("answers 404 model_not_found for an unknown model", async () => {
    const error = await client.chat.completions
      .create({ model: "nope", messages: [{ role: "user", content: "x" }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as APIError).code).toBe("model_not_found");
  });

  it("answers 400 context_length_exceeded when prompt plus max_tokens exceed the context window", async () => {
    const fits = await client.chat.completions.create({ model: "small", messages: [{ role: "user", content: "a b c" }], max_tokens: 7 });
    expect(fits.choices[0]!.finish_reason).toBe("stop");
    const error = await client.chat.completions
      .create({ model: "small", messages: [{ role: "user", content: "a b c" }], max_tokens: 8 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as APIError).code).toBe("context_length_exceeded");
  });

  it("lists and retrieves the configured models", async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toEqual(["mock-model", "small"]);
    expect(page.data[1]).toMatchObject({ object: "model", context_window: 10 });
    expect((await client.models.retrieve("small")).id).toBe("small");
    await expect(client.models.retrieve("nope")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("returns deterministic embeddings of the requested size (SDK base64 and raw float)", async () => {
    const result = await client.embeddings.create({ model: "mock-model", input: ["alpha", "beta"] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]!.embedding).toEqual(mockEmbedding("alpha", 8));
    expect(result.data[0]!.embedding).not.toEqual(result.data[1]!.embedding);
    expect(result.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    const again = await client.embeddings.create({ model: "mock-model", input: "alpha", dimensions: 3 });
    expect(again.data[0]!.embedding).toHaveLength(3);
    const raw = (await (await post(mock, "/embeddings", { model: "mock-model", input: "alpha" })).json()) as {
      data: Array<{ embedding: number[] }>;
    };
    expect(raw.data[0]!.embedding).toEqual(result.data[0]!.embedding);
    const norm = Math.hypot(...raw.data[0]!.embedding);
    expect(norm).toBeCloseTo(1, 5);
  });

  it("generates a tiny PNG as b64_json, or as a URL served by the mock", async () => {
    const b64 = await client.images.generate({ model: "mock-model", prompt: "a cat", n: 2 });
    expect(b64.data).toHaveLength(2);
    const bytes = Buffer.from(b64.data![0]!.b64_json!, "base64");
    expect(bytes.subarray(1, 4).toString()).toBe("PNG");
    const url = await client.images.generate({ prompt: "a cat", response_format: "url" });
    const image = await fetch(url.data![0]!.url!);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await image.arrayBuffer())).toEqual(bytes);
  });

  it("speaks fake mp3 bytes and transcribes multipart uploads", async () => {
    const speech = await client.audio.speech.create({ model: "mock-model", voice: "alloy", input: "hi" });
    expect(speech.headers.get("content-type")).toBe("audio/mpeg");
    const audio = new Uint8Array(await speech.arrayBuffer());
    expect(audio[0]).toBe(0xff);
    const file = await toFile(Buffer.from(audio), "speech.mp3", { type: "audio/mpeg" });
    const transcription = await client.audio.transcriptions.create({ model: "mock-model", file });
    expect(transcription.text).toBe(`transcribed ${audio.length} bytes`);
    const call = mock.calls.at(-1)!;
    expect(call.model).toBe("mock-model");
    expect(call.body).toMatchObject({ model: "mock-model", file: { filename: "speech.mp3", size: audio.length } });
  });

  it("answers a body that is not JSON with 400", async () => {
    const response = await fetch(`${mock.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{oops",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    expect(mock.calls[0]).toMatchObject({ body: "{oops", status: 400 });
  });

  it("answers unknown routes with OpenAI's 404 envelope", async () => {
    const response = await post(mock, "/nothing/here", {});
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { message: "Invalid URL (POST /v1/nothing/here)" } });
  });
});

describe("mock provider: scripted replies and tool calls", () => {
  let mock: MockProvider;
  beforeAll(async () => {
    mock = await startMockProvider({
      reply: (request) =>
        request.tools
          ? { tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris", unit: "celsius" } } }] }
          : "scripted answer",
    });
  });
  afterAll(() => mock.close());

  const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object" } } }];

  it("uses the reply function", async () => {
    const completion = await sdk(mock).chat.completions.create({ model: "mock-model", messages: [{ role: "user", content: "x" }] });
    expect(completion.choices[0]!.message.content).toBe("scripted answer");
  });

  it("returns tool calls with finish_reason tool_calls", async () => {
    const completion = await sdk(mock).chat.completions.create({ model: "mock-model", messages: [{ role: "user", content: "x" }], tools });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: `call_${mock.calls.at(-1)!.n}_0`, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' } },
    ]);
  });

  it("streams tool calls as id+name first, then argument fragments that reassemble to valid JSON", async () => {
    const stream = await sdk(mock).chat.completions.create({
      model: "mock-model",
      messages: [{ role: "user", content: "x" }],
      tools,
      stream: true,
    });
    const deltas = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) deltas.push(delta);
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(deltas[0]).toMatchObject({ index: 0, type: "function", function: { name: "get_weather", arguments: "" } });
    expect(deltas[0]!.id).toMatch(/^call_/);
    const fragments = deltas.slice(1).map((delta) => delta.function!.arguments!);
    expect(fragments.length).toBeGreaterThan(1);
    expect(JSON.parse(fragments.join(""))).toEqual({ city: "Paris", unit: "celsius" });
    expect(finish).toBe("tool_calls");
  });

  it("reassembles through the SDK's stream helper", async () => {
    const final = await sdk(mock)
      .chat.completions.stream({ model: "mock-model", messages: [{ role: "user", content: "x" }], tools })
      .finalChatCompletion();
    expect(JSON.parse(final.choices[0]!.message.tool_calls![0]!.function.arguments)).toEqual({ city: "Paris", unit: "celsius" });
  });
});

describe("mock provider: pacing and script errors", () => {
  it("spaces chunks by chunkDelayMs and survives a client that hangs up mid-stream", async () => {
    const mock = await startMockProvider({ chunkDelayMs: 5 });
    try {
      const stream = await sdk(mock).chat.completions.create({ ...chatParams, stream: true });
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) break; // leaves the loop, which aborts the request
      }
      const completion = await sdk(mock).chat.completions.create({ ...chatParams, stream: true });
      let text = "";
      for await (const chunk of completion) text += chunk.choices[0]?.delta.content ?? "";
      expect(text).toBe("echo: hello mock world");
    } finally {
      await mock.close();
    }
  });

  it("turns a throwing reply function into a 500 carrying its message", async () => {
    const mock = await startMockProvider({
      reply: () => {
        throw new Error("script bug");
      },
    });
    try {
      const error = await sdk(mock)
        .chat.completions.create(chatParams)
        .then(() => undefined, (caught: APIError) => caught);
      expect(error?.status).toBe(500);
      expect(error?.message).toContain("script bug");
    } finally {
      await mock.close();
    }
  });
});

describe("mock provider: auth, recording, limits and lifecycle", () => {
  it("rejects a wrong bearer token with 401 invalid_api_key and records redacted headers", async () => {
    const mock = await startMockProvider({ apiKey: "sk-right" });
    try {
      const error = await sdk(mock, { apiKey: "sk-wrong" })
        .chat.completions.create({ model: "mock-model", messages: [{ role: "user", content: "x" }] })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((error as APIError).code).toBe("invalid_api_key");
      await sdk(mock, { apiKey: "sk-right" }).chat.completions.create({ model: "mock-model", messages: [{ role: "user", content: "x" }] });
      expect(mock.calls.map((call) => call.status)).toEqual([401, 200]);
      expect(mock.calls.every((call) => call.headers.authorization === "Bearer ***")).toBe(true);
      expect(JSON.stringify(mock.calls)).not.toContain("sk-right");
      expect(JSON.stringify(mock.calls)).not.toContain("sk-wrong");
    } finally {
      await mock.close();
    }
  });

  it("records every call with number, attempt, path, model, stream flag, body and clock time", async () => {
    let time = 1_000_000;
    const mock = await startMockProvider({ now: () => time, models: [{ id: "a" }, { id: "b" }] });
    try {
      const client = sdk(mock);
      await client.chat.completions.create({ model: "a", messages: [{ role: "user", content: "x" }] });
      time += 5;
      await (await client.chat.completions.create({ model: "b", messages: [{ role: "user", content: "y" }], stream: true })).controller.abort();
      await client.chat.completions.create({ model: "a", messages: [{ role: "user", content: "z" }] });
      expect(mock.calls.map(({ n, attempt, model, stream, at, method, path }) => ({ n, attempt, model, stream, at, method, path }))).toEqual([
        { n: 1, attempt: 1, model: "a", stream: false, at: 1_000_000, method: "POST", path: "/v1/chat/completions" },
        { n: 2, attempt: 1, model: "b", stream: true, at: 1_000_005, method: "POST", path: "/v1/chat/completions" },
        { n: 3, attempt: 2, model: "a", stream: false, at: 1_000_005, method: "POST", path: "/v1/chat/completions" },
      ]);
      expect(mock.callsFor("a")).toHaveLength(2);
      expect(mock.calls[0]!.body).toEqual({ model: "a", messages: [{ role: "user", content: "x" }] });
      mock.reset();
      expect(mock.calls).toEqual([]);
      await client.chat.completions.create({ model: "a", messages: [{ role: "user", content: "x" }] });
      expect(mock.calls[0]).toMatchObject({ n: 1, attempt: 1 });
    } finally {
      await mock.close();
    }
  });

  it("emits x-ratelimit-* headers with a decrementing remaining count", async () => {
    const mock = await startMockProvider({ rateLimitHeaders: { limitRequests: 3, resetRequests: "1s", limitTokens: 100 } });
    try {
      const headers = [];
      for (let index = 0; index < 4; index += 1) {
        const { response } = await sdk(mock).chat.completions.create(chatParams).withResponse();
        headers.push(response.headers);
      }
      expect(headers.map((h) => h.get("x-ratelimit-remaining-requests"))).toEqual(["2", "1", "0", "0"]);
      expect(headers[0]!.get("x-ratelimit-limit-requests")).toBe("3");
      expect(headers[0]!.get("x-ratelimit-reset-requests")).toBe("1s");
      // "hello mock world" = 3 prompt + 4 completion tokens
      expect(headers[0]!.get("x-ratelimit-remaining-tokens")).toBe("93");
    } finally {
      await mock.close();
    }
  });

  it("answers insufficient_quota after dailyQuota successes until resetQuota()", async () => {
    const mock = await startMockProvider({ dailyQuota: 2 });
    try {
      const client = sdk(mock);
      const call = () => client.chat.completions.create(chatParams).then(() => 200, (error: APIError) => error.code);
      expect([await call(), await call(), await call(), await call()]).toEqual([200, 200, "insufficient_quota", "insufficient_quota"]);
      expect(mock.calls.at(-1)).toMatchObject({ fault: "daily-quota", status: 429 });
      mock.resetQuota();
      expect(await call()).toBe(200);
    } finally {
      await mock.close();
    }
  });

  it("keeps connections alive between requests", async () => {
    const mock = await startMockProvider();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<boolean>((resolve, reject) => {
        const request = httpRequest(`${mock.url}/models`, { agent }, (response) => {
          response.resume();
          response.on("end", () => resolve(request.reusedSocket));
        });
        request.on("error", reject);
        request.end();
      });
    try {
      expect(await get()).toBe(false);
      expect(await get()).toBe(true);
    } finally {
      await mock.close();
      agent.destroy();
    }
  });

  it("close() is idempotent and resolves with idle keep-alive sockets open", async () => {
    const mock = await startMockProvider();
    const client = sdk(mock);
    await client.models.list();
    await client.models.list();
    const first = mock.close();
    expect(mock.close()).toBe(first);
    await first;
    await expect(client.models.list()).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
  });
});
