/**
 * The fault table against a mock of the Gemini wire format itself (test/support/gemini-mock.ts): every
 * upstream failure, in the shape Gemini produces it, is thrown (never hangs, never ends a stream cleanly when
 * incomplete) and classified into the routing category of docs/ARCHITECTURE.md §2.6, with Gemini's own signals —
 * `RetryInfo` delays, per-day vs per-minute quota violations, the 400 for a bad key, blocked prompts.
 */
import { isModelMeshError, type CallOptions, type ChatCompletionChunk, type ChatCompletionRequest, type ErrorCategory } from "@modelmesh/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GeminiProvider } from "../src/index.js";
import { fixtureText } from "./support/fixtures.js";
import { startGeminiMock, type GeminiFault, type GeminiMock } from "./support/gemini-mock.js";

const KEY = "AIzaSy-mock-key-abcdefghijklmnop";
const MODEL = "gemini-2.5-flash";
const SHORT = 250;
const SLACK = 1_500;
const PROMPT = "fault table says hello";
const REPLY = `echo: ${PROMPT}`;

let mock: GeminiMock;
let provider: GeminiProvider;

beforeAll(async () => {
  mock = await startGeminiMock({ apiKey: KEY });
  provider = new GeminiProvider({ id: "gemini-faults", baseUrl: mock.url, apiKey: KEY });
});
afterAll(async () => {
  await provider.close();
  await mock.close();
});
afterEach(() => {
  mock.calls.length = 0;
});

function options(timeouts: Partial<CallOptions["timeouts"]> = {}, signal?: AbortSignal): CallOptions {
  return { signal: signal ?? new AbortController().signal, deadline: Date.now() + 30_000, timeouts: { connectMs: 5_000, firstTokenMs: 5_000, idleMs: 5_000, ...timeouts }, requestId: "faults", attempt: 1 };
}

const request = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({ model: MODEL, messages: [{ role: "user", content: PROMPT }], ...extra });

async function completeUnder(fault: GeminiFault, timeouts: Partial<CallOptions["timeouts"]> = {}, body = request()): Promise<{ error: unknown; elapsed: number }> {
  mock.fault({ path: ":generateContent", times: 1, fault });
  const started = Date.now();
  const error = await provider.complete(body, options(timeouts)).then(
    (value) => ({ resolved: value }),
    (caught: unknown) => caught,
  );
  return { error, elapsed: Date.now() - started };
}

async function streamUnder(fault: GeminiFault | undefined, timeouts: Partial<CallOptions["timeouts"]> = {}, body = request()) {
  if (fault) mock.fault({ path: ":streamGenerateContent", times: 1, fault });
  const started = Date.now();
  const chunks: ChatCompletionChunk[] = [];
  const warnings: string[] = [];
  let error: unknown;
  try {
    for await (const chunk of provider.stream(body, { ...options(timeouts), onWarning: (message: string) => warnings.push(message) })) chunks.push(chunk);
  } catch (caught) {
    error = caught;
  }
  return { chunks, error, warnings, text: chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""), elapsed: Date.now() - started };
}

function expectClassified(error: unknown, category: ErrorCategory | ErrorCategory[], retryable?: boolean): void {
  expect(isModelMeshError(error), `expected a ModelMesh error, got ${String(error)}`).toBe(true);
  const classification = provider.classifyError(error);
  expect([category].flat()).toContain(classification.category);
  if (retryable !== undefined) expect(classification.retryable).toBe(retryable);
  if (isModelMeshError(error)) expect(classification.retryable).toBe(error.retryable);
}

describe("refusals on generateContent", () => {
  const table: Array<[string, GeminiFault, ErrorCategory, boolean, number?]> = [
    ["429 per-minute quota with Retry-After seconds → rate_limit", { kind: "rate-limit", retryAfter: 7 }, "rate_limit", true, 7_000],
    ["429 per-minute quota with only RetryInfo 17s → rate_limit, retryAfterMs from the detail", { kind: "rate-limit", retryDelay: "17s" }, "rate_limit", true, 17_000],
    ["429 per-day quota → quota_exhausted", { kind: "quota-exhausted" }, "quota_exhausted", false, 33_124_000],
    ["500 INTERNAL → server", { kind: "status", status: 500, body: fixtureText("gemini-error-500") }, "server", true],
    ["502 (HTML from the front end) → server", { kind: "status", status: 502, body: "<html><title>502 Bad Gateway</title></html>" }, "server", true],
    ["503 UNAVAILABLE overloaded → server", { kind: "status", status: 503, body: fixtureText("gemini-error-503") }, "server", true],
    ["504 DEADLINE_EXCEEDED → server", { kind: "status", status: 504, body: fixtureText("gemini-error-504") }, "server", true],
    ["400 unknown schema field → invalid_request", { kind: "status", status: 400, body: fixtureText("gemini-error-400-invalid") }, "invalid_request", false],
    ["404 unknown model → invalid_request", { kind: "status", status: 404, body: fixtureText("gemini-error-404") }, "invalid_request", false],
    ["400 API_KEY_INVALID → auth", { kind: "auth" }, "auth", false],
    ["403 PERMISSION_DENIED → auth", { kind: "status", status: 403, body: fixtureText("gemini-error-403") }, "auth", false],
    ["400 FAILED_PRECONDITION user location → auth", { kind: "status", status: 400, body: fixtureText("gemini-error-400-location") }, "auth", false],
    ["400 FAILED_PRECONDITION enable billing → quota_exhausted", { kind: "status", status: 400, body: fixtureText("gemini-error-400-billing") }, "quota_exhausted", false],
    ["400 input token count exceeds → context_length", { kind: "context-length" }, "context_length", false],
    ["200 with a blocked prompt → content_filter", { kind: "prompt-blocked" }, "content_filter", false],
    ["TCP reset before headers → network", { kind: "reset-before-headers" }, "network", true],
  ];
  for (const [name, fault, category, retryable, retryAfterMs] of table) {
    it(name, async () => {
      const { error } = await completeUnder(fault);
      expectClassified(error, category, retryable);
      if (retryAfterMs !== undefined) expect(provider.classifyError(error).retryAfterMs).toBe(retryAfterMs);
    });
  }

  it("429 with Retry-After as an HTTP-date → retryAfterMs about 30 s", async () => {
    const { error } = await completeUnder({ kind: "rate-limit", retryAfter: new Date(Date.now() + 30_000).toUTCString() });
    expectClassified(error, "rate_limit", true);
    const ms = provider.classifyError(error).retryAfterMs!;
    expect(ms).toBeGreaterThan(25_000);
    expect(ms).toBeLessThanOrEqual(31_000);
  });

  it("a SAFETY finish is an answer, not an error: finish_reason content_filter", async () => {
    mock.fault({ path: ":generateContent", times: 1, fault: { kind: "safety-finish" } });
    const completion = await provider.complete(request(), options());
    expect(completion.choices[0]).toMatchObject({ finish_reason: "content_filter", message: { content: null } });
  });

  it("a prefill (final assistant turn) the upstream rejects → invalid_request; Gemini models declare no prefill", async () => {
    const prefill = request({ messages: [{ role: "user", content: PROMPT }, { role: "assistant", content: "echo:" }] });
    const { error } = await completeUnder({ kind: "reject-prefill" }, {}, prefill);
    expectClassified(error, "invalid_request", false);
    expect(mock.calls.at(-1)!.body!.contents).toEqual([{ role: "user", parts: [{ text: PROMPT }] }, { role: "model", parts: [{ text: "echo:" }] }]);
    expect((await provider.listModels()).find((model) => model.id === MODEL)?.features?.assistantPrefill).toBe(false);
  });

  it("no response → a timeout within connectMs, never a hang", async () => {
    const { error, elapsed } = await completeUnder({ kind: "no-response" }, { connectMs: SHORT, firstTokenMs: SHORT });
    expectClassified(error, "timeout", false);
    expect(elapsed).toBeLessThan(SHORT + SLACK);
  });

  it("a body slower than the response budget → MM_TIMEOUT_RESPONSE", async () => {
    const { error, elapsed } = await completeUnder({ kind: "slow-first-token", delayMs: 5_000 }, { firstTokenMs: SHORT });
    expect(error).toMatchObject({ code: "MM_TIMEOUT_RESPONSE", category: "timeout" });
    expect(elapsed).toBeLessThan(SHORT + SLACK);
  });

  it("a body cut half-way → a thrown, classified error", async () => {
    const { error } = await completeUnder({ kind: "cut-after", events: 1 });
    expectClassified(error, ["network", "server"]);
  });

  it("error messages never contain the API key", async () => {
    const { error } = await completeUnder({ kind: "status", status: 400, body: { error: { code: 400, message: `bad key ${KEY} used`, status: "INVALID_ARGUMENT" } } });
    expect((error as Error).message).not.toContain(KEY);
    expect(JSON.stringify((error as { metadata?: unknown }).metadata)).not.toContain(KEY);
  });
});

describe("streamGenerateContent faults", () => {
  it("healthy stream: echo text, one finish, usage, ends at the body's end (no [DONE] in Gemini)", async () => {
    const result = await streamUnder(undefined);
    expect(result.error).toBeUndefined();
    expect(result.text).toBe(REPLY);
    expect(result.chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter(Boolean)).toEqual(["stop"]);
    expect(result.chunks.at(-1)!.usage).toEqual({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
    expect(mock.calls.at(-1)!.path).toBe(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`);
  });

  it("HTTP 429 with RetryInfo surfaces on the first next(), before any chunk", async () => {
    const result = await streamUnder({ kind: "rate-limit", retryDelay: "2.5s" });
    expect(result.chunks).toHaveLength(0);
    expectClassified(result.error, "rate_limit", true);
    expect(provider.classifyError(result.error).retryAfterMs).toBe(2_500);
  });

  it("HTTP 503 → server, before any chunk", async () => {
    const result = await streamUnder({ kind: "status", status: 503, body: fixtureText("gemini-error-503") });
    expect(result.chunks).toHaveLength(0);
    expectClassified(result.error, "server", true);
  });

  it("no response → timeout within connectMs", async () => {
    const result = await streamUnder({ kind: "no-response" }, { connectMs: SHORT, firstTokenMs: SHORT });
    expectClassified(result.error, "timeout");
    expect(result.elapsed).toBeLessThan(SHORT + SLACK);
  });

  it("slow first event → MM_TIMEOUT_FIRST_TOKEN", async () => {
    const result = await streamUnder({ kind: "slow-first-token", delayMs: 5_000 }, { firstTokenMs: SHORT });
    expect(result.error).toMatchObject({ code: "MM_TIMEOUT_FIRST_TOKEN", category: "timeout", retryable: false });
    expect(result.elapsed).toBeLessThan(SHORT + SLACK);
  });

  it("cut after 2 events → throws after a prefix of the answer", async () => {
    const result = await streamUnder({ kind: "cut-after", events: 2 });
    expect(result.error).toBeDefined();
    expect(REPLY.startsWith(result.text)).toBe(true);
    expect(result.text.length).toBeGreaterThan(0);
    expectClassified(result.error, ["network", "stream_interrupted"]);
  });

  it("stall after 2 events → MM_TIMEOUT_IDLE", async () => {
    const result = await streamUnder({ kind: "stall-after", events: 2 }, { idleMs: SHORT });
    expect(result.error).toMatchObject({ code: "MM_TIMEOUT_IDLE", category: "timeout" });
    expect(result.elapsed).toBeLessThan(SHORT + SLACK);
  });

  it("one malformed event → skipped, reported through onWarning; the answer completes", async () => {
    const result = await streamUnder({ kind: "malformed-chunk", afterEvents: 1 });
    expect(result.error).toBeUndefined();
    expect(result.text).toBe(REPLY);
    expect(result.warnings).toEqual(["skipped malformed stream event 1 (the stream fails at 3): not JSON"]);
  });

  it("three malformed events → MM_INVALID_RESPONSE", async () => {
    const result = await streamUnder({ kind: "malformed-chunk", afterEvents: 1, count: 3 });
    expect(result.error).toMatchObject({ code: "MM_INVALID_RESPONSE", category: "stream_interrupted", retryable: false });
    expect(result.warnings).toHaveLength(2);
  });

  it("the body ends without any finishReason → MM_STREAM_INTERRUPTED, never a clean end", async () => {
    const result = await streamUnder({ kind: "missing-finish" });
    expect(result.text).toBe(REPLY);
    expect(result.error).toMatchObject({ code: "MM_STREAM_INTERRUPTED", category: "stream_interrupted" });
  });

  it("an INTERNAL error event inside the 200 stream → server, retryable", async () => {
    const result = await streamUnder({ kind: "error-in-stream", afterEvents: 1 });
    expect(result.text).toBe("echo:");
    expectClassified(result.error, "server", true);
  });

  it("a RESOURCE_EXHAUSTED error event inside the stream → rate_limit", async () => {
    const result = await streamUnder({ kind: "error-in-stream", afterEvents: 0, error: { code: 429, status: "RESOURCE_EXHAUSTED", message: "Resource has been exhausted (e.g. check quota)." } });
    expect(result.chunks).toHaveLength(0);
    expectClassified(result.error, "rate_limit", true);
  });

  it("a blocked prompt → content_filter before any chunk", async () => {
    const result = await streamUnder({ kind: "prompt-blocked" });
    expect(result.chunks).toHaveLength(0);
    expectClassified(result.error, "content_filter", false);
  });

  it("a SAFETY finish ends the stream with finish_reason content_filter", async () => {
    const result = await streamUnder({ kind: "safety-finish" });
    expect(result.error).toBeUndefined();
    expect(result.chunks.at(-1)!.choices[0]!.finish_reason).toBe("content_filter");
  });

  it("a tool call streams as one whole delta with finish tool_calls", async () => {
    const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
    const result = await streamUnder(undefined, {}, request({ tools }));
    expect(result.error).toBeUndefined();
    const calls = result.chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([{ index: 0, id: "call_mockResponse01_0_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","days":3}' } }]);
    expect(result.chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("abort through the signal rejects promptly", async () => {
    mock.fault({ path: ":streamGenerateContent", times: 1, fault: { kind: "no-response" } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await (async () => {
      for await (const _ of provider.stream(request(), options({}, controller.signal))) {
        // nothing arrives
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBeDefined();
    expect(Date.now() - started).toBeLessThan(100 + SLACK);
  });
});

describe("other calls against the Gemini mock", () => {
  it("the key travels only in x-goog-api-key; a wrong key is an auth error", async () => {
    await provider.complete(request(), options());
    const call = mock.calls.at(-1)!;
    expect(call.headers["x-goog-api-key"]).toBe(KEY);
    expect(call.path).not.toContain("key=");
    expect(call.headers.authorization).toBeUndefined();
    const wrong = new GeminiProvider({ baseUrl: mock.url, apiKey: "AIzaSy-wrong-key-0000000000" });
    const error = await wrong.complete(request(), options()).catch((caught: unknown) => caught);
    expectClassified(error, "auth", false);
    await wrong.close();
  });

  it("reports status and redacted headers through onResponse, and the answer's usage", async () => {
    const seen: Array<{ status: number; headers: Record<string, string> }> = [];
    const completion = await provider.complete(request(), { ...options(), onResponse: (meta) => seen.push(meta) });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.status).toBe(200);
    expect(completion.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
  });

  it("embed: one string → :embedContent, a list → :batchEmbedContents; token ids are refused locally", async () => {
    const one = await provider.embed({ model: "text-embedding-004", input: "hello" }, options());
    expect(one.data).toHaveLength(1);
    expect(mock.calls.at(-1)!.path).toBe("/v1beta/models/text-embedding-004:embedContent");
    const many = await provider.embed({ model: "gemini-embedding-001", input: ["a", "bb", "ccc"], dimensions: 4 }, options());
    expect(many.data.map((item) => item.embedding[1])).toEqual([1, 2, 3]);
    expect(mock.calls.at(-1)!.body).toMatchObject({ requests: [{ model: "models/gemini-embedding-001", outputDimensionality: 4 }, {}, {}] });
    const base64 = await provider.embed({ model: "text-embedding-004", input: "x", encoding_format: "base64" }, options());
    expect(typeof base64.data[0]!.embedding).toBe("string");
    const calls = mock.calls.length;
    const error = await provider.embed({ model: "text-embedding-004", input: [[1, 2, 3]] }, options()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "MM_INVALID_REQUEST", category: "invalid_request" });
    expect(mock.calls.length).toBe(calls);
  });

  it("listModels with discoverModels merges GET /v1beta/models once", async () => {
    const discovering = new GeminiProvider({ baseUrl: mock.url, apiKey: KEY, discoverModels: true, models: [{ id: "custom-model", capabilities: ["generation.text-generation.chat-completion"] }] });
    const models = await discovering.listModels();
    expect(models.map((model) => model.id)).toEqual(["custom-model", "gemini-2.5-flash"]);
    await discovering.listModels();
    expect(mock.calls.filter((call) => call.method === "GET")).toHaveLength(1);
    expect(mock.calls.find((call) => call.method === "GET")!.path).toBe("/v1beta/models?pageSize=1000");
    await discovering.close();
  });

  it("requests that cannot be expressed fail locally with MM_INVALID_REQUEST, before any HTTP call", async () => {
    const unknownTool = request({ messages: [{ role: "user", content: "x" }, { role: "tool", tool_call_id: "call_missing", content: "42" }] });
    await expect(provider.complete(unknownTool, options())).rejects.toMatchObject({ code: "MM_INVALID_REQUEST", provider: "gemini-faults" });
    await expect(provider.complete(request({ model: "../../v1/files" }), options())).rejects.toMatchObject({ code: "MM_INVALID_REQUEST" });
    const streamError = await streamUnder(undefined, {}, request({ messages: [{ role: "assistant", content: "", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{oops" } }] }] }));
    expect(streamError.error).toMatchObject({ code: "MM_INVALID_REQUEST" });
    expect(mock.calls).toHaveLength(0);
  });

  it("has no image, speech or transcription methods (the router answers those with MM_NOT_SUPPORTED, see connector.test.ts)", () => {
    for (const method of ["generateImage", "speech", "transcribe"]) expect(method in provider, method).toBe(false);
  });
});
