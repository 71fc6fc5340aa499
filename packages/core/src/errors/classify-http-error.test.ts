import { describe, expect, it } from "vitest";
import { classifyHttpError, parseResetDuration, parseRetryAfter, readRateLimitHeaders } from "./classify-http-error.js";

const NOW = Date.UTC(2026, 0, 1, 12);
const body = (message: string, code?: string, type?: string) => JSON.stringify({ error: { message, code, type } });

describe("classifyHttpError", () => {
  it.each([
    [429, body("Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000. Please try again in 6ms. Add a payment method to increase your limit.", "rate_limit_exceeded"), "rate_limit"],
    [429, body("You exceeded your current quota, please check your plan and billing details.", "insufficient_quota"), "quota_exhausted"],
    [429, body("Quota exceeded for metric generate_content_free_tier_requests, limit: 50 per day. Please retry in 17s."), "quota_exhausted"],
    [429, body("Quota exceeded for metric generate_content_free_tier_requests, limit: 10 per minute. Please retry in 17s."), "rate_limit"],
    [429, body("Resource has been exhausted (e.g. check quota).", undefined, "RESOURCE_EXHAUSTED"), "quota_exhausted"],
    [429, body("Too many requests"), "rate_limit"],
    [402, body("Payment required"), "quota_exhausted"],
    [401, body("Incorrect API key provided", "invalid_api_key"), "auth"],
    [403, body("Forbidden"), "auth"],
    [500, body("boom"), "server"],
    [529, body("Overloaded", undefined, "overloaded_error"), "server"],
    [408, body("timeout"), "server"],
    [400, body("This model's maximum context length is 8192 tokens", "context_length_exceeded"), "context_length"],
    [400, body("Your request was rejected as a result of our safety system", "content_policy_violation"), "content_filter"],
    [400, body("Invalid value for temperature"), "invalid_request"],
    [404, body("model not found"), "invalid_request"],
    [422, "not json at all", "invalid_request"],
  ])("%i %s → %s", (status, raw, category) => {
    expect(classifyHttpError(status, {}, raw, NOW).category).toBe(category);
  });

  it("reads retry-after-ms before Retry-After, and both Retry-After forms", () => {
    expect(classifyHttpError(429, { "retry-after-ms": "250", "retry-after": "10" }, "{}", NOW).retryAfterMs).toBe(250);
    expect(classifyHttpError(429, { "retry-after": "2" }, "{}", NOW).retryAfterMs).toBe(2000);
    expect(classifyHttpError(429, { "retry-after": new Date(NOW + 30_000).toUTCString() }, "{}", NOW).retryAfterMs).toBe(30_000);
  });

  it("never copies more than a bounded part of the body into the message", () => {
    expect(classifyHttpError(500, {}, body("x".repeat(5000)), NOW).message.length).toBeLessThanOrEqual(300);
  });
});

describe("header parsing", () => {
  it("parses reset durations and rate-limit headers", () => {
    expect(parseResetDuration("6m0s")).toBe(360_000);
    expect(parseResetDuration("1h2m3.5s")).toBe(3_723_500);
    expect(parseResetDuration("20ms")).toBe(20);
    expect(parseResetDuration("soon")).toBeUndefined();
    expect(parseRetryAfter("garbage", NOW)).toBeUndefined();
    expect(readRateLimitHeaders({ "x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "59", "x-ratelimit-reset-requests": "1s" }, NOW)).toEqual({
      limitRequests: 60,
      remainingRequests: 59,
      resetRequestsMs: 1000,
    });
    expect(readRateLimitHeaders({}, NOW)).toBeUndefined();
  });
});
