import { describe, expect, it } from "vitest";
import { classifyCohereApiError, cohereHttpError, readCohereRateLimits } from "./cohere-error-mapping.js";

const body = (message: string) => JSON.stringify({ id: "req-1", message });

describe("cohereHttpError", () => {
  const cases: Array<[number, string, string, boolean]> = [
    [400, "invalid request: messages is empty", "invalid_request", false],
    [400, "too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 5000", "context_length", false],
    [401, "invalid api token", "auth", false],
    [402, "Please add a payment method", "quota_exhausted", false],
    [403, "forbidden", "auth", false],
    [404, "model not found", "invalid_request", false],
    [422, "unprocessable", "invalid_request", false],
    [429, "You are using a Trial key, which is limited to 20 API calls / minute.", "rate_limit", true],
    [429, "You are using a Trial key, which is limited to 1000 API calls / month. Upgrade for higher rate limits.", "quota_exhausted", false],
    [498, "invalid api token", "auth", false],
    [499, "request cancelled", "server", true],
    [500, "internal server error", "server", true],
    [501, "not implemented", "invalid_request", false],
    [503, "service unavailable", "server", true],
    [504, "gateway timeout", "server", true],
  ];
  for (const [status, message, category, retryable] of cases) {
    it(`${status} "${message.slice(0, 40)}" → ${category}`, () => {
      const error = cohereHttpError(status, {}, body(message), { provider: "co", model: "m" }, 0);
      expect(error).toMatchObject({ status, category, retryable, provider: "co", model: "m", metadata: { requestId: "req-1" } });
      expect(error.message).toContain(`HTTP ${status} for model m`);
    });
  }

  it("Retry-After becomes retryAfterMs; the request id falls back to x-debug-trace-id; secrets are redacted", () => {
    const error = cohereHttpError(429, { "retry-after": "12", "x-debug-trace-id": "trace-9", authorization: "Bearer co-secret" }, "not json", {}, 0);
    expect(error).toMatchObject({ retryAfterMs: 12_000, metadata: { requestId: "trace-9" } });
    expect(JSON.stringify(error.metadata)).not.toContain("co-secret");
  });

  it("the SDK's error shape (statusCode, body, rawResponse.headers) is classified the same way", () => {
    const sdkLike = { statusCode: 498, body: { id: "x", message: "invalid api token" }, rawResponse: { headers: new Headers({ "retry-after": "1" }) } };
    expect(classifyCohereApiError(sdkLike, 0)).toMatchObject({ category: "auth", retryable: false, status: 498 });
    expect(classifyCohereApiError(new Error("plain"), 0)).toBeUndefined();
  });
});

describe("readCohereRateLimits", () => {
  it("reads the trial call-allowance headers; nothing without them", () => {
    expect(readCohereRateLimits({ "x-trial-endpoint-call-limit": "40", "x-trial-endpoint-call-remaining": "39" })).toEqual({ limitRequests: 40, remainingRequests: 39 });
    expect(readCohereRateLimits({})).toBeUndefined();
  });
});
