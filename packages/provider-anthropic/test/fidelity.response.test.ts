/**
 * Response fidelity: Messages API responses and stream event sequences recorded in the SDK's documented shapes
 * (`src/__fixtures__`) are served from a capture server on 127.0.0.1 and read twice — by the official SDK
 * (`messages.create`, and `messages.stream().finalMessage()` which accumulates the events) and by our
 * connector. Each case asserts the expected OpenAI result (content, tool_calls with ids and JSON arguments,
 * finish_reason, usage) and that it agrees with what the SDK made of the same bytes.
 */
import Anthropic from "@anthropic-ai/sdk";
import type { ChatCompletionChunk, ChatCompletionRequest, CompletionUsage } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnthropicProvider, type AnthropicProvider } from "../src/index.js";
import { startCaptureServer, type CaptureServer } from "./support/capture-server.js";
import { fixture, fixtureEvents, toSse } from "./support/fixtures.js";

const KEY = "sk-ant-api03-fidelity-0123456789abcdef";
const MODEL = "claude-haiku-4-5";
const PARAMS = { model: MODEL, max_tokens: 1024, messages: [{ role: "user" as const, content: "Hi" }] };
const JSON_FORMAT = { type: "json_schema" as const, json_schema: { name: "weather_report", schema: { type: "object" } } };

/** What one response means in OpenAI terms. */
interface Expected {
  content: string | null;
  toolCalls?: Array<{ id: string; name: string; input: unknown }>;
  finish: string;
  usage: Partial<CompletionUsage>;
  refusal?: string;
  /** The request asked for a structured answer (the fixture's tool is the answer tool). */
  json?: boolean;
}

const MESSAGES: Record<string, Expected> = {
  "anthropic-text": { content: "Hi! My name is Claude.", finish: "stop", usage: { prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598 } },
  "anthropic-tool-use": {
    content: "I'll check the current weather in San Francisco for you.",
    toolCalls: [{ id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather", input: { location: "San Francisco, CA", unit: "celsius" } }],
    finish: "tool_calls",
    usage: { prompt_tokens: 472, completion_tokens: 89, total_tokens: 561 },
  },
  "anthropic-parallel-tools": {
    content: null,
    toolCalls: [
      { id: "toolu_01WeatherSF0000000000001", name: "get_weather", input: { location: "San Francisco, CA" } },
      { id: "toolu_01TimeSF000000000000002", name: "get_time", input: { timezone: "America/Los_Angeles" } },
    ],
    finish: "tool_calls",
    usage: { prompt_tokens: 610, completion_tokens: 131 },
  },
  "anthropic-max-tokens": { content: "The history of Rome begins with", finish: "length", usage: { prompt_tokens: 18, completion_tokens: 8 } },
  "anthropic-stop-sequence": { content: "1, 2, 3, 4", finish: "stop", usage: { prompt_tokens: 22, completion_tokens: 12 } },
  "anthropic-refusal": { content: "I can't help with that.", finish: "content_filter", refusal: "The request could enable malware development.", usage: { prompt_tokens: 31, completion_tokens: 9 } },
  "anthropic-cache-usage": { content: "Based on the document, the answer is 42.", finish: "stop", usage: { prompt_tokens: 188_107, completion_tokens: 393, total_tokens: 188_500 } },
  "anthropic-cache-read": { content: "It is still 42.", finish: "stop", usage: { prompt_tokens: 188_105, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 188_086 } } },
  "anthropic-thinking": { content: "Yes, there are infinitely many prime numbers such that...", finish: "stop", usage: { prompt_tokens: 54, completion_tokens: 320 } },
  "anthropic-json-tool": { content: '{"city":"Paris","temperature_c":18,"conditions":["cloudy","light rain"]}', finish: "stop", usage: { prompt_tokens: 301, completion_tokens: 58 }, json: true },
};

const STREAMS: Record<string, Expected> = {
  "anthropic-text": { content: "Hello!", finish: "stop", usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 } },
  "anthropic-tool-use": {
    content: "Okay, let's check the weather for San Francisco, CA:",
    toolCalls: [{ id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather", input: { location: "San Francisco, CA", unit: "fahrenheit" } }],
    finish: "tool_calls",
    usage: { prompt_tokens: 472, completion_tokens: 89 },
  },
  "anthropic-parallel-tools": {
    content: "",
    toolCalls: [
      { id: "toolu_01WeatherSF0000000000001", name: "get_weather", input: { location: "San Francisco, CA" } },
      { id: "toolu_01TimeSF000000000000002", name: "get_time", input: { timezone: "America/Los_Angeles" } },
    ],
    finish: "tool_calls",
    usage: { prompt_tokens: 610, completion_tokens: 131 },
  },
  "anthropic-thinking": { content: "27 * 453 = 12,231", finish: "stop", usage: { prompt_tokens: 54, completion_tokens: 160 } },
  "anthropic-cache": { content: "It is 42.", finish: "stop", usage: { prompt_tokens: 188_107, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 188_086 } } },
  "anthropic-max-tokens": { content: "The history of Rome begins with", finish: "length", usage: { completion_tokens: 8 } },
  "anthropic-stop-sequence": { content: "1, 2, 3, 4", finish: "stop", usage: { completion_tokens: 12 } },
  "anthropic-refusal": { content: "I can", finish: "content_filter", usage: { prompt_tokens: 31, completion_tokens: 4 } },
  "anthropic-json-tool": { content: '{"city": "Paris", "temperature_c": 18, "conditions": ["cloudy", "light rain"]}', finish: "stop", usage: { prompt_tokens: 301, completion_tokens: 58 }, json: true },
};

/** OpenAI-side view of a stream: concatenated content, tool calls reassembled by index, finishes, last usage. */
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

const STOP_MAP: Record<string, string> = { end_turn: "stop", stop_sequence: "stop", max_tokens: "length", tool_use: "tool_calls", refusal: "content_filter" };

function sdkText(message: Anthropic.Message): string {
  return message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
}

function sdkTools(message: Anthropic.Message): Array<{ id: string; name: string; input: unknown }> {
  return message.content.flatMap((block) => (block.type === "tool_use" ? [{ id: block.id, name: block.name, input: block.input }] : []));
}

function sdkPromptTokens(usage: Anthropic.Usage): number {
  return usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

describe("response fidelity: recorded Messages API responses → OpenAI completions", () => {
  let capture: CaptureServer;
  let sdk: Anthropic;
  let provider: AnthropicProvider;

  beforeAll(async () => {
    capture = await startCaptureServer({ json: {} });
    sdk = new Anthropic({ apiKey: KEY, baseURL: capture.url, maxRetries: 0 });
    provider = createAnthropicProvider({ base_url: capture.url, api_key: KEY });
  });
  afterAll(async () => {
    await provider.close();
    await capture.close();
  });

  for (const [name, expected] of Object.entries(MESSAGES)) {
    it(`${name}.json`, async () => {
      capture.reply({ json: fixture(name) });
      const message = await sdk.messages.create(PARAMS);
      const request = { ...PARAMS, ...(expected.json ? { response_format: JSON_FORMAT } : {}) } as ChatCompletionRequest;
      const completion = await provider.complete(request);
      const choice = completion.choices[0]!;
      expect(completion.object).toBe("chat.completion");
      expect(completion.id).toBe(message.id);
      expect(completion.model).toBe(message.model);
      expect(choice.message.role).toBe("assistant");
      expect(choice.message.content).toBe(expected.content);
      expect(choice.finish_reason).toBe(expected.finish);
      expect(completion.usage).toMatchObject(expected.usage);
      if (expected.refusal) expect(choice.message.refusal).toBe(expected.refusal);
      const calls = (choice.message.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, input: JSON.parse(call.function.arguments) }));
      expect(calls).toEqual(expected.toolCalls ?? []);
      for (const call of choice.message.tool_calls ?? []) expect(call.type).toBe("function");
      // Agreement with the SDK's reading of the same body.
      expect(completion.usage!.prompt_tokens).toBe(sdkPromptTokens(message.usage));
      expect(completion.usage!.completion_tokens).toBe(message.usage.output_tokens);
      if (expected.json) {
        expect(JSON.parse(choice.message.content!)).toEqual(sdkTools(message)[0]!.input);
      } else {
        expect(choice.message.content ?? "").toBe(sdkText(message));
        expect(calls).toEqual(sdkTools(message));
        expect(choice.finish_reason).toBe(STOP_MAP[message.stop_reason!]);
      }
    });
  }

  for (const [name, expected] of Object.entries(STREAMS)) {
    it(`${name}.chunks.txt`, async () => {
      capture.reply({ sse: toSse(fixtureEvents(name)) });
      const final = await sdk.messages.stream(PARAMS).finalMessage();
      const request = { ...PARAMS, ...(expected.json ? { response_format: JSON_FORMAT } : {}) } as ChatCompletionRequest;
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of provider.stream(request)) chunks.push(chunk);
      const result = reassemble(chunks);
      for (const chunk of chunks) {
        expect(chunk.object).toBe("chat.completion.chunk");
        expect(chunk.id).toBe(final.id);
        expect(chunk.model).toBe(final.model);
      }
      expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
      expect(result.content).toBe(expected.content);
      expect(result.finishes).toEqual([expected.finish]);
      expect(result.last?.choices).toEqual([]);
      expect(result.last?.usage).toMatchObject(expected.usage);
      const calls = result.calls.map((call) => ({ id: call.id, name: call.name, input: JSON.parse(call.arguments) }));
      expect(calls).toEqual(expected.toolCalls ?? []);
      // Agreement with the SDK's accumulation of the same events.
      expect(result.usage!.prompt_tokens).toBe(sdkPromptTokens(final.usage));
      expect(result.usage!.completion_tokens).toBe(final.usage.output_tokens);
      if (expected.json) {
        expect(JSON.parse(result.content)).toEqual(sdkTools(final)[0]!.input);
      } else {
        expect(result.content).toBe(sdkText(final));
        expect(calls).toEqual(sdkTools(final));
        expect(result.finishes).toEqual([STOP_MAP[final.stop_reason!]]);
      }
    });
  }

  const ERRORS: Array<[name: string, status: number, category: string, extra?: Record<string, unknown>]> = [
    ["anthropic-error-overloaded", 529, "server"],
    ["anthropic-error-rate-limit", 429, "rate_limit"],
    ["anthropic-error-credit", 400, "quota_exhausted"],
    ["anthropic-error-prompt-too-long", 400, "context_length"],
    ["anthropic-error-prefill", 400, "invalid_request", { prefillRejected: true }],
    ["anthropic-error-auth", 401, "auth"],
    ["anthropic-error-permission", 403, "auth"],
  ];
  for (const [name, status, category, extra] of ERRORS) {
    it(`${name}.json (HTTP ${status}) → ${category}, for our error and for the SDK's`, async () => {
      const body = fixture(name);
      capture.reply({ status, json: body, headers: { "request-id": body.request_id } });
      const sdkError = (await sdk.messages.create(PARAMS).catch((caught: unknown) => caught)) as InstanceType<typeof Anthropic.APIError>;
      expect(sdkError).toBeInstanceOf(Anthropic.APIError);
      expect(sdkError.status).toBe(status);
      const ours = await provider.complete(PARAMS).catch((caught: unknown) => caught);
      expect(ours).toMatchObject({ status, category, metadata: { upstreamCode: body.error.type, requestId: body.request_id, ...extra } });
      // The same classification for the SDK's error object (for code that calls the SDK directly).
      expect(provider.classifyError(sdkError).category).toBe(category);
    });
  }

  it("anthropic-error.chunks.txt: an error event inside the 200 stream throws a classified error", async () => {
    capture.reply({ sse: toSse(fixtureEvents("anthropic-error")) });
    await expect(sdk.messages.stream(PARAMS).finalMessage()).rejects.toThrow(/Overloaded/);
    const chunks: ChatCompletionChunk[] = [];
    const error = await (async () => {
      try {
        for await (const chunk of provider.stream(PARAMS)) chunks.push(chunk);
      } catch (caught) {
        return caught as { code?: string; category?: string; retryable?: boolean; metadata?: Record<string, unknown> };
      }
      return undefined;
    })();
    expect(reassemble(chunks).content).toBe("Partial ");
    expect(error).toMatchObject({ code: "MM_SERVER", category: "server", retryable: true, metadata: { upstreamCode: "overloaded_error", phase: "stream" } });
    expect(provider.classifyError(error)).toMatchObject({ category: "server", retryable: true });
  });

  it("anthropic-missing-stop.chunks.txt: a body closed after message_delta (no message_stop) ends cleanly", async () => {
    capture.reply({ sse: toSse(fixtureEvents("anthropic-missing-stop")) });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of provider.stream(PARAMS)) chunks.push(chunk);
    const result = reassemble(chunks);
    expect(result.content).toBe("Complete answer.");
    expect(result.finishes).toEqual(["stop"]);
    expect(result.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 });
  });

  it("anthropic-no-stop-reason.chunks.txt: a body closed before any stop reason throws MM_STREAM_INTERRUPTED", async () => {
    capture.reply({ sse: toSse(fixtureEvents("anthropic-no-stop-reason")) });
    const chunks: ChatCompletionChunk[] = [];
    let error: unknown;
    try {
      for await (const chunk of provider.stream(PARAMS)) chunks.push(chunk);
    } catch (caught) {
      error = caught;
    }
    expect(reassemble(chunks).content).toBe("Half an ans");
    expect(error).toMatchObject({ code: "MM_STREAM_INTERRUPTED", category: "stream_interrupted" });
  });
});
