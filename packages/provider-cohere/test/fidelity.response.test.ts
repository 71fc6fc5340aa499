/**
 * Response fidelity: v2 chat answers, chat streams, embed answers and error bodies recorded in Cohere's
 * documented shapes (`src/__fixtures__`) are served from a recording server on 127.0.0.1 and read twice — by
 * the official SDK (`CohereClientV2.chat`, `chatStream`, `embed`) and by our connector. Each case asserts the
 * expected OpenAI result (content, tool calls with ids and JSON arguments, finish reason, usage, errors by
 * status) and that it agrees with what the SDK made of the same bytes.
 */
import { CohereClientV2, CohereError } from "cohere-ai";
import type { ChatCompletionChunk, ChatCompletionRequest, CompletionUsage } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCohereProvider, type CohereProvider } from "../src/index.js";
import { startRecordingServer, type RecordingServer } from "./support/capture-server.js";
import { fixture, fixtureEvents, toSse } from "./support/fixtures.js";

const KEY = "co-fidelity-0123456789abcdef";
const MODEL = "command-a-03-2025";
const REQUEST: ChatCompletionRequest = { model: MODEL, messages: [{ role: "user", content: "Hi" }] };
const SDK_REQUEST = { model: MODEL, messages: [{ role: "user" as const, content: "Hi" }] };

/** What one answer means in OpenAI terms (written from the fixture, not computed by the connector). */
interface Expected {
  content: string | null;
  toolCalls?: Array<{ id: string; name: string; input: unknown }>;
  finish: string;
  usage: Partial<CompletionUsage>;
}

const ANSWERS: Record<string, Expected> = {
  "cohere-text": { content: "LLMs, or large language models, are artificial intelligence models trained on vast amounts of text.", finish: "stop", usage: { prompt_tokens: 215, completion_tokens: 20, total_tokens: 235 } },
  "cohere-tool-call": {
    content: "I will look up the weather in Toronto and in Paris.",
    toolCalls: [
      { id: "get_weather_1byjy32y4hvq", name: "get_weather", input: { location: "Toronto" } },
      { id: "get_weather_2cw8k1d5bm0t", name: "get_weather", input: { location: "Paris", unit: "celsius" } },
    ],
    finish: "tool_calls",
    usage: { prompt_tokens: 1313, completion_tokens: 72, total_tokens: 1385 },
  },
  "cohere-max-tokens": { content: "The history of Rome begins with", finish: "length", usage: { prompt_tokens: 207, completion_tokens: 8 } },
  "cohere-stop-sequence": { content: "1, 2, 3, 4", finish: "stop", usage: { prompt_tokens: 210, completion_tokens: 12 } },
  "cohere-json": { content: '{"city":"Paris","temperature_c":18}', finish: "stop", usage: { prompt_tokens: 640, completion_tokens: 14, prompt_tokens_details: { cached_tokens: 512 } } },
};

const STREAMS: Record<string, Expected> = {
  "cohere-text": { content: "Hello! How can I help?", finish: "stop", usage: { prompt_tokens: 198, completion_tokens: 7, total_tokens: 205 } },
  "cohere-tool-call": {
    content: "I will check the weather.",
    toolCalls: [
      { id: "get_weather_nsz5zm3w56q3", name: "get_weather", input: { location: "Toronto" } },
      { id: "get_weather_7hp2q0x1kd4r", name: "get_weather", input: { location: "Paris" } },
    ],
    finish: "tool_calls",
    usage: { prompt_tokens: 1313, completion_tokens: 64, total_tokens: 1377 },
  },
  "cohere-max-tokens": { content: "The history of Rome begins with", finish: "length", usage: { prompt_tokens: 207, completion_tokens: 8 } },
  "cohere-thinking": { content: "27 * 453 = 12,231", finish: "stop", usage: { prompt_tokens: 220, completion_tokens: 40 } },
};

const FINISH: Record<string, string> = { COMPLETE: "stop", STOP_SEQUENCE: "stop", MAX_TOKENS: "length", TOOL_CALL: "tool_calls" };

/** OpenAI-side view of a stream: content, tool calls reassembled by index, finish reasons, last usage. */
function reassemble(chunks: ChatCompletionChunk[]) {
  const calls: Array<{ id?: string; name: string; arguments: string }> = [];
  for (const chunk of chunks) {
    for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
      const call = (calls[delta.index] ??= { name: "", arguments: "" });
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name += delta.function.name;
      if (delta.function?.arguments) call.arguments += delta.function.arguments;
    }
  }
  return {
    content: chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""),
    calls,
    finishes: chunks.flatMap((chunk) => chunk.choices).map((choice) => choice.finish_reason).filter((reason) => reason != null),
    usage: chunks.filter((chunk) => chunk.usage).at(-1)?.usage,
    last: chunks.at(-1),
  };
}

/** What the SDK's stream events add up to (its own event objects, camelCase). */
async function sdkStream(client: CohereClientV2) {
  let id = "";
  let text = "";
  let plan = "";
  let finish = "";
  let usage: { tokens?: { inputTokens?: number; outputTokens?: number } } | undefined;
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for await (const event of await client.chatStream(SDK_REQUEST)) {
    if (event.type === "message-start") id = event.id ?? "";
    if (event.type === "content-delta") text += event.delta?.message?.content?.text ?? "";
    if (event.type === "tool-plan-delta") plan += event.delta?.message?.toolPlan ?? "";
    if (event.type === "tool-call-start") {
      const call = event.delta?.message?.toolCalls;
      calls.push({ id: call?.id ?? "", name: call?.function?.name ?? "", arguments: call?.function?.arguments ?? "" });
    }
    if (event.type === "tool-call-delta") calls.at(-1)!.arguments += event.delta?.message?.toolCalls?.function?.arguments ?? "";
    if (event.type === "message-end") {
      finish = String(event.delta?.finishReason ?? "");
      usage = event.delta?.usage;
    }
  }
  return { id, text, plan, finish, usage, calls };
}

describe("response fidelity: recorded Cohere answers → OpenAI completions, read by the SDK and by the connector", () => {
  let server: RecordingServer;
  let sdk: CohereClientV2;
  let provider: CohereProvider;

  beforeAll(async () => {
    server = await startRecordingServer({ json: {} });
    sdk = new CohereClientV2({ token: KEY, baseUrl: server.url, maxRetries: 0 });
    provider = createCohereProvider({ base_url: server.url, api_key: KEY });
  });
  afterAll(async () => {
    await provider.close();
    await server.close();
  });

  for (const [name, expected] of Object.entries(ANSWERS)) {
    it(`${name}.json`, async () => {
      server.reply({ json: fixture(name) });
      const answer = await sdk.chat(SDK_REQUEST);
      const completion = await provider.complete(REQUEST);
      const choice = completion.choices[0]!;
      expect(completion.object).toBe("chat.completion");
      expect(completion.model).toBe(MODEL);
      expect(choice.message.role).toBe("assistant");
      expect(choice.message.content).toBe(expected.content);
      expect(choice.finish_reason).toBe(expected.finish);
      expect(completion.usage).toMatchObject(expected.usage);
      const calls = (choice.message.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, input: JSON.parse(call.function.arguments) }));
      expect(calls).toEqual(expected.toolCalls ?? []);
      // Agreement with the SDK's reading of the same body.
      expect(completion.id).toBe(answer.id);
      expect(choice.finish_reason).toBe(FINISH[answer.finishReason]);
      const sdkText = (answer.message.content ?? []).map((item) => (item.type === "text" ? item.text : "")).join("");
      expect(choice.message.content).toBe(sdkText !== "" ? sdkText : (answer.message.toolPlan ?? null));
      expect(calls).toEqual((answer.message.toolCalls ?? []).map((call) => ({ id: call.id, name: call.function?.name, input: JSON.parse(call.function?.arguments ?? "{}") })));
      expect(completion.usage!.prompt_tokens).toBe(answer.usage?.tokens?.inputTokens);
      expect(completion.usage!.completion_tokens).toBe(answer.usage?.tokens?.outputTokens);
    });
  }

  for (const [name, expected] of Object.entries(STREAMS)) {
    it(`${name}.chunks.txt`, async () => {
      server.reply({ sse: toSse(fixtureEvents(name)) });
      const reference = await sdkStream(sdk);
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of provider.stream({ ...REQUEST, stream: true })) chunks.push(chunk);
      const result = reassemble(chunks);
      for (const chunk of chunks) {
        expect(chunk.object).toBe("chat.completion.chunk");
        expect(chunk.id).toBe(reference.id);
        expect(chunk.model).toBe(MODEL);
      }
      expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
      expect(result.content).toBe(expected.content);
      expect(result.finishes).toEqual([expected.finish]);
      expect(result.last?.choices).toEqual([]);
      expect(result.last?.usage).toMatchObject(expected.usage);
      const calls = result.calls.map((call) => ({ id: call.id, name: call.name, input: JSON.parse(call.arguments) }));
      expect(calls).toEqual(expected.toolCalls ?? []);
      // Agreement with the SDK's events.
      expect(result.content).toBe(reference.plan + reference.text);
      expect(calls).toEqual(reference.calls.map((call) => ({ id: call.id, name: call.name, input: JSON.parse(call.arguments) })));
      expect(result.finishes).toEqual([FINISH[reference.finish]]);
      expect(result.usage!.prompt_tokens).toBe(reference.usage?.tokens?.inputTokens);
      expect(result.usage!.completion_tokens).toBe(reference.usage?.tokens?.outputTokens);
    });
  }

  it("cohere-embed.json: embeddings.float → data, billed input tokens → usage, as the SDK reads them", async () => {
    server.reply({ json: fixture("cohere-embed") });
    const reference = await sdk.embed({ model: "embed-v4.0", texts: ["hello", "goodbye"], inputType: "search_document", embeddingTypes: ["float"] });
    const response = await provider.embed({ model: "embed-v4.0", input: ["hello", "goodbye"] });
    expect(response.object).toBe("list");
    expect(response.model).toBe("embed-v4.0");
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
    expect(response.data[0]!.embedding).toEqual([0.016296387, -0.008354187, -0.04699707, -0.07104492]);
    expect(response.data.map((item) => item.embedding)).toEqual(reference.embeddings.float);
    expect(response.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    expect(response.usage.prompt_tokens).toBe(reference.meta?.billedUnits?.inputTokens);
  });

  it("cohere-embed.json with encoding_format base64: little-endian float32, as OpenAI encodes it", async () => {
    server.reply({ json: fixture("cohere-embed") });
    const response = await provider.embed({ model: "embed-v4.0", input: ["hello", "goodbye"], encoding_format: "base64" });
    const bytes = Buffer.from(response.data[0]!.embedding as unknown as string, "base64");
    const floats = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    expect(floats.map((value) => Number(value.toFixed(6)))).toEqual([0.016296, -0.008354, -0.046997, -0.071045]);
  });

  const ERRORS: Array<[name: string, status: number, category: string, retryable: boolean]> = [
    ["cohere-error-bad-request", 400, "invalid_request", false],
    ["cohere-error-too-many-tokens", 400, "context_length", false],
    ["cohere-error-unauthorized", 401, "auth", false],
    ["cohere-error-payment", 402, "quota_exhausted", false],
    ["cohere-error-not-found", 404, "invalid_request", false],
    ["cohere-error-unprocessable", 422, "invalid_request", false],
    ["cohere-error-rate-limit", 429, "rate_limit", true],
    ["cohere-error-trial-month", 429, "quota_exhausted", false],
    ["cohere-error-invalid-token", 498, "auth", false],
    ["cohere-error-client-closed", 499, "server", true],
    ["cohere-error-internal", 500, "server", true],
    ["cohere-error-unavailable", 503, "server", true],
  ];
  for (const [name, status, category, retryable] of ERRORS) {
    it(`${name}.json (HTTP ${status}) → ${category}, for our error and for the SDK's`, async () => {
      const body = fixture(name);
      server.reply({ status, json: body, headers: status === 429 ? { "retry-after": "7" } : {} });
      const sdkError = (await sdk.chat(SDK_REQUEST).catch((caught: unknown) => caught)) as CohereError;
      expect(sdkError).toBeInstanceOf(CohereError);
      expect(sdkError.statusCode).toBe(status);
      const ours = await provider.complete(REQUEST).catch((caught: unknown) => caught);
      expect(ours).toMatchObject({ status, category, retryable, metadata: { requestId: body.id } });
      expect((ours as Error).message).toContain(body.message.slice(0, 40));
      if (status === 429) expect(ours).toMatchObject({ retryAfterMs: 7_000 });
      // The same classification for the SDK's error object (for code that calls the SDK directly).
      expect(provider.classifyError(sdkError)).toMatchObject({ category, retryable, status });
    });
  }

  it("cohere-error-end.chunks.txt: a message-end with finish_reason ERROR throws a retryable server error", async () => {
    server.reply({ sse: toSse(fixtureEvents("cohere-error-end")) });
    const reference = await sdkStream(sdk);
    expect(reference.finish).toBe("ERROR");
    const chunks: ChatCompletionChunk[] = [];
    let error: unknown;
    try {
      for await (const chunk of provider.stream(REQUEST)) chunks.push(chunk);
    } catch (caught) {
      error = caught;
    }
    expect(reassemble(chunks).content).toBe("Partial ");
    expect(error).toMatchObject({ code: "MM_SERVER", category: "server", retryable: true, metadata: { phase: "stream", upstreamCode: "ERROR" } });
    expect((error as Error).message).toMatch(/internal server error/);
  });

  it("cohere-no-end.chunks.txt: a body closed before message-end throws MM_STREAM_INTERRUPTED", async () => {
    server.reply({ sse: toSse(fixtureEvents("cohere-no-end")) });
    const chunks: ChatCompletionChunk[] = [];
    let error: unknown;
    try {
      for await (const chunk of provider.stream(REQUEST)) chunks.push(chunk);
    } catch (caught) {
      error = caught;
    }
    expect(reassemble(chunks).content).toBe("Half an ans");
    expect(error).toMatchObject({ code: "MM_STREAM_INTERRUPTED", category: "stream_interrupted" });
  });

  it("a stream request answered with a whole JSON answer becomes chunks", async () => {
    server.reply({ json: fixture("cohere-tool-call") });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of provider.stream(REQUEST)) chunks.push(chunk);
    const result = reassemble(chunks);
    expect(result.calls.map((call) => call.id)).toEqual(["get_weather_1byjy32y4hvq", "get_weather_2cw8k1d5bm0t"]);
    expect(result.finishes).toEqual(["tool_calls"]);
    expect(result.usage).toMatchObject({ prompt_tokens: 1313, completion_tokens: 72 });
  });

  it("cohere-models.json: discovery keeps catalogue entries, adds new chat models, skips rerank", async () => {
    server.reply({ json: fixture("cohere-models") });
    const discovering = createCohereProvider({ base_url: server.url, api_key: KEY, discover_models: true });
    const models = await discovering.listModels();
    await discovering.close();
    const ids = models.map((model) => model.id);
    expect(ids).toContain("command-new-preview");
    expect(ids).not.toContain("rerank-v3.5");
    expect(models.find((model) => model.id === "command-new-preview")).toMatchObject({ contextWindow: 200_000 });
    expect(models.find((model) => model.id === "command-a-03-2025")).toMatchObject({ contextWindow: 256_000, pricing: { inputPerMillion: 2.5, outputPerMillion: 10 } });
  });
});
