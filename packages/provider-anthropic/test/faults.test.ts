/**
 * The Anthropic fault table, against the Anthropic mock (`support/anthropic-mock.ts`: real sockets on
 * 127.0.0.1). The conformance suite already covers the generic fault list; this file covers what is
 * Anthropic-specific — error types and wording (529 `overloaded_error`, billing vs rate limit, prompt too
 * long, prefill rejection), `anthropic-ratelimit-*` headers, typed stream events (`error` events, a missing
 * `message_stop`, a missing stop reason, pings) — and re-checks the transport faults with Anthropic bodies.
 */
import { isModelMeshError, type CallOptions, type ChatCompletionChunk, type ChatCompletionRequest, type ResponseMeta } from "@modelmesh/core";
import type { Fault } from "@modelmesh/testing/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAnthropicProvider, type AnthropicProvider } from "../src/index.js";
import { startAnthropicMock, type AnthropicMock } from "./support/anthropic-mock.js";

const KEY = "sk-ant-api03-faults-0123456789abcdef";
const MODEL = "claude-haiku-4-5";
const ASK: ChatCompletionRequest = { model: MODEL, max_tokens: 200, messages: [{ role: "user", content: "say the quick brown fox" }] };
const REPLY = "echo: say the quick brown fox";
const SHORT = 250;

let mock: AnthropicMock & { openai: NonNullable<AnthropicMock["openai"]> };
let provider: AnthropicProvider;

beforeAll(async () => {
  mock = await startAnthropicMock({
    models: [{ id: MODEL }],
    apiKey: KEY,
    rateLimitHeaders: { limitRequests: 50, remainingRequests: 50, resetRequests: "12s", limitTokens: 40_000, remainingTokens: 40_000, resetTokens: "30s" },
  });
  provider = createAnthropicProvider({ base_url: mock.url, api_key: KEY });
});
afterAll(async () => {
  await provider.close();
  await mock.close();
});
afterEach(() => mock.openai.reset());

function options(timeouts: Partial<CallOptions["timeouts"]> = {}, extra: Partial<CallOptions> = {}): Partial<CallOptions> {
  return { timeouts: { connectMs: 5_000, firstTokenMs: 5_000, idleMs: 5_000, ...timeouts }, ...extra };
}

function inject(fault: Fault): void {
  mock.openai.fault({ model: MODEL, times: 1, fault });
}

async function failure(fault: Fault, timeouts: Partial<CallOptions["timeouts"]> = {}, request = ASK): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  inject(fault);
  const error = await provider.complete(request, options(timeouts)).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isModelMeshError(error)).toBe(true);
  return error;
}

async function streamed(request = ASK, timeouts: Partial<CallOptions["timeouts"]> = {}) {
  const chunks: ChatCompletionChunk[] = [];
  const warnings: string[] = [];
  const started = Date.now();
  let error: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    for await (const chunk of provider.stream(request, options(timeouts, { onWarning: (message) => warnings.push(message) }))) chunks.push(chunk);
  } catch (caught) {
    error = caught;
  }
  const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
  return { chunks, error, text, warnings, elapsedMs: Date.now() - started };
}

const anthropicError = (type: string, message: string) => ({ type: "error", error: { type, message }, request_id: "req_011CSHoEeqs5C35K2UUqR7Fy" });

describe("HTTP errors with Anthropic error bodies", () => {
  it("529 overloaded_error → server, retryable (MM_SERVER), with the vendor type and request id", async () => {
    const error = await failure({ kind: "status", status: 529, body: anthropicError("overloaded_error", "Overloaded") });
    expect(error).toMatchObject({ code: "MM_SERVER", category: "server", retryable: true, status: 529, provider: provider.id, model: MODEL });
    expect(error.metadata).toMatchObject({ upstreamCode: "overloaded_error", requestId: "req_011CSHoEeqs5C35K2UUqR7Fy" });
    expect(error.message).toMatch(/HTTP 529 for model claude-haiku-4-5: overloaded_error: Overloaded/);
  });

  it("500 api_error → server, retryable", async () => {
    const error = await failure({ kind: "status", status: 500, body: anthropicError("api_error", "Internal server error") });
    expect(error).toMatchObject({ category: "server", retryable: true });
  });

  it("429 rate_limit_error with Retry-After → rate_limit with retryAfterMs", async () => {
    const error = await failure({ kind: "status", status: 429, headers: { "retry-after": "7" }, body: anthropicError("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit") });
    expect(error).toMatchObject({ code: "MM_RATE_LIMIT", category: "rate_limit", retryable: true, retryAfterMs: 7_000 });
    expect(provider.classifyError(error)).toMatchObject({ category: "rate_limit", retryAfterMs: 7_000 });
  });

  it("429 with a spend-limit (billing) message → quota_exhausted, not a rate limit", async () => {
    const body = anthropicError("rate_limit_error", "You have reached your specified workspace API usage limits. You will regain access on 2025-12-01 at 00:00 UTC.");
    const error = await failure({ kind: "status", status: 429, body });
    expect(error).toMatchObject({ code: "MM_QUOTA_EXHAUSTED", category: "quota_exhausted", retryable: false });
  });

  it("400 'credit balance is too low' → quota_exhausted; 402 billing_error → quota_exhausted", async () => {
    const credit = await failure({ kind: "status", status: 400, body: anthropicError("invalid_request_error", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.") });
    expect(credit).toMatchObject({ category: "quota_exhausted", retryable: false });
    const billing = await failure({ kind: "status", status: 402, body: anthropicError("billing_error", "Payment required.") });
    expect(billing).toMatchObject({ category: "quota_exhausted", retryable: false });
  });

  it("401 authentication_error and 403 permission_error → auth", async () => {
    expect(await failure({ kind: "status", status: 401, body: anthropicError("authentication_error", "invalid x-api-key") })).toMatchObject({ code: "MM_AUTH", category: "auth", retryable: false });
    expect(await failure({ kind: "status", status: 403, body: anthropicError("permission_error", "Your API key does not have permission to use the specified resource.") })).toMatchObject({ category: "auth", retryable: false });
  });

  it("a missing key is answered 401 by the API → auth (and the key never appears in messages)", async () => {
    const keyless = createAnthropicProvider({ base_url: mock.url });
    const error = await keyless.complete(ASK, options()).catch((caught: unknown) => caught);
    await keyless.close();
    expect(error).toMatchObject({ category: "auth", status: 401 });
    const wrong = createAnthropicProvider({ base_url: mock.url, api_key: "sk-ant-wrong-key-000000000000" });
    const denied = (await wrong.complete(ASK, options()).catch((caught: unknown) => caught)) as Error;
    await wrong.close();
    expect(denied).toMatchObject({ category: "auth" });
    expect(denied.message).not.toContain("sk-ant-wrong-key");
  });

  it("400 'prompt is too long' → context_length", async () => {
    const error = await failure({ kind: "status", status: 400, body: anthropicError("invalid_request_error", "prompt is too long: 215341 tokens > 200000 maximum") });
    expect(error).toMatchObject({ code: "MM_CONTEXT_LENGTH", category: "context_length", retryable: false });
  });

  it("400 'input length and max_tokens exceed context limit' → context_length", async () => {
    const body = anthropicError("invalid_request_error", "input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000, decrease input length or `max_tokens` and try again");
    expect(await failure({ kind: "status", status: 400, body })).toMatchObject({ category: "context_length" });
  });

  it("400 output blocked by content filtering policy → content_filter", async () => {
    const error = await failure({ kind: "content-policy" });
    expect(error).toMatchObject({ code: "MM_CONTENT_FILTER", category: "content_filter", retryable: false });
  });

  it("other 400 invalid_request_error and 404 not_found_error → invalid_request", async () => {
    expect(await failure({ kind: "status", status: 400, body: anthropicError("invalid_request_error", "temperature: range: 0..1") })).toMatchObject({ category: "invalid_request", retryable: false });
    expect(await failure({ kind: "status", status: 404, body: anthropicError("not_found_error", "model: claude-nope") })).toMatchObject({ category: "invalid_request" });
  });

  it("prefill rejection → invalid_request with metadata.prefillRejected; the prefill was the trimmed last turn", async () => {
    const prefill: ChatCompletionRequest = { ...ASK, messages: [...ASK.messages, { role: "assistant", content: "The quick brown " }] };
    const error = await failure({ kind: "reject-prefill" }, {}, prefill);
    expect(error).toMatchObject({ category: "invalid_request", retryable: false, metadata: { prefillRejected: true } });
    expect(mock.calls.at(-1)!.body.messages.at(-1)).toEqual({ role: "assistant", content: "The quick brown" });
  });

  it("a 200 body carrying an error envelope → classified (not a completion)", async () => {
    inject({ kind: "error-in-stream", afterTokens: 0, error: { type: "overloaded_error", message: "Overloaded" } });
    const error = await provider.complete(ASK, options()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ category: "server", retryable: true, metadata: { phase: "body" } });
  });
});

describe("rate-limit headers", () => {
  it("anthropic-ratelimit-* (RFC 3339 resets) and retry-after are reported through onResponse's rateLimit", async () => {
    const metas: ResponseMeta[] = [];
    await provider.complete(ASK, options({}, { onResponse: (meta) => metas.push(meta) }));
    const limits = metas[0]!.rateLimit!;
    expect(limits).toMatchObject({ limitRequests: 50, remainingRequests: 49, limitTokens: 40_000 });
    expect(limits.resetRequestsMs).toBeGreaterThan(9_000);
    expect(limits.resetRequestsMs).toBeLessThanOrEqual(12_000);
    expect(limits.resetTokensMs).toBeGreaterThan(25_000);
    expect(metas[0]!.headers["anthropic-ratelimit-requests-limit"]).toBe("50");
  });

  it("429 with an HTTP-date Retry-After → retryAfterMs of about 30 s", async () => {
    const date = new Date(Date.now() + 30_000).toUTCString();
    const error = await failure({ kind: "rate-limit", retryAfter: date });
    expect(error.category).toBe("rate_limit");
    expect(error.retryAfterMs).toBeGreaterThan(25_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(31_000);
  });
});

describe("transport faults", () => {
  it("reset before headers → network, retryable", async () => {
    expect(await failure({ kind: "reset-before-headers" })).toMatchObject({ category: "network", retryable: true });
  });

  it("no response → timeout within connectMs", async () => {
    const started = Date.now();
    const error = await failure({ kind: "no-response" }, { connectMs: SHORT, firstTokenMs: SHORT });
    expect(error).toMatchObject({ category: "timeout" });
    expect(Date.now() - started).toBeLessThan(SHORT + 1_500);
  });

  it("non-streamed: a body cut halfway → network; a stalled body → MM_TIMEOUT_RESPONSE", async () => {
    expect(await failure({ kind: "cut-after", tokens: 1 })).toMatchObject({ category: "network" });
    expect(await failure({ kind: "stall-after", tokens: 1 }, { firstTokenMs: SHORT })).toMatchObject({ code: "MM_TIMEOUT_RESPONSE", category: "timeout" });
  });
});

describe("stream faults (typed Anthropic events)", () => {
  it("a healthy stream: content, one finish reason, and a final usage chunk", async () => {
    const result = await streamed();
    expect(result.error).toBeUndefined();
    expect(result.text).toBe(REPLY);
    expect(result.chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: expect.any(Number), prompt_tokens: 5 } });
    expect(mock.calls.at(-1)!.headers.accept).toBe("text/event-stream");
  });

  it("ping events between the others change nothing", async () => {
    mock.streamFault({ pings: true });
    const result = await streamed();
    expect(result.error).toBeUndefined();
    expect(result.text).toBe(REPLY);
  });

  it("an overloaded_error event inside the 200 stream → server, retryable, after the partial content", async () => {
    inject({ kind: "error-in-stream", afterTokens: 2, error: { type: "overloaded_error", message: "Overloaded" } });
    const result = await streamed();
    expect(result.text.length).toBeGreaterThan(0);
    expect(REPLY.startsWith(result.text)).toBe(true);
    expect(result.error).toMatchObject({ category: "server", retryable: true, metadata: { upstreamCode: "overloaded_error" } });
  });

  it("a rate_limit_error event inside the stream → rate_limit", async () => {
    inject({ kind: "error-in-stream", afterTokens: 1, error: { type: "rate_limit_error", message: "Rate limited" } });
    expect((await streamed()).error).toMatchObject({ category: "rate_limit", retryable: true });
  });

  it("message_delta with a stop reason but no message_stop → ends cleanly with usage", async () => {
    inject({ kind: "missing-done" });
    const result = await streamed();
    expect(result.error).toBeUndefined();
    expect(result.text).toBe(REPLY);
    expect(result.chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 5 });
    expect(result.elapsedMs).toBeLessThan(2_000);
  });

  it("the body closes without any stop reason → MM_STREAM_INTERRUPTED, never a clean end", async () => {
    mock.streamFault({ dropStopReason: true });
    const result = await streamed();
    expect(result.text).toBe(REPLY);
    expect(result.error).toMatchObject({ code: "MM_STREAM_INTERRUPTED", category: "stream_interrupted" });
  });

  it("cut after N tokens → throws (network), content so far is a prefix", async () => {
    inject({ kind: "cut-after", tokens: 2 });
    const result = await streamed();
    expect(result.error).toBeDefined();
    expect(["network", "stream_interrupted"]).toContain(result.error.category);
    expect(REPLY.startsWith(result.text)).toBe(true);
    expect(result.text.length).toBeGreaterThan(0);
  });

  it("stall → idle timeout (MM_TIMEOUT_IDLE)", async () => {
    inject({ kind: "stall-after", tokens: 2 });
    const result = await streamed(ASK, { idleMs: SHORT });
    expect(result.error).toMatchObject({ code: "MM_TIMEOUT_IDLE", category: "timeout" });
    expect(result.elapsedMs).toBeLessThan(SHORT + 1_500);
  });

  it("slow first token → first-token timeout (MM_TIMEOUT_FIRST_TOKEN)", async () => {
    inject({ kind: "slow-first-token", delayMs: 5_000 });
    const result = await streamed(ASK, { firstTokenMs: SHORT });
    expect(result.error).toMatchObject({ code: "MM_TIMEOUT_FIRST_TOKEN", category: "timeout" });
  });

  it("one malformed event → skipped, reported through onWarning; the answer completes", async () => {
    inject({ kind: "malformed-chunk", afterTokens: 1 });
    const result = await streamed();
    expect(result.error).toBeUndefined();
    expect(result.text).toBe(REPLY);
    expect(result.warnings).toEqual(["skipped malformed stream event 1 (the stream fails at 3): not JSON"]);
  });

  it("three malformed events → MM_INVALID_RESPONSE", async () => {
    inject({ kind: "malformed-chunk", afterTokens: 1, count: 3 });
    const result = await streamed();
    expect(result.error).toMatchObject({ code: "MM_INVALID_RESPONSE", category: "stream_interrupted", retryable: false, provider: provider.id, model: MODEL });
    expect(result.warnings).toHaveLength(2);
  });

  it("an HTTP error on a stream surfaces before any chunk", async () => {
    inject({ kind: "status", status: 529, body: anthropicError("overloaded_error", "Overloaded") });
    const result = await streamed();
    expect(result.chunks).toHaveLength(0);
    expect(result.error).toMatchObject({ category: "server", status: 529 });
  });

  it("streamed tool calls keep their ids and indexes; arguments arrive as input_json_delta fragments", async () => {
    mock.openai.reset();
    const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
    const local = await startAnthropicMock({
      models: [{ id: MODEL }],
      apiKey: KEY,
      reply: () => ({ tool_calls: [{ id: "toolu_a", function: { name: "get_weather", arguments: { city: "Paris" } } }, { id: "toolu_b", function: { name: "get_weather", arguments: { city: "Oslo" } } }] }),
    });
    const claude = createAnthropicProvider({ base_url: local.url, api_key: KEY });
    try {
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of claude.stream({ ...ASK, tools }, options())) chunks.push(chunk);
      const calls: Array<{ id?: string; args: string }> = [];
      for (const delta of chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])) {
        const call = (calls[delta.index] ??= { args: "" });
        if (delta.id) call.id = delta.id;
        call.args += delta.function?.arguments ?? "";
      }
      expect(calls.map((call) => ({ id: call.id, args: JSON.parse(call.args) }))).toEqual([{ id: "toolu_a", args: { city: "Paris" } }, { id: "toolu_b", args: { city: "Oslo" } }]);
      expect(chunks.flatMap((chunk) => chunk.choices).map((choice) => choice.finish_reason).filter(Boolean)).toEqual(["tool_calls"]);
    } finally {
      await claude.close();
      await local.close();
    }
  });
});
