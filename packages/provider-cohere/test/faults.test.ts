/**
 * The Cohere fault table, against the Cohere mock (`support/cohere-mock.ts`: real sockets on 127.0.0.1). The
 * conformance suite already covers the generic fault list; this file covers what is Cohere-specific — its
 * statuses and wording (498, 499, trial allowances, "too many tokens"), `message-end` as the end of a stream,
 * trial call-allowance headers, refused request fields — and re-checks 500, 429 Retry-After and a connection
 * dropped mid-stream with Cohere bodies.
 */
import { isModelMeshError, type CallOptions, type ChatCompletionChunk, type ChatCompletionRequest, type ResponseMeta } from "@modelmesh/core";
import type { Fault } from "@modelmesh/testing/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCohereProvider, type CohereProvider } from "../src/index.js";
import { startCohereMock, type CohereMock } from "./support/cohere-mock.js";

const KEY = "co-faults-0123456789abcdef";
const MODEL = "command-r7b-12-2024";
const ASK: ChatCompletionRequest = { model: MODEL, messages: [{ role: "user", content: "say the quick brown fox" }] };
const REPLY = "echo: say the quick brown fox";

let mock: CohereMock & { openai: NonNullable<CohereMock["openai"]> };
let provider: CohereProvider;

beforeAll(async () => {
  mock = await startCohereMock({ models: [{ id: MODEL }, { id: "embed-v4.0" }], apiKey: KEY });
  provider = createCohereProvider({ base_url: mock.url, api_key: KEY });
});
afterAll(async () => {
  await provider.close();
  await mock.close();
});
afterEach(() => {
  mock.openai.reset();
  mock.extraHeaders({});
});

function options(extra: Partial<CallOptions> = {}): Partial<CallOptions> {
  return { timeouts: { connectMs: 5_000, firstTokenMs: 5_000, idleMs: 5_000 }, ...extra };
}

async function failure(fault: Fault, request = ASK): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  mock.openai.fault({ model: MODEL, times: 1, fault });
  const error = await provider.complete(request, options()).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isModelMeshError(error)).toBe(true);
  return error;
}

async function streamed(request: ChatCompletionRequest = ASK, extra: Partial<CallOptions> = {}) {
  const chunks: ChatCompletionChunk[] = [];
  let error: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    for await (const chunk of provider.stream(request, options(extra))) chunks.push(chunk);
  } catch (caught) {
    error = caught;
  }
  return { chunks, error, text: chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("") };
}

const cohereError = (message: string) => ({ id: "b7c8d9e0-1f2a-4b3c-8d4e-5f6a7b8c9d0e", message });

describe("HTTP errors with Cohere bodies", () => {
  it("500 → server, retryable (MM_SERVER), with the request id and the message", async () => {
    const error = await failure({ kind: "status", status: 500, body: cohereError("internal server error, this has been reported to our developers") });
    expect(error).toMatchObject({ code: "MM_SERVER", category: "server", retryable: true, status: 500, provider: provider.id, model: MODEL });
    expect(error.metadata).toMatchObject({ requestId: "b7c8d9e0-1f2a-4b3c-8d4e-5f6a7b8c9d0e" });
    expect(error.message).toMatch(/HTTP 500 for model command-r7b-12-2024: internal server error/);
  });

  it("503 → server, retryable", async () => {
    expect(await failure({ kind: "status", status: 503, body: cohereError("service unavailable") })).toMatchObject({ category: "server", retryable: true });
  });

  it("429 with Retry-After → rate_limit with retryAfterMs (complete and stream)", async () => {
    const error = await failure({ kind: "status", status: 429, headers: { "retry-after": "7" }, body: cohereError("You are using a Trial key, which is limited to 20 API calls / minute.") });
    expect(error).toMatchObject({ code: "MM_RATE_LIMIT", category: "rate_limit", retryable: true, retryAfterMs: 7_000 });
    expect(provider.classifyError(error)).toMatchObject({ category: "rate_limit", retryAfterMs: 7_000 });
    mock.openai.fault({ model: MODEL, times: 1, fault: { kind: "rate-limit", retryAfter: 3 } });
    const stream = await streamed();
    expect(stream.chunks).toHaveLength(0);
    expect(stream.error).toMatchObject({ category: "rate_limit", retryAfterMs: 3_000 });
  });

  it("429 for a trial key's monthly allowance → quota_exhausted, not retried", async () => {
    expect(await failure({ kind: "quota-exhausted" })).toMatchObject({ code: "MM_QUOTA_EXHAUSTED", category: "quota_exhausted", retryable: false });
  });

  it("400 'too many tokens' → context_length; 400 blocked by safety → content_filter; 400 other → invalid_request", async () => {
    expect(await failure({ kind: "context-length" })).toMatchObject({ category: "context_length", retryable: false });
    expect(await failure({ kind: "content-policy" })).toMatchObject({ code: "MM_CONTENT_FILTER", category: "content_filter", retryable: false });
    expect(await failure({ kind: "status", status: 400, body: cohereError("invalid request: messages must not be empty") })).toMatchObject({ category: "invalid_request", retryable: false });
  });

  it("498 invalid token and 401 → auth; the key never appears in messages", async () => {
    expect(await failure({ kind: "status", status: 498, body: cohereError("invalid api token") })).toMatchObject({ code: "MM_AUTH", category: "auth", retryable: false });
    const wrong = createCohereProvider({ base_url: mock.url, api_key: "co-wrong-key-000000000000" });
    const denied = (await wrong.complete(ASK, options()).catch((caught: unknown) => caught)) as Error;
    await wrong.close();
    expect(denied).toMatchObject({ category: "auth", status: 401 });
    expect(denied.message).not.toContain("co-wrong-key");
    expect(JSON.stringify(denied)).not.toContain("co-wrong-key");
    const keyless = createCohereProvider({ base_url: mock.url });
    const missing = await keyless.complete(ASK, options()).catch((caught: unknown) => caught);
    await keyless.close();
    expect(missing).toMatchObject({ category: "auth", status: 401 });
  });

  it("402 → quota_exhausted; 422 → invalid_request; 499 → server, retryable", async () => {
    expect(await failure({ kind: "status", status: 402, body: cohereError("Please add or update your payment method") })).toMatchObject({ category: "quota_exhausted", retryable: false });
    expect(await failure({ kind: "status", status: 422, body: cohereError("invalid request: unsupported parameter") })).toMatchObject({ category: "invalid_request", retryable: false });
    expect(await failure({ kind: "status", status: 499, body: cohereError("request cancelled") })).toMatchObject({ category: "server", retryable: true });
  });

  it("embed errors are classified the same way", async () => {
    mock.openai.fault({ times: 1, fault: { kind: "status", status: 503, body: cohereError("service unavailable") } });
    const error = await provider.embed({ model: "embed-v4.0", input: "hello" }, options()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ category: "server", retryable: true, status: 503, model: "embed-v4.0" });
  });
});

describe("streams", () => {
  it("a connection dropped mid-stream throws (never ends cleanly), after the text already sent", async () => {
    mock.openai.fault({ model: MODEL, times: 1, fault: { kind: "cut-after", tokens: 3 } });
    const { error, text, chunks } = await streamed();
    expect(error).toBeDefined();
    expect(isModelMeshError(error)).toBe(true);
    expect(["network", "stream_interrupted"]).toContain(error.category);
    expect(REPLY.startsWith(text)).toBe(true);
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.some((chunk) => chunk.choices.some((choice) => choice.finish_reason != null))).toBe(false);
  });

  it("a body that ends cleanly without message-end → MM_STREAM_INTERRUPTED", async () => {
    mock.dropMessageEnd();
    const { error, text } = await streamed();
    expect(text).toBe(REPLY);
    expect(error).toMatchObject({ code: "MM_STREAM_INTERRUPTED", category: "stream_interrupted" });
  });

  it("an error inside the 200 stream (message-end ERROR) → server, retryable, after the partial text", async () => {
    mock.openai.fault({ model: MODEL, times: 1, fault: { kind: "error-in-stream", afterTokens: 2, error: { message: "internal error while generating" } } });
    const { error, text } = await streamed();
    expect(text.length).toBeGreaterThan(0);
    expect(error).toMatchObject({ code: "MM_SERVER", category: "server", retryable: true, metadata: { phase: "stream", upstreamCode: "ERROR" } });
    expect(error.message).toMatch(/internal error while generating/);
  });

  it("one event over the size limit → MM_RESPONSE_TOO_LARGE", async () => {
    const long: ChatCompletionRequest = { ...ASK, messages: [{ role: "user", content: "x".repeat(4_000) }] };
    const { error } = await streamed(long, { responseLimits: { maxEventBytes: 1_024 } });
    expect(error).toMatchObject({ code: "MM_RESPONSE_TOO_LARGE" });
  });
});

describe("rate-limit headers and warnings", () => {
  it("x-trial-endpoint-call-limit / -remaining reach onResponse as rateLimit", async () => {
    mock.extraHeaders({ "x-trial-endpoint-call-limit": "20", "x-trial-endpoint-call-remaining": "19" });
    const metas: ResponseMeta[] = [];
    await provider.complete(ASK, options({ onResponse: (meta) => metas.push(meta) }));
    expect(metas.at(-1)!.rateLimit).toMatchObject({ limitRequests: 20, remainingRequests: 19 });
  });

  it("bookkeeping fields that are not sent are reported through onWarning", async () => {
    const warnings: string[] = [];
    await provider.complete({ ...ASK, user: "user-1", metadata: { team: "a" } }, options({ onWarning: (message) => warnings.push(message) }));
    expect(warnings.join("\n")).toMatch(/user is not sent/);
    expect(warnings.join("\n")).toMatch(/metadata is not sent/);
    const body = mock.calls.at(-1)!.body;
    expect(body.user).toBeUndefined();
    expect(body.metadata).toBeUndefined();
  });

  it("fields Cohere cannot honour are refused before anything is sent", async () => {
    const before = mock.calls.length;
    for (const request of [
      { ...ASK, n: 2 },
      { ...ASK, logit_bias: { "50256": -100 } },
      { ...ASK, logprobs: true },
      { ...ASK, parallel_tool_calls: false },
      { ...ASK, audio: { voice: "alloy", format: "wav" } },
      { ...ASK, messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }] },
    ] as ChatCompletionRequest[]) {
      const error = await provider.complete(request, options()).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "MM_INVALID_REQUEST", category: "invalid_request", retryable: false });
    }
    expect(mock.calls.length).toBe(before);
  });
});
