/**
 * Response fidelity: Gemini responses and stream event sequences recorded in the shapes the API documents
 * (`src/__fixtures__`) are served from a real local server and parsed by our connector into OpenAI results,
 * which are asserted explicitly — and cross-checked against what the official SDK reads from the same bytes
 * (`response.text`, `response.functionCalls`, `usageMetadata`).
 */
import { GoogleGenAI, type GenerateContentResponse } from "@google/genai";
import { ProviderError, type ChatCompletion, type ChatCompletionChunk, type ChatCompletionRequest } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GeminiProvider } from "../src/index.js";
import { startCaptureServer, type CaptureServer } from "./support/capture-server.js";
import { chunks, fixture } from "./support/fixtures.js";

const KEY = "AIzaSy-fidelity-test-key-0123456789";
const REQUEST: ChatCompletionRequest = { model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] };

let capture: CaptureServer;
let ai: GoogleGenAI;
let provider: GeminiProvider;

beforeAll(async () => {
  // The SDK warns on stderr about non-text parts; the warnings are expected here.
  vi.spyOn(console, "warn").mockImplementation(() => {});
  capture = await startCaptureServer();
  ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: capture.url } });
  provider = new GeminiProvider({ baseUrl: capture.url, apiKey: KEY });
});
afterAll(async () => {
  await provider.close();
  await capture.close();
  vi.restoreAllMocks();
});

async function both(name: string): Promise<{ ours: ChatCompletion; sdk: GenerateContentResponse }> {
  capture.reply({ kind: "json", body: fixture(name) });
  const sdk = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "Hi" });
  const ours = await provider.complete(REQUEST);
  return { ours, sdk };
}

interface StreamResult {
  chunks: ChatCompletionChunk[];
  text: string;
  finishes: unknown[];
  error: unknown;
}

async function ourStream(name: string): Promise<StreamResult> {
  capture.reply({ kind: "sse", events: chunks(name) });
  const out: ChatCompletionChunk[] = [];
  let error: unknown;
  try {
    for await (const chunk of provider.stream(REQUEST)) out.push(chunk);
  } catch (caught) {
    error = caught;
  }
  return {
    chunks: out,
    text: out.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""),
    finishes: out.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter((reason) => reason !== null),
    error,
  };
}

async function sdkStream(name: string): Promise<{ text: string; calls: Array<{ name?: string; args?: unknown }>; last?: GenerateContentResponse; error: unknown }> {
  capture.reply({ kind: "sse", events: chunks(name) });
  let text = "";
  const calls: Array<{ name?: string; args?: unknown }> = [];
  let last: GenerateContentResponse | undefined;
  let error: unknown;
  try {
    for await (const chunk of await ai.models.generateContentStream({ model: "gemini-2.5-flash", contents: "Hi" })) {
      text += chunk.text ?? "";
      calls.push(...(chunk.functionCalls ?? []).map((call) => ({ name: call.name, args: call.args })));
      last = chunk;
    }
  } catch (caught) {
    error = caught;
  }
  return { text, calls, ...(last ? { last } : {}), error };
}

describe("recorded responses → OpenAI chat completions", () => {
  it("text answer: content, stop, usage, id and model", async () => {
    const { ours, sdk } = await both("gemini-text");
    expect(ours).toMatchObject({
      id: "chatcmpl-mTxYaNnFMuPPnvgPt5SbsAM",
      object: "chat.completion",
      model: "gemini-2.0-flash",
      choices: [{ index: 0, message: { role: "assistant", content: "The capital of France is Paris." }, finish_reason: "stop" }],
      usage: { prompt_tokens: 8, completion_tokens: 7, total_tokens: 15 },
    });
    expect(ours.choices[0]!.message.tool_calls).toBeUndefined();
    expect(ours.choices[0]!.message.content).toBe(sdk.text);
    expect(ours.usage!.total_tokens).toBe(sdk.usageMetadata!.totalTokenCount);
  });

  it("parallel function calls: tool_calls with stable ids and JSON arguments, finish tool_calls, thinking billed as output", async () => {
    const { ours, sdk } = await both("gemini-tool-calls");
    const choice = ours.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      {
        id: "call_Ab3YaK7fEPmXz7IPk_eT0QY_0_0",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' },
        extra_content: { google: { thought_signature: "CiQBVKhc7q3Zc2lnbmF0dXJl" } },
      },
      { id: "call_Ab3YaK7fEPmXz7IPk_eT0QY_0_1", type: "function", function: { name: "get_time", arguments: '{"timezone":"Europe/Paris"}' } },
    ]);
    expect(choice.message.tool_calls!.map((call) => ({ name: call.function.name, args: JSON.parse(call.function.arguments) }))).toEqual(
      sdk.functionCalls!.map((call) => ({ name: call.name, args: call.args })),
    );
    expect(ours.usage).toEqual({ prompt_tokens: 74, completion_tokens: 106, total_tokens: 180, completion_tokens_details: { reasoning_tokens: 74 } });
    // The same bytes always give the same ids.
    expect((await provider.complete(REQUEST)).choices[0]!.message.tool_calls!.map((call) => call.id)).toEqual(choice.message.tool_calls!.map((call) => call.id));
  });

  it("text plus a call carrying Gemini's own id: both kept, the id verbatim", async () => {
    const { ours, sdk } = await both("gemini-text-and-call");
    expect(ours.choices[0]).toMatchObject({
      finish_reason: "tool_calls",
      message: { content: "Let me look that up.", tool_calls: [{ id: "fc_5b1c0e7a", function: { name: "search_docs", arguments: '{"query":"quota limits","top_k":3}' } }] },
    });
    expect(ours.choices[0]!.message.content).toBe(sdk.text);
    expect(sdk.functionCalls![0]!.id).toBe("fc_5b1c0e7a");
  });

  it("MAX_TOKENS → length", async () => {
    const { ours, sdk } = await both("gemini-max-tokens");
    expect(ours.choices[0]!.finish_reason).toBe("length");
    expect(ours.choices[0]!.message.content).toBe(sdk.text);
  });

  it("SAFETY finish without content → content_filter, content null", async () => {
    const { ours, sdk } = await both("gemini-safety");
    expect(ours.choices[0]).toMatchObject({ finish_reason: "content_filter", message: { role: "assistant", content: null } });
    expect(sdk.text).toBeUndefined();
    expect(ours.usage).toEqual({ prompt_tokens: 11, completion_tokens: 0, total_tokens: 11 });
  });

  it("a blocked prompt (promptFeedback.blockReason) → MM_CONTENT_FILTER error", async () => {
    capture.reply({ kind: "json", body: fixture("gemini-prompt-blocked") });
    const error = await provider.complete(REQUEST).catch((caught: unknown) => caught);
    expect(ProviderError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: "MM_CONTENT_FILTER", category: "content_filter", retryable: false, provider: "127.0.0.1:" + new URL(capture.url).port, model: "gemini-2.5-flash" });
    expect((error as Error).message).toContain("PROHIBITED_CONTENT");
    const sdk = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "Hi" });
    expect(sdk.promptFeedback?.blockReason).toBe("PROHIBITED_CONTENT");
  });

  it("thought summaries are not content; thoughts and cached tokens are reported", async () => {
    const { ours, sdk } = await both("gemini-thinking");
    expect(ours.choices[0]!.message.content).toBe("6 × 7 = 42.");
    expect(ours.choices[0]!.message.content).toBe(sdk.text);
    expect(ours.usage).toEqual({
      prompt_tokens: 9,
      completion_tokens: 143,
      total_tokens: 152,
      completion_tokens_details: { reasoning_tokens: 135 },
      prompt_tokens_details: { cached_tokens: 4 },
    });
  });

  it("several candidates (n = 2) → several choices", async () => {
    const { ours, sdk } = await both("gemini-candidates");
    expect(ours.choices.map((choice) => [choice.index, choice.message.content, choice.finish_reason])).toEqual([
      [0, "Blue.", "stop"],
      [1, "Azure.", "stop"],
    ]);
    expect(sdk.candidates).toHaveLength(2);
  });
});

describe("recorded stream event sequences → OpenAI chunks", () => {
  it("text stream: deltas, one finish_reason, usage on the final chunk, stable id", async () => {
    const ours = await ourStream("gemini-text");
    const sdk = await sdkStream("gemini-text");
    expect(ours.error).toBeUndefined();
    expect(ours.text).toBe("The capital of France is Paris.");
    expect(ours.text).toBe(sdk.text);
    expect(ours.finishes).toEqual(["stop"]);
    expect(ours.chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(ours.chunks.slice(1).every((chunk) => chunk.choices[0]?.delta.role === undefined)).toBe(true);
    expect(new Set(ours.chunks.map((chunk) => chunk.id))).toEqual(new Set(["chatcmpl-3UBYaPLCHc2gnvgPnOnB2Qk"]));
    expect(ours.chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    expect(ours.chunks.at(-1)!.usage).toEqual({ prompt_tokens: 8, completion_tokens: 7, total_tokens: 15 });
    expect(ours.chunks.slice(0, -1).every((chunk) => chunk.usage === undefined)).toBe(true);
    expect(sdk.last?.usageMetadata?.totalTokenCount).toBe(15);
  });

  it("function calls arrive whole: one tool-call delta each, with index and id; finish tool_calls", async () => {
    const ours = await ourStream("gemini-tool-calls");
    const sdk = await sdkStream("gemini-tool-calls");
    expect(ours.error).toBeUndefined();
    expect(ours.text).toBe("Checking both cities.");
    const deltas = ours.chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(deltas).toEqual([
      { index: 0, id: "call_Xb5YaJf9Ko2lnvgPgNe5mQ4_0_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' }, extra_content: { google: { thought_signature: "CiIBVKhc7pS2aWduYXR1cmU=" } } },
      { index: 1, id: "call_Xb5YaJf9Ko2lnvgPgNe5mQ4_0_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
    ]);
    expect(deltas.map((delta) => ({ name: delta.function!.name, args: JSON.parse(delta.function!.arguments!) }))).toEqual(sdk.calls);
    expect(ours.finishes).toEqual(["tool_calls"]);
    expect(ours.chunks.at(-1)!.usage).toEqual({ prompt_tokens: 61, completion_tokens: 93, total_tokens: 154, completion_tokens_details: { reasoning_tokens: 59 } });
  });

  it("thinking stream: thoughts skipped, MAX_TOKENS → length", async () => {
    const ours = await ourStream("gemini-thinking");
    const sdk = await sdkStream("gemini-thinking");
    expect(ours.error).toBeUndefined();
    expect(ours.text).toBe("One, two, three.");
    expect(ours.text).toBe(sdk.text);
    expect(ours.finishes).toEqual(["length"]);
    expect(ours.chunks.at(-1)!.usage?.completion_tokens_details?.reasoning_tokens).toBe(50);
  });

  it("an error object inside the 200 stream → classified error after the partial output", async () => {
    const ours = await ourStream("gemini-error-in-stream");
    const sdk = await sdkStream("gemini-error-in-stream");
    expect(ours.text).toBe("Partial");
    expect(ours.error).toMatchObject({ code: "MM_SERVER", category: "server", retryable: true });
    expect((ours.error as Error).message).toContain("overloaded");
    expect((sdk.error as { status?: number }).status).toBe(503);
  });

  it("a body that ends without finishReason → MM_STREAM_INTERRUPTED, never a clean end", async () => {
    const ours = await ourStream("gemini-truncated");
    expect(ours.text).toBe("This answer was cut");
    expect(ours.finishes).toEqual([]);
    expect(ours.error).toMatchObject({ code: "MM_STREAM_INTERRUPTED", category: "stream_interrupted" });
  });

  it("a blocked prompt in the first event → MM_CONTENT_FILTER before any chunk", async () => {
    const ours = await ourStream("gemini-prompt-blocked");
    expect(ours.chunks).toEqual([]);
    expect(ours.error).toMatchObject({ code: "MM_CONTENT_FILTER", category: "content_filter" });
  });
});

describe("recorded embeddings and model lists", () => {
  it("embedContent (one string) → one OpenAI embedding", async () => {
    capture.reply({ kind: "json", body: fixture("gemini-embed") });
    capture.clear();
    const response = await provider.embed({ model: "text-embedding-004", input: "hello" });
    expect(capture.requests[0]!.path).toBe("/v1beta/models/text-embedding-004:embedContent");
    expect(capture.requests[0]!.body).toEqual({ content: { parts: [{ text: "hello" }], role: "user" } });
    expect(response).toEqual({
      object: "list",
      model: "text-embedding-004",
      data: [{ object: "embedding", index: 0, embedding: [0.013168523, -0.008711934, -0.046782676, 0.00069968984] }],
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
  });

  it("batchEmbedContents → embeddings in input order; the SDK reads the same vectors", async () => {
    capture.reply({ kind: "json", body: fixture("gemini-embed-batch") });
    const ours = await provider.embed({ model: "text-embedding-004", input: ["a", "b"] });
    const sdk = await ai.models.embedContent({ model: "text-embedding-004", contents: ["a", "b"] });
    expect(ours.data.map((item) => item.index)).toEqual([0, 1]);
    expect(ours.data.map((item) => item.embedding)).toEqual(sdk.embeddings!.map((embedding) => embedding.values));
  });

  it("GET /v1beta/models → servable models merged with the catalogue", async () => {
    capture.reply({ kind: "json", body: fixture("gemini-models") });
    const local = new GeminiProvider({ baseUrl: capture.url, apiKey: KEY });
    const discovered = await local.discoverModels();
    expect(discovered.map((model) => model.id)).toEqual(["gemini-2.5-flash", "gemini-2.5-flash-preview-09-2025", "gemma-3-27b-it", "gemini-embedding-001"]);
    const listed = await local.listModels();
    const find = (id: string) => listed.find((model) => model.id === id)!;
    const flash = find("gemini-2.5-flash");
    expect(flash).toMatchObject({ name: "Gemini 2.5 Flash", contextWindow: 1_048_576, maxOutputTokens: 65_536, pricing: { inputPerMillion: 0.3, outputPerMillion: 2.5 } });
    const gemma = find("gemma-3-27b-it");
    expect(gemma).toMatchObject({ capabilities: ["generation.text-generation.chat-completion"], contextWindow: 131_072, features: { assistantPrefill: false } });
    expect(gemma.features?.toolCalling).toBeUndefined();
    expect(find("gemini-embedding-001").capabilities).toEqual(["representation.embeddings.text-embeddings"]);
    expect(listed.some((model) => model.id === "gemini-2.5-pro")).toBe(true);
    await local.close();
  });
});
