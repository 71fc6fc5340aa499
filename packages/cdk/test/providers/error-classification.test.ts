import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock, ProviderError } from "@modelmesh/core";
import { BaseProvider } from "../../src/providers/base-provider.js";
import { VARIANTS } from "./support/variants.js";
import { caught, sendJson, startScriptedServer, type ScriptedServer } from "./support/scripted-server.js";

const KEY = "sk-proj-VERYSECRETKEY-abcdef0123456789";
const HEADER_SECRET = "hdr-secret-value-987654321";
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());

const request = { model: "gpt-test", messages: [{ role: "user" as const, content: "hi" }] };

describe.each(VARIANTS)("HTTP error classification: %s", (_name, create) => {
  const make = () => create({ id: "acme", baseUrl: server.baseUrl, apiKey: KEY, clock: createManualClock(NOW) });

  it("429 with Retry-After seconds → rate_limit, retryable, retryAfterMs", async () => {
    server.handler = (_req, res) => sendJson(res, 429, { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }, { "retry-after": "2" });
    const error = await caught(() => make().complete(request));
    expect(ProviderError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: "MM_RATE_LIMIT", category: "rate_limit", retryable: true, status: 429, retryAfterMs: 2000, provider: "acme", model: "gpt-test" });
  });

  it("429 with Retry-After as HTTP-date → retryAfterMs from the provider clock", async () => {
    const at = new Date(NOW + 30_000).toUTCString();
    server.handler = (_req, res) => sendJson(res, 429, { error: { message: "Too many requests" } }, { "retry-after": at });
    const error = await caught(() => make().complete(request));
    expect(error).toMatchObject({ category: "rate_limit", retryAfterMs: 30_000 });
  });

  it("401 → auth, not retryable", async () => {
    server.handler = (_req, res) => sendJson(res, 401, { error: { message: "Invalid authentication", type: "invalid_request_error" } });
    expect(await caught(() => make().complete(request))).toMatchObject({ code: "MM_AUTH", category: "auth", retryable: false, status: 401 });
  });

  it("400 context_length_exceeded → context_length", async () => {
    server.handler = (_req, res) =>
      sendJson(res, 400, { error: { message: "This model's maximum context length is 8192 tokens.", type: "invalid_request_error", code: "context_length_exceeded" } });
    expect(await caught(() => make().complete(request))).toMatchObject({ code: "MM_CONTEXT_LENGTH", category: "context_length", retryable: false });
  });

  it("400 other → invalid_request; 500 → server, retryable", async () => {
    server.handler = (_req, res) => sendJson(res, 400, { error: { message: "Unrecognized request argument" } });
    expect(await caught(() => make().complete(request))).toMatchObject({ code: "MM_INVALID_REQUEST", category: "invalid_request" });
    server.handler = (_req, res) => sendJson(res, 500, { error: { message: "The server had an error" } });
    const error = await caught(() => make().complete(request));
    expect(error).toMatchObject({ code: "MM_SERVER", category: "server", retryable: true, status: 500 });
    expect(make().classifyError(error)).toMatchObject({ category: "server", retryable: true });
  });

  it("an error status in a stream request surfaces at the first next(), before any chunk", async () => {
    server.handler = (_req, res) => sendJson(res, 503, { error: { message: "overloaded" } });
    const iterator = make().stream(request)[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({ category: "server", status: 503 });
  });

  it("secrets never reach error messages, JSON or metadata", async () => {
    server.handler = (_req, res) =>
      sendJson(res, 401, { error: { message: `Incorrect API key provided: ${KEY}. Also got ${HEADER_SECRET}.` } }, { "set-cookie": `session=${KEY}` });
    const provider = create({ id: "acme", baseUrl: server.baseUrl, apiKey: KEY, headers: { "x-api-key": HEADER_SECRET } });
    const error = await caught(() => provider.complete(request));
    const everything = [error.message, JSON.stringify(error), JSON.stringify(error.metadata), JSON.stringify(provider.classifyError(error))].join("\n");
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain("VERYSECRETKEY");
    expect(everything).not.toContain(HEADER_SECRET);
    expect(error.message).toContain("Incorrect API key provided");
    expect(server.requests.at(-1)?.headers["x-api-key"]).toBe(HEADER_SECRET);
  });
});

describe("classifyError on non-HTTP errors", () => {
  const provider = new BaseProvider({ baseUrl: "http://127.0.0.1:9/v1" });

  it.each([
    ["AbortError", new DOMException("aborted", "AbortError"), "timeout", false],
    ["TimeoutError", new DOMException("timed out", "TimeoutError"), "timeout", false],
    ["ECONNRESET", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }), "network", true],
    ["ECONNREFUSED in cause", new TypeError("fetch failed", { cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }) }), "network", true],
    ["ENOTFOUND", Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }), "network", true],
    ["undici socket closed", Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }), "network", true],
    ["undici headers timeout", Object.assign(new Error("Headers Timeout Error"), { code: "UND_ERR_HEADERS_TIMEOUT" }), "timeout", false],
    ["browser fetch TypeError", new TypeError("Failed to fetch"), "network", true],
    ["object with status 503", Object.assign(new Error("HTTP 503"), { status: 503 }), "server", true],
    ["object with statusCode 401", Object.assign(new Error("HTTP 401"), { statusCode: 401 }), "auth", false],
    ["plain Error", new Error("bug"), "internal", false],
  ])("%s", (_label, error, category, retryable) => {
    expect(provider.classifyError(error)).toMatchObject({ category, retryable });
  });

  it("keeps the category of a ModelMesh error", () => {
    const error = new ProviderError({ code: "MM_CONTENT_FILTER", category: "content_filter", message: "blocked" });
    expect(provider.classifyError(error)).toMatchObject({ category: "content_filter", retryable: false, code: "MM_CONTENT_FILTER" });
  });
});
