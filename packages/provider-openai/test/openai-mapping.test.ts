import { ProviderError, type ChatCompletionChunk, type ChatCompletionRequest } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { convertToOpenAIChatPayload, unsupportedRequestFields } from "../src/openai-chat-mapping.js";
import { openaiErrorCategory, openaiRetryAfterMs, refineOpenAIError } from "../src/openai-error-mapping.js";
import { inferCapabilities, mergeDiscoveredModels } from "../src/openai-response-mapping.js";
import { liftVendorUsage } from "../src/openai-stream-mapping.js";

/** The pure mappers, without I/O. */

describe("chat payload", () => {
  const request = { model: "m", messages: [], parallel_tool_calls: true, logit_bias: { "1": 1 }, extra: 1 } as ChatCompletionRequest;

  it("is the request itself for OpenAI (a copy, every field kept)", () => {
    const payload = convertToOpenAIChatPayload(request);
    expect(payload).toEqual(request);
    expect(payload).not.toBe(request);
  });

  it("drops only what the quirks name", () => {
    expect(unsupportedRequestFields({ supportsParallelToolCalls: false, unsupportedFields: ["logit_bias"] })).toEqual(["logit_bias", "parallel_tool_calls"]);
    expect(convertToOpenAIChatPayload(request, { supportsParallelToolCalls: false, unsupportedFields: ["logit_bias"] })).toEqual({ model: "m", messages: [], extra: 1 });
  });
});

describe("stream usage", () => {
  const chunk = { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [] } as ChatCompletionChunk;
  it("lifts a vendor usage object only when `usage` is missing", () => {
    const vendor = { ...chunk, x_groq: { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } } } as ChatCompletionChunk;
    expect(liftVendorUsage(vendor, "x_groq").usage).toEqual({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 });
    const own = { ...vendor, usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 } };
    expect(liftVendorUsage(own, "x_groq")).toBe(own);
    expect(liftVendorUsage(vendor, undefined)).toBe(vendor);
    expect(liftVendorUsage(chunk, "x_groq")).toBe(chunk);
  });
});

describe("errors", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");

  it("categories by OpenAI code or type", () => {
    expect(openaiErrorCategory(429, { error: { code: "insufficient_quota", type: "insufficient_quota" } })).toBe("quota_exhausted");
    expect(openaiErrorCategory(429, { error: { code: "rate_limit_exceeded", message: "billing" } })).toBe("rate_limit");
    expect(openaiErrorCategory(429, { error: { type: "requests", code: null } })).toBe("rate_limit");
    expect(openaiErrorCategory(400, { error: { type: "requests" } })).toBeUndefined();
    expect(openaiErrorCategory(400, "not json")).toBeUndefined();
  });

  it("retry waits: retry-after-ms, then Retry-After, then the exhausted window (rate limits only)", () => {
    expect(openaiRetryAfterMs({ "retry-after-ms": "1500", "retry-after": "9" }, "rate_limit", now)).toBe(1_500);
    expect(openaiRetryAfterMs({ "retry-after": "9" }, "rate_limit", now)).toBe(9_000);
    expect(openaiRetryAfterMs({ "retry-after": new Date(now + 4_000).toUTCString() }, "server", now)).toBe(4_000);
    const windows = { "x-ratelimit-remaining-requests": "3", "x-ratelimit-reset-requests": "1m", "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "20ms" };
    expect(openaiRetryAfterMs(windows, "rate_limit", now)).toBe(20);
    expect(openaiRetryAfterMs(windows, "server", now)).toBeUndefined();
    expect(openaiRetryAfterMs({}, "rate_limit", now)).toBeUndefined();
  });

  it("keeps the CDK's error when nothing OpenAI-specific applies", () => {
    const base = new ProviderError({ code: "MM_SERVER", category: "server", status: 503, message: "x" });
    expect(refineOpenAIError(base, 503, {}, "{}", now)).toBe(base);
    const refined = refineOpenAIError(base, 503, { "retry-after-ms": "250" }, "{}", now);
    expect(refined).toMatchObject({ code: "MM_SERVER", category: "server", retryable: true, retryAfterMs: 250, metadata: { rateLimit: { retryAfterMs: 250 } } });
  });
});

describe("model lists", () => {
  it.each([
    ["text-embedding-3-large", "representation.embeddings.text-embeddings"],
    ["nomic-embed-text", "representation.embeddings.text-embeddings"],
    ["dall-e-2", "generation.image-generation.text-to-image"],
    ["gpt-image-1-mini", "generation.image-generation.text-to-image"],
    ["tts-1-hd", "generation.audio-generation.text-to-speech"],
    ["gpt-4o-mini-tts", "generation.audio-generation.text-to-speech"],
    ["whisper-large-v3-turbo", "understanding.audio-understanding.speech-to-text"],
    ["gpt-4o-mini-transcribe", "understanding.audio-understanding.speech-to-text"],
    ["o3", "generation.text-generation.chat-completion"],
    ["llama3.2:latest", "generation.text-generation.chat-completion"],
  ])("infers %s", (id, capability) => {
    expect(inferCapabilities(id)).toEqual([capability]);
  });

  it("never routes to models without a served endpoint", () => {
    for (const id of ["omni-moderation-latest", "gpt-4o-realtime-preview", "davinci-002", "babbage-002", "sora-2"]) expect(inferCapabilities(id)).toEqual([]);
  });

  it("fills catalogue gaps from the listing and keeps listed sizes for unknown models", () => {
    const merged = mergeDiscoveredModels(
      [
        { id: "known", capabilities: [], contextWindow: 1_000, maxOutputTokens: 100 },
        { id: "new-embed", capabilities: [], contextWindow: 512 },
      ],
      [{ id: "known", capabilities: ["generation.text-generation.chat-completion"], contextWindow: 4_096 }],
    );
    expect(merged).toEqual([
      { id: "known", capabilities: ["generation.text-generation.chat-completion"], contextWindow: 4_096, maxOutputTokens: 100 },
      { id: "new-embed", capabilities: ["representation.embeddings.text-embeddings"], contextWindow: 512 },
    ]);
  });
});
