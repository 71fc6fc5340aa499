/** Google error bodies (recorded shapes) → categories, waits and metadata. */
import { describe, expect, it } from "vitest";
import { classifyGoogleError, GeminiProvider, parseGoogleError, type GoogleErrorDetail } from "../src/index.js";
import { googleHttpError, googleQuotaViolations, googleRetryDelayMs, googleStreamError } from "../src/gemini-error-mapping.js";
import { fixture, fixtureText } from "./support/fixtures.js";

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const context = { provider: "gemini", model: "gemini-2.5-flash", scrub: (text: string) => text.replaceAll("SECRET-KEY-123", "***") };

describe("classifyGoogleError on recorded bodies", () => {
  const table: Array<[string, number, string, boolean, number?]> = [
    ["gemini-error-429-per-minute", 429, "rate_limit", true, 17_000],
    ["gemini-error-429-per-day", 429, "quota_exhausted", false, 33_124_000],
    ["gemini-error-429-plain", 429, "rate_limit", true],
    ["gemini-error-400-api-key", 400, "auth", false],
    ["gemini-error-400-token-count", 400, "context_length", false],
    ["gemini-error-400-invalid", 400, "invalid_request", false],
    ["gemini-error-400-location", 400, "auth", false],
    ["gemini-error-400-billing", 400, "quota_exhausted", false],
    ["gemini-error-403", 403, "auth", false],
    ["gemini-error-404", 404, "invalid_request", false],
    ["gemini-error-500", 500, "server", true],
    ["gemini-error-503", 503, "server", true],
    ["gemini-error-504", 504, "server", true],
  ];
  for (const [name, status, category, retryable, retryAfterMs] of table) {
    it(`${name} → ${category}`, () => {
      const result = classifyGoogleError(status, {}, fixtureText(name), NOW);
      expect(result).toMatchObject({ category, retryable, status, code: parseGoogleError(fixture(name))!.status });
      expect(result.retryAfterMs).toBe(retryAfterMs);
    });
  }

  it("core alone would call every Gemini 429 a spent quota (its message mentions billing); the details decide instead", () => {
    const detail = parseGoogleError(fixture("gemini-error-429-per-minute"))!;
    expect(detail.message).toMatch(/billing/);
    expect(googleQuotaViolations(detail)).toContain("GenerateRequestsPerMinutePerProjectPerModel-FreeTier");
  });

  it("Retry-After wins over RetryInfo; RetryInfo in seconds+nanos and the message's 'retry in' are understood", () => {
    expect(classifyGoogleError(429, { "retry-after": "3" }, fixtureText("gemini-error-429-per-minute"), NOW).retryAfterMs).toBe(3_000);
    const nanos: GoogleErrorDetail = { details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: { seconds: 1, nanos: 500_000_000 } }] };
    expect(googleRetryDelayMs(nanos)).toBe(1_500);
    expect(googleRetryDelayMs({ message: "Please retry in 2.25s.", details: [] })).toBe(2_250);
  });

  it("bodies that are not Google envelopes fall back to core's status rules", () => {
    expect(classifyGoogleError(502, {}, "<html>Bad Gateway</html>", NOW)).toMatchObject({ category: "server", retryable: true });
    expect(classifyGoogleError(429, {}, "", NOW)).toMatchObject({ category: "rate_limit" });
    expect(parseGoogleError([{ error: { code: 400, message: "wrapped" } }])).toMatchObject({ code: 400, message: "wrapped" });
  });
});

describe("ProviderError construction", () => {
  it("HTTP errors carry the Google status name, scrubbed text, redacted headers and quota metadata", () => {
    const body = fixtureText("gemini-error-429-per-day").replace("limit: 250", "limit: 250 key SECRET-KEY-123");
    const error = googleHttpError(429, { "x-goog-api-key": "SECRET-KEY-123", "content-type": "application/json" }, body, context, NOW);
    expect(error).toMatchObject({ code: "MM_QUOTA_EXHAUSTED", category: "quota_exhausted", status: 429, provider: "gemini", model: "gemini-2.5-flash", retryAfterMs: 33_124_000 });
    expect(error.message).toMatch(/^\[modelmesh\] \[provider gemini\] HTTP 429 RESOURCE_EXHAUSTED for model gemini-2\.5-flash: /);
    expect(error.message).not.toContain("SECRET-KEY-123");
    expect(error.metadata).toMatchObject({ upstreamCode: "RESOURCE_EXHAUSTED", quotaViolations: expect.arrayContaining(["GenerateRequestsPerDayPerProjectPerModel-FreeTier"]) });
    expect(JSON.stringify(error.metadata)).not.toContain("SECRET-KEY-123");
    expect(googleHttpError(400, {}, fixtureText("gemini-error-400-api-key"), context, NOW).metadata).toMatchObject({ reason: "API_KEY_INVALID" });
  });

  it("stream error events: the code is the status; without one it is a server failure", () => {
    expect(googleStreamError({ error: { code: 429, message: "Resource has been exhausted", status: "RESOURCE_EXHAUSTED" } }, context, NOW)).toMatchObject({ category: "rate_limit", code: "MM_RATE_LIMIT" });
    expect(googleStreamError({ error: { message: "something broke" } }, context, NOW)).toMatchObject({ category: "server", retryable: true });
    expect(googleStreamError({ error: { code: 400, message: "The input token count (5) exceeds the maximum number of tokens allowed (4).", status: "INVALID_ARGUMENT" } }, context, NOW).category).toBe("context_length");
  });

  it("classifyError applies Google's rules to foreign errors with a status (e.g. the SDK's ApiError)", () => {
    const provider = new GeminiProvider({ apiKey: "k" });
    const apiError = Object.assign(new Error(fixtureText("gemini-error-429-per-day")), { name: "ApiError", status: 429 });
    expect(provider.classifyError(apiError)).toMatchObject({ category: "quota_exhausted", retryable: false });
    expect(provider.classifyError(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toMatchObject({ category: "network" });
  });
});
