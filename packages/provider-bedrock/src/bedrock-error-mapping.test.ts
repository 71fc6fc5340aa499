import { describe, expect, it } from "vitest";
import { bedrockHttpError, bedrockStreamError, classifyBedrockApiError, normalizeErrorType } from "./bedrock-error-mapping.js";

const NOW = Date.UTC(2026, 0, 1);

describe("bedrock error mapping", () => {
  it("normalizes exception types from headers, __type and stream frames", () => {
    expect(normalizeErrorType("ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/")).toBe("ThrottlingException");
    expect(normalizeErrorType("com.amazon.coral.validate#ValidationException")).toBe("ValidationException");
    expect(normalizeErrorType("modelStreamErrorException")).toBe("ModelStreamErrorException");
    expect(normalizeErrorType("")).toBeUndefined();
  });

  it("an HTTP error keeps status, Retry-After, request id and redacted headers; the message names the type", () => {
    const error = bedrockHttpError(429, { "x-amzn-errortype": "ThrottlingException:x", "retry-after": "3", "x-amzn-requestid": "r-1", authorization: "AWS4-HMAC-SHA256 secret" }, '{"message":"Too many tokens"}', { provider: "aws", model: "m" }, NOW);
    expect(error).toMatchObject({ code: "MM_RATE_LIMIT", category: "rate_limit", retryable: true, status: 429, retryAfterMs: 3000, provider: "aws", model: "m" });
    expect(error.message).toContain("HTTP 429 for model m: ThrottlingException: Too many tokens");
    expect(error.metadata).toMatchObject({ upstreamCode: "ThrottlingException", requestId: "r-1" });
    expect(JSON.stringify(error.metadata)).not.toContain("secret");
  });

  it("unknown types fall back to core's status classification; expired tokens are auth", () => {
    expect(bedrockHttpError(502, {}, "<html>bad gateway</html>", {}, NOW)).toMatchObject({ category: "server", retryable: true });
    expect(bedrockHttpError(400, {}, '{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}', {}, NOW)).toMatchObject({ category: "auth" });
    expect(bedrockHttpError(400, { "x-amzn-errortype": "ValidationException" }, '{"message":"Input is too long for requested model."}', {}, NOW)).toMatchObject({ category: "context_length" });
  });

  it("a stream exception without a known type is a retryable server error; the scrubber runs on its text", () => {
    const error = bedrockStreamError("weirdException", { message: "key AKIAEXAMPLE123 leaked" }, { scrub: (text) => text.replace("AKIAEXAMPLE123", "[redacted]") }, NOW);
    expect(error).toMatchObject({ category: "server", retryable: true, metadata: { phase: "stream", upstreamCode: "WeirdException" } });
    expect(error.message).not.toContain("AKIAEXAMPLE123");
  });

  it("classifies SDK-shaped errors by name, and leaves others alone", () => {
    expect(classifyBedrockApiError(Object.assign(new Error("slow"), { name: "ThrottlingException", $metadata: { httpStatusCode: 429 } }), NOW)).toMatchObject({ category: "rate_limit", status: 429 });
    expect(classifyBedrockApiError(Object.assign(new Error("odd"), { name: "NewException", $metadata: { httpStatusCode: 503 } }), NOW)).toMatchObject({ category: "server", status: 503 });
    expect(classifyBedrockApiError(new Error("plain"), NOW)).toBeUndefined();
    expect(classifyBedrockApiError("text", NOW)).toBeUndefined();
  });
});
