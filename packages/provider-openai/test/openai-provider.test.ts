import { ProviderError, type ChatCompletionRequest } from "@modelmesh/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOpenAIProvider, createPresetProvider, OPENAI_MODELS, OPENAI_COMPATIBLE_PRESETS, type OpenAICompatiblePreset } from "../src/index.js";
import { startCaptureServer, type CaptureServer } from "./support/capture-server.js";
import { chunkFixture, fixture } from "./support/fixtures.js";
import { collect, TEST_KEY } from "./support/pair.js";

/** Behaviour of `OpenAIProvider` against a real local server: errors, quirks, catalogue, media details. */

let server: CaptureServer;
beforeAll(async () => {
  server = await startCaptureServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const preset = (id: string): OpenAICompatiblePreset => OPENAI_COMPATIBLE_PRESETS.find((entry) => entry.id === id)!;
const openai = () => createOpenAIProvider({ config: { base_url: server.url, api_key: TEST_KEY }, instanceId: "openai" });
const hi: ChatCompletionRequest = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };

async function failure(run: () => Promise<unknown>): Promise<ProviderError> {
  try {
    await run();
  } catch (error) {
    expect(ProviderError.is(error)).toBe(true);
    return error as ProviderError;
  }
  throw new Error("expected a rejection");
}

describe("error mapping", () => {
  it("a 429 with only x-ratelimit headers waits for the exhausted window to reset", async () => {
    server.reply = () => ({
      status: 429,
      json: fixture("openai-error-rate-limit"),
      headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "6m0s", "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "1.5s" },
    });
    const provider = openai();
    const error = await failure(() => provider.complete(hi));
    expect(error).toMatchObject({ category: "rate_limit", code: "MM_RATE_LIMIT", retryable: true, retryAfterMs: 360_000 });
    expect(error.metadata.rateLimit).toMatchObject({ remainingRequests: 0, resetRequestsMs: 360_000, resetTokensMs: 1_500 });
    expect(provider.classifyError(error)).toMatchObject({ category: "rate_limit", retryAfterMs: 360_000 });
  });

  it("x-ratelimit-* headers of a 200 are reported through onResponse, reset durations in OpenAI's `6m0s` / `20ms` form", async () => {
    server.reply = () => ({
      json: fixture("openai-chat-text"),
      headers: {
        "x-ratelimit-limit-requests": "10000",
        "x-ratelimit-remaining-requests": "9999",
        "x-ratelimit-reset-requests": "6ms",
        "x-ratelimit-limit-tokens": "200000",
        "x-ratelimit-remaining-tokens": "199980",
        "x-ratelimit-reset-tokens": "6m0s",
      },
    });
    const provider = openai();
    const seen: unknown[] = [];
    await provider.complete(hi, { onResponse: (meta) => seen.push(meta.rateLimit) });
    const expected = { limitRequests: 10_000, remainingRequests: 9_999, resetRequestsMs: 6, limitTokens: 200_000, remainingTokens: 199_980, resetTokensMs: 360_000 };
    expect(seen).toEqual([expected]);
  });

  it("a 429 typed `tokens` without a code is a rate limit although it mentions a payment method", async () => {
    server.reply = () => ({ status: 429, json: { error: { message: "Rate limit reached. Add a payment method to your account to increase your rate limit.", type: "tokens", code: null } } });
    expect(await failure(() => openai().complete(hi))).toMatchObject({ category: "rate_limit", retryable: true });
  });

  it("billing_hard_limit_reached (a 400) is quota_exhausted", async () => {
    server.reply = () => ({ status: 400, json: { error: { message: "Billing hard limit has been reached", type: "invalid_request_error", code: "billing_hard_limit_reached" } } });
    expect(await failure(() => openai().generateImage({ model: "dall-e-3", prompt: "x" }))).toMatchObject({ category: "quota_exhausted", code: "MM_QUOTA_EXHAUSTED", retryable: false });
  });

  it("a 401 invalid_api_key is auth and never echoes the key", async () => {
    server.reply = () => ({ status: 401, json: { error: { message: `Incorrect API key provided: ${TEST_KEY}.`, type: "invalid_request_error", code: "invalid_api_key" } } });
    const error = await failure(() => openai().complete(hi));
    expect(error).toMatchObject({ category: "auth", retryable: false, status: 401 });
    expect(error.message).not.toContain(TEST_KEY);
  });

  it("an error object inside a 200 stream throws a classified error", async () => {
    server.reply = () => ({ sse: [chunkFixture("openai-chat-text")[1]!, JSON.stringify({ error: { message: "The server had an error while processing your request.", type: "server_error" } })], done: false });
    const stream = openai().stream(hi);
    const error = await failure(() => collect(stream));
    expect(error).toMatchObject({ category: "server", retryable: true });
  });
});

describe("wire quirks of presets (OpenAI's own requests are untouched)", () => {
  const toolRequest = {
    ...hi,
    tools: [{ type: "function" as const, function: { name: "f", parameters: { type: "object" } } }],
    parallel_tool_calls: false,
  };

  it("openai.llm.v1 streams ask for usage and keep parallel_tool_calls", async () => {
    server.reply = () => ({ sse: chunkFixture("openai-chat-text") });
    await collect(openai().stream(toolRequest));
    expect(server.requests[0]!.json).toEqual({ ...toolRequest, stream: true, stream_options: { include_usage: true } });
  });

  it("perplexity: parallel_tool_calls and stream_options are never sent", async () => {
    server.reply = () => ({ sse: chunkFixture("openai-chat-text") });
    const provider = createPresetProvider(preset("perplexity.search.v1"), { base_url: server.url, api_key: TEST_KEY });
    await collect(provider.stream({ ...toolRequest, stream_options: { include_usage: true } } as ChatCompletionRequest));
    const { parallel_tool_calls, ...rest } = toolRequest;
    expect(parallel_tool_calls).toBe(false);
    expect(server.requests[0]!.json).toEqual({ ...rest, stream: true });
  });

  it("mistral: no stream_options, yet the usage Mistral sends unasked is reported", async () => {
    server.reply = () => ({ sse: chunkFixture("openai-chat-text") });
    const provider = createPresetProvider(preset("mistral.api.v1"), { base_url: server.url, api_key: TEST_KEY });
    const chunks = await collect(provider.stream(hi));
    expect(server.requests[0]!.json).toEqual({ ...hi, stream: true });
    expect(chunks.filter((chunk) => chunk.usage).at(-1)?.usage?.total_tokens).toBe(15);
  });

  it("a config's stream_usage beats the preset's quirk", async () => {
    server.reply = () => ({ sse: chunkFixture("openai-chat-text") });
    const provider = createPresetProvider(preset("mistral.api.v1"), { base_url: server.url, api_key: TEST_KEY, stream_usage: true });
    await collect(provider.stream(hi));
    expect(server.requests[0]!.json).toMatchObject({ stream_options: { include_usage: true } });
  });

  it("groq: usage in x_groq.usage is lifted into usage", async () => {
    const [first, second] = chunkFixture("openai-chat-text");
    const last = { id: "c", object: "chat.completion.chunk", created: 1, model: "llama-3.3-70b-versatile", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], x_groq: { id: "req_1", usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } } };
    server.reply = () => ({ sse: [first!, second!, JSON.stringify(last)] });
    const provider = createPresetProvider(preset("groq.api.v1"), { base_url: server.url, api_key: TEST_KEY });
    const chunks = await collect(provider.stream({ ...hi, model: "llama-3.3-70b-versatile" }));
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
  });
});

describe("catalogue and media details", () => {
  it("serves the default catalogue when the config lists no models", async () => {
    const provider = openai();
    expect((await provider.listModels()).map((model) => model.id)).toEqual(OPENAI_MODELS.map((model) => model.id));
    const models = await provider.listModels();
    expect(models.find((model) => model.id === "o4-mini")).toMatchObject({ contextWindow: 200_000, features: { assistantPrefill: false, structuredOutput: true, vision: true, toolCalling: true } });
    expect(provider.getCapabilities()).toEqual(
      expect.arrayContaining([
        "generation.text-generation.chat-completion",
        "representation.embeddings.text-embeddings",
        "generation.image-generation.text-to-image",
        "generation.audio-generation.text-to-speech",
        "understanding.audio-understanding.speech-to-text",
      ]),
    );
    expect(models.find((model) => model.id === "gpt-4.1")?.pricing).toEqual({ inputPerMillion: 2, outputPerMillion: 8 });
  });

  it("a provider never mutates the shared default tables", async () => {
    const model = (await openai().listModels()).find((m) => m.id === "gpt-4o")!;
    model.capabilities.push("x.y.z");
    model.features!.vision = false;
    expect(OPENAI_MODELS[0]!.capabilities).toEqual(["generation.text-generation.chat-completion"]);
    expect(OPENAI_MODELS[0]!.features!.vision).toBe(true);
  });

  it("discovered models join the catalogue (listModels knows them afterwards)", async () => {
    server.reply = () => ({ json: fixture("openai-models") });
    const provider = openai();
    const find = async (id: string) => (await provider.listModels()).find((model) => model.id === id);
    expect(await find("gpt-5-nano")).toBeUndefined();
    await provider.discoverModels();
    expect(await find("gpt-5-nano")).toMatchObject({ capabilities: ["generation.text-generation.chat-completion"] });
    expect((await provider.listModels()).length).toBe(OPENAI_MODELS.length + 4);
  });

  it("transcription: text formats come back as text; gpt-4o-transcribe token usage is passed through", async () => {
    server.reply = () => ({ bytes: new TextEncoder().encode("hello there"), contentType: "text/plain" });
    const provider = openai();
    expect(await provider.transcribe({ model: "whisper-1", file: new Uint8Array([1, 2]), response_format: "text" })).toEqual({ text: "hello there" });
    server.reply = () => ({ json: { text: "hi", usage: { type: "tokens", input_tokens: 14, output_tokens: 3, total_tokens: 17 } } });
    const transcript = await provider.transcribe({ model: "gpt-4o-transcribe", file: new Blob([new Uint8Array([1])]), chunking_strategy: { type: "server_vad", threshold: 0.5 }, include: ["logprobs"] });
    expect(transcript).toEqual({ text: "hi", usage: { type: "tokens", input_tokens: 14, output_tokens: 3, total_tokens: 17 } });
    const form = server.requests.at(-1)!.form!;
    expect(form.get("chunking_strategy[type]")).toBe("server_vad");
    expect(form.get("chunking_strategy[threshold]")).toBe("0.5");
    expect(form.getAll("include[]")).toEqual(["logprobs"]);
    expect((form.get("file") as File).name).toBe("audio.wav");
  });

  it("images: the answer comes back with gpt-image-1's token usage; a body without data is invalid", async () => {
    server.reply = () => ({ json: fixture("openai-images") });
    const provider = openai();
    const image = await provider.generateImage({ model: "gpt-image-1", prompt: "a red square" });
    expect(image.usage).toMatchObject({ input_tokens: 50, output_tokens: 50, total_tokens: 100 });
    server.reply = () => ({ json: { created: 1 } });
    expect(await failure(() => provider.generateImage({ model: "dall-e-3", prompt: "x" }))).toMatchObject({ code: "MM_INVALID_RESPONSE", model: "dall-e-3" });
  });

  it("transcription without text is MM_INVALID_RESPONSE", async () => {
    server.reply = () => ({ json: { nope: true } });
    expect(await failure(() => openai().transcribe({ model: "whisper-1", file: new Uint8Array([1]) }))).toMatchObject({ code: "MM_INVALID_RESPONSE" });
  });
});
