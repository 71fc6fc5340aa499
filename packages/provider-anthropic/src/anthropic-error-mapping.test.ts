import { describe, expect, it } from "vitest";
import { anthropicHttpError, classifyAnthropicErrorType, readAnthropicRateLimits } from "./anthropic-error-mapping.js";

const NOW = Date.parse("2025-06-01T12:00:00Z");

describe("classifyAnthropicErrorType", () => {
  it.each([
    ["overloaded_error", "Overloaded", "server", true],
    ["api_error", "Internal server error", "server", true],
    ["timeout_error", "Request timed out", "server", true],
    ["rate_limit_error", "Number of requests has exceeded your per-minute rate limit", "rate_limit", true],
    ["rate_limit_error", "You have reached your specified workspace API usage limits.", "quota_exhausted", false],
    ["billing_error", "Payment required", "quota_exhausted", false],
    ["authentication_error", "invalid x-api-key", "auth", false],
    ["permission_error", "Not allowed", "auth", false],
    ["not_found_error", "model: claude-x", "invalid_request", false],
    ["request_too_large", "Request exceeds the maximum allowed number of bytes.", "invalid_request", false],
    ["invalid_request_error", "prompt is too long: 215341 tokens > 200000 maximum", "context_length", false],
    ["invalid_request_error", "Output blocked by content filtering policy", "content_filter", false],
    ["invalid_request_error", "Your credit balance is too low to access the Anthropic API.", "quota_exhausted", false],
    ["invalid_request_error", "max_tokens: Field required", "invalid_request", false],
  ])("%s (%s) → %s", (type, message, category, retryable) => {
    expect(classifyAnthropicErrorType(type, message)).toEqual({ category, retryable });
  });

  it("an unknown type is left to the status classifier", () => {
    expect(classifyAnthropicErrorType("new_error", "x")).toBeUndefined();
    expect(anthropicHttpError(503, {}, "<html>Service Unavailable</html>", {}, NOW)).toMatchObject({ category: "server", retryable: true, status: 503 });
    expect(anthropicHttpError(418, {}, '{"error":{"message":"teapot"}}', {}, NOW)).toMatchObject({ category: "invalid_request" });
  });

  it("any 529 is a server error, whatever the body says", () => {
    expect(anthropicHttpError(529, {}, "", {}, NOW)).toMatchObject({ category: "server", retryable: true, code: "MM_SERVER" });
  });

  it("scrubs upstream text, keeps the request id, redacts headers", () => {
    const error = anthropicHttpError(401, { "request-id": "req_1", "x-api-key": "sk-ant-secret-value-123" }, '{"type":"error","error":{"type":"authentication_error","message":"bad key sk-ant-secret-value-123"}}', {
      provider: "claude",
      scrub: (text) => text.split("sk-ant-secret-value-123").join("***"),
    }, NOW);
    expect(error.message).not.toContain("sk-ant-secret");
    expect(error.metadata).toMatchObject({ requestId: "req_1", upstreamCode: "authentication_error" });
    expect(JSON.stringify(error.metadata)).not.toContain("sk-ant-secret");
  });
});

describe("readAnthropicRateLimits", () => {
  it("reads requests and tokens groups with RFC 3339 resets, and retry-after", () => {
    const info = readAnthropicRateLimits(
      {
        "anthropic-ratelimit-requests-limit": "4000",
        "anthropic-ratelimit-requests-remaining": "3999",
        "anthropic-ratelimit-requests-reset": "2025-06-01T12:00:12Z",
        "anthropic-ratelimit-tokens-limit": "400000",
        "anthropic-ratelimit-tokens-remaining": "398000",
        "anthropic-ratelimit-tokens-reset": "2025-06-01T12:00:30Z",
        "anthropic-ratelimit-input-tokens-limit": "300000",
        "retry-after": "3",
      },
      NOW,
    );
    expect(info).toEqual({ limitRequests: 4000, remainingRequests: 3999, resetRequestsMs: 12_000, limitTokens: 400_000, remainingTokens: 398_000, resetTokensMs: 30_000, retryAfterMs: 3_000 });
  });

  it("falls back to input-tokens when no combined tokens group is sent; ignores garbage; past resets are 0", () => {
    const info = readAnthropicRateLimits(
      {
        "anthropic-ratelimit-input-tokens-limit": "80000",
        "anthropic-ratelimit-input-tokens-remaining": "79000",
        "anthropic-ratelimit-input-tokens-reset": "2025-06-01T11:59:00Z",
        "anthropic-ratelimit-requests-limit": "n/a",
        "anthropic-ratelimit-requests-reset": "soon",
      },
      NOW,
    );
    expect(info).toEqual({ limitTokens: 80_000, remainingTokens: 79_000, resetTokensMs: 0 });
    expect(readAnthropicRateLimits({ "content-type": "application/json" }, NOW)).toBeUndefined();
  });
});
