/**
 * Bedrock-specific faults on a real socket (the recording server): throttling, a connection dropped
 * mid-stream, corrupt frames (bad CRC), a body cut inside a frame, an exception frame after output, an
 * oversized frame, and a stalled half-sent frame. Each must throw a classified error — never hang, never end
 * a broken stream cleanly.
 */
import type { ChatCompletionChunk } from "@modelmesh/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createBedrockProvider, type BedrockProvider } from "../src/index.js";
import { concat, event, exception, textStream } from "./support/eventstream-encode.js";
import { startRecordingServer, type RecordingServer } from "./support/recording-server.js";

const MODEL = "amazon.nova-lite-v1:0";
const ask = { model: MODEL, messages: [{ role: "user" as const, content: "hi" }] };
let server: RecordingServer;
let provider: BedrockProvider;
beforeAll(async () => {
  server = await startRecordingServer();
  provider = createBedrockProvider({ region: "us-east-1", base_url: server.url, access_key_id: "AKIDEXAMPLE", secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }, { env: {} });
});
afterAll(async () => {
  await provider.close();
  await server.close();
});
afterEach(() => {
  server.requests.length = 0;
});

async function read(options = {}) {
  const chunks: ChatCompletionChunk[] = [];
  let error: unknown;
  const started = Date.now();
  try {
    for await (const chunk of provider.stream(ask, options)) chunks.push(chunk);
  } catch (caught) {
    error = caught;
  }
  return { chunks, error, elapsed: Date.now() - started, text: chunks.map((c) => c.choices[0]?.delta.content ?? "").join("") };
}

describe("Bedrock faults", () => {
  it("429 ThrottlingException with Retry-After: rate_limit, retryable, retryAfterMs (complete and stream)", async () => {
    server.reply({ status: 429, headers: { "x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/", "retry-after": "4" }, json: { message: "Too many tokens, please wait before trying again." } });
    const error = await provider.complete(ask).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "MM_RATE_LIMIT", category: "rate_limit", retryable: true, retryAfterMs: 4000, status: 429 });
    expect(provider.classifyError(error)).toMatchObject({ category: "rate_limit", retryable: true, retryAfterMs: 4000 });
    const streamed = await read();
    expect(streamed.chunks).toHaveLength(0);
    expect(streamed.error).toMatchObject({ category: "rate_limit" });
  });

  it("a connection dropped mid-stream throws after the partial output (network or stream_interrupted)", async () => {
    const frames = textStream(["Hello ", "wor", "ld"]);
    server.reply({ frames: frames.slice(0, 3), cut: true });
    const result = await read();
    expect(result.text).toBe("Hello wor");
    expect(result.error).toBeDefined();
    expect(["network", "stream_interrupted"]).toContain(provider.classifyError(result.error).category);
  });

  it("a frame with a bad CRC breaks the stream: MM_INVALID_RESPONSE, not retried", async () => {
    const frames = textStream(["ok", "bad"]);
    const corrupt = frames[2]!.slice();
    corrupt[corrupt.length - 8] ^= 0x5a; // a payload byte: the message CRC no longer matches
    server.reply({ frames: [frames[0]!, frames[1]!, corrupt, ...frames.slice(3)] });
    const result = await read();
    expect(result.text).toBe("ok");
    expect(result.error).toMatchObject({ code: "MM_INVALID_RESPONSE", category: "stream_interrupted", retryable: false, message: expect.stringContaining("CRC32") });
  });

  it("a body that ends inside a frame: MM_STREAM_INTERRUPTED", async () => {
    const body = concat(...textStream(["a", "b"]));
    server.reply({ frames: [body.subarray(0, body.length - 10)] });
    const result = await read();
    expect(result.error).toMatchObject({ code: "MM_STREAM_INTERRUPTED", category: "stream_interrupted" });
  });

  it("an exception frame after output: classified, with the partial text kept", async () => {
    server.reply({ frames: [event("messageStart", { role: "assistant" }), event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "par" } }), exception("modelStreamErrorException", "The model failed mid-stream")] });
    const result = await read();
    expect(result.text).toBe("par");
    expect(result.error).toMatchObject({ category: "server", retryable: true, message: expect.stringContaining("ModelStreamErrorException") });
  });

  it("a frame larger than limits.max_event_size is refused: MM_RESPONSE_TOO_LARGE", async () => {
    server.reply({ frames: [event("messageStart", { role: "assistant" }), event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "x".repeat(4096) } })] });
    const result = await read({ responseLimits: { maxEventBytes: 1024 } });
    expect(result.error).toMatchObject({ code: "MM_RESPONSE_TOO_LARGE" });
  });

  it("a half-sent frame that stalls: idle timeout naming the pending bytes", async () => {
    const frames = textStream(["a"]);
    server.reply({ frames: [frames[0]!, frames[1]!, frames[2]!.subarray(0, 9)], stall: true });
    const result = await read({ timeouts: { connectMs: 2000, firstTokenMs: 2000, idleMs: 200 } });
    expect(result.error).toMatchObject({ code: "MM_TIMEOUT_IDLE", category: "timeout", metadata: { pendingBytes: 9 } });
    expect(result.elapsed).toBeLessThan(2000);
  });

  it("a JSON body answering a stream request is an invalid response", async () => {
    server.reply({ json: { output: {} } });
    const result = await read();
    expect(result.error).toMatchObject({ code: "MM_INVALID_RESPONSE", message: expect.stringContaining("application/vnd.amazon.eventstream") });
  });
});
