/** Stream-shaping faults, read as raw SSE with fetch (the SDK hides framing) and through the SDK where it shows. */
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MockProvider, startMockProvider, tokenize } from "../src/server.js";
import { chatBody, chatParams, contentOf, post, readRaw, sdk } from "./helpers.js";

/** Four words, so the echo reply is five tokens: "echo:", " one", " two", " three", " four". */
const streamBody = chatBody({ messages: [{ role: "user", content: "one two three four" }], stream: true });
const TOKENS = tokenize("echo: one two three four");
const sdkStreamParams = {
  model: "mock-model",
  messages: [{ role: "user" as const, content: "one two three four" }],
  stream: true as const,
};

const hasFinish = (frames: string[]) => frames.some((frame) => /"finish_reason":"[a-z_]+"/.test(frame));

describe("stream faults", () => {
  let mock: MockProvider;
  beforeAll(async () => {
    mock = await startMockProvider();
  });
  afterEach(() => mock.reset());
  afterAll(() => mock.close());

  it("cut-after: N content chunks, then the connection dies without finish_reason or [DONE]", async () => {
    mock.fault({ fault: { kind: "cut-after", tokens: 2 } });
    const response = await post(mock, "/chat/completions", streamBody);
    expect(response.status).toBe(200);
    const raw = await readRaw(response);
    expect(raw.error).toBeInstanceOf(TypeError);
    expect(contentOf(raw.frames)).toEqual(TOKENS.slice(0, 2));
    expect(raw.frames).not.toContain("[DONE]");
    expect(hasFinish(raw.frames)).toBe(false);
  });

  it("cut-after: the SDK stream throws instead of ending", async () => {
    mock.fault({ fault: { kind: "cut-after", tokens: 1 } });
    const stream = await sdk(mock).chat.completions.create(sdkStreamParams);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? "");
      })(),
    ).rejects.toThrow();
    expect(seen.join("")).toBe(TOKENS[0]);
  });

  it("stall-after: N chunks, then silence on an open socket until the client's idle timeout", async () => {
    mock.fault({ fault: { kind: "stall-after", tokens: 3 } });
    const response = await post(mock, "/chat/completions", streamBody, { signal: AbortSignal.timeout(300) });
    const raw = await readRaw(response);
    expect((raw.error as Error).name).toBe("TimeoutError");
    expect(contentOf(raw.frames)).toEqual(TOKENS.slice(0, 3));
    expect(hasFinish(raw.frames)).toBe(false);
    expect(mock.calls[0]).toMatchObject({ fault: "stall-after", status: 200 });
  });

  it("malformed-chunk: `data: {not json` after N chunks, then the stream continues to [DONE]", async () => {
    mock.fault({ fault: { kind: "malformed-chunk", afterTokens: 1 } });
    const raw = await readRaw(await post(mock, "/chat/completions", streamBody));
    expect(raw.error).toBeUndefined();
    expect(raw.text).toContain("data: {not json\n\n");
    expect(raw.frames.indexOf("{not json")).toBe(2); // role chunk, one token, then the malformed line
    expect(contentOf(raw.frames)).toEqual(TOKENS);
    expect(raw.frames.at(-1)).toBe("[DONE]");
  });

  it("malformed-chunk with count: that many malformed lines in a row, no token lost", async () => {
    mock.fault({ fault: { kind: "malformed-chunk", afterTokens: 1, count: 3 } });
    const raw = await readRaw(await post(mock, "/chat/completions", streamBody));
    expect(raw.error).toBeUndefined();
    expect(raw.frames.slice(2, 5)).toEqual(["{not json", "{not json", "{not json"]);
    expect(raw.frames.filter((frame) => frame === "{not json")).toHaveLength(3);
    expect(contentOf(raw.frames)).toEqual(TOKENS);
    expect(raw.frames.at(-1)).toBe("[DONE]");
  });

  it("malformed-chunk with then: stop ends the response right after it", async () => {
    mock.fault({ fault: { kind: "malformed-chunk", afterTokens: 2, then: "stop" } });
    const raw = await readRaw(await post(mock, "/chat/completions", streamBody));
    expect(raw.error).toBeUndefined();
    expect(raw.frames.at(-1)).toBe("{not json");
    expect(contentOf(raw.frames)).toEqual(TOKENS.slice(0, 2));
  });

  it("missing-done: ends cleanly after a final chunk with finish_reason and usage, without [DONE]", async () => {
    mock.fault({ fault: { kind: "missing-done" } });
    const raw = await readRaw(await post(mock, "/chat/completions", streamBody));
    expect(raw.error).toBeUndefined();
    expect(raw.frames).not.toContain("[DONE]");
    const last = JSON.parse(raw.frames.at(-1)!) as OpenAI.ChatCompletionChunk;
    expect(last.choices[0]!.finish_reason).toBe("stop");
    expect(last.usage).toEqual({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
    expect(contentOf(raw.frames)).toEqual(TOKENS);
  });

  it("error-in-stream: a 200 stream carrying data: {error} after N chunks", async () => {
    mock.fault({ fault: { kind: "error-in-stream", afterTokens: 2, error: { message: "upstream overloaded", code: "overloaded" } } });
    const response = await post(mock, "/chat/completions", streamBody);
    expect(response.status).toBe(200);
    const raw = await readRaw(response);
    expect(raw.error).toBeUndefined();
    expect(contentOf(raw.frames)).toEqual(TOKENS.slice(0, 2));
    expect(JSON.parse(raw.frames.at(-1)!)).toEqual({
      error: { message: "upstream overloaded", type: "server_error", param: null, code: "overloaded" },
    });
    expect(raw.frames).not.toContain("[DONE]");
  });

  it("error-in-stream: the SDK raises the carried error", async () => {
    mock.fault({ fault: { kind: "error-in-stream", afterTokens: 0 } });
    const stream = await sdk(mock).chat.completions.create(sdkStreamParams);
    await expect(
      (async () => {
        for await (const _chunk of stream) void _chunk;
      })(),
    ).rejects.toBeInstanceOf(OpenAI.APIError);
  });

  it("slow-first-token: headers arrive while the first chunk is still held back", async () => {
    mock.fault({ times: 1, fault: { kind: "slow-first-token", delayMs: 60_000 } });
    const controller = new AbortController();
    const response = await post(mock, "/chat/completions", streamBody, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    controller.abort();
    expect(mock.calls[0]).toMatchObject({ fault: "slow-first-token", status: 200 });
  });

  it("slow-first-token: the full stream follows the delay", async () => {
    mock.fault({ fault: { kind: "slow-first-token", delayMs: 20 } });
    const raw = await readRaw(await post(mock, "/chat/completions", streamBody));
    expect(contentOf(raw.frames)).toEqual(TOKENS);
    expect(raw.frames.at(-1)).toBe("[DONE]");
  });
});

describe("stream faults on non-streamed responses", () => {
  let mock: MockProvider;
  beforeAll(async () => {
    mock = await startMockProvider();
  });
  afterEach(() => mock.reset());
  afterAll(() => mock.close());

  it("cut-after: half the JSON body, then the connection dies", async () => {
    mock.fault({ fault: { kind: "cut-after", tokens: 1 } });
    const raw = await readRaw(await post(mock, "/chat/completions", chatBody()));
    expect(raw.error).toBeInstanceOf(TypeError);
    expect(raw.text.startsWith('{"id":"chatcmpl-mock-1"')).toBe(true);
    await expect(sdk(mock).chat.completions.create(chatParams)).rejects.toBeInstanceOf(Error);
  });

  it("malformed-chunk and error-in-stream: a 200 whose body is not a completion", async () => {
    mock.fault({ times: 1, fault: { kind: "malformed-chunk", afterTokens: 0 } });
    mock.fault({ times: 1, fault: { kind: "error-in-stream", afterTokens: 0 } });
    expect(await (await post(mock, "/chat/completions", chatBody())).text()).toBe("{not json");
    const errorBody = (await (await post(mock, "/chat/completions", chatBody())).json()) as { error: { type: string } };
    expect(errorBody.error.type).toBe("server_error");
  });

  it("missing-done: no effect", async () => {
    mock.fault({ fault: { kind: "missing-done" } });
    const completion = await sdk(mock).chat.completions.create(chatParams);
    expect(completion.choices[0]!.message.content).toBe("echo: hello mock world");
  });
});

describe("close() with open fault sockets", () => {
  it("resolves while a stalled stream and an unanswered request are open, and both clients see the end", async () => {
    const mock = await startMockProvider();
    mock.fault({ times: 1, fault: { kind: "stall-after", tokens: 1 } });
    mock.fault({ times: 1, fault: { kind: "no-response" } });
    mock.fault({ times: 1, fault: { kind: "slow-first-token", delayMs: 60_000 } });
    const stalled = await post(mock, "/chat/completions", streamBody);
    const reading = readRaw(stalled);
    const unanswered = post(mock, "/chat/completions", chatBody()).catch((error: unknown) => error);
    // The unanswered request must reach the server before the next one, or the rules would swap.
    while (mock.calls.length < 2) await new Promise((resolve) => setImmediate(resolve));
    const slow = await post(mock, "/chat/completions", streamBody);
    const slowReading = readRaw(slow);
    expect(mock.calls.map((call) => call.fault)).toEqual(["stall-after", "no-response", "slow-first-token"]);
    await mock.close();
    const raw = await reading;
    expect(raw.error).toBeInstanceOf(TypeError);
    expect(contentOf(raw.frames)).toEqual(TOKENS.slice(0, 1));
    expect(await unanswered).toBeInstanceOf(TypeError);
    expect((await slowReading).error).toBeInstanceOf(TypeError);
  });
});
