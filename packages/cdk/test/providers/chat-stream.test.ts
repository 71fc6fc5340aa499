import { createManualClock, ProviderError, type ChatCompletionChunk } from "@modelmesh/core";
import { describe, expect, it, vi } from "vitest";
import { chatStream } from "../../src/sse/chat-stream.js";
import type { SseEvent } from "../../src/sse/parse-sse.js";
import { caught, chunk, collect, usageChunk } from "./support/scripted-server.js";

async function* events(list: Array<SseEvent | unknown>): AsyncGenerator<SseEvent> {
  for (const item of list) yield typeof item === "object" && item !== null && "data" in item && typeof (item as SseEvent).data === "string" ? (item as SseEvent) : { data: JSON.stringify(item) };
}

const done: SseEvent = { data: "[DONE]" };

describe("chatStream", () => {
  it("yields chunks until [DONE] and ignores anything after it", async () => {
    const out = await collect(chatStream(events([chunk("a"), chunk("b", "stop"), done, chunk("late")])));
    expect(out.map((c) => c.choices[0]?.delta.content)).toEqual(["a", "b"]);
    expect(out.every((c) => c.object === "chat.completion.chunk")).toBe(true);
  });

  it("keeps usage-only final chunks (choices: [])", async () => {
    const out = await collect(chatStream(events([chunk("a", "stop"), usageChunk(3, 1), done])));
    expect(out).toHaveLength(2);
    expect(out[1]?.choices).toEqual([]);
    expect(out[1]?.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
  });

  it("fills a missing delta and finish_reason in choices", async () => {
    const out = await collect(chatStream(events([{ id: "x", created: 1, model: "m", choices: [{ index: 0, finish_reason: "stop" }] }, done])));
    expect(out[0]?.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "stop" });
  });

  it("ends cleanly without [DONE] when a finish_reason was seen", async () => {
    const out = await collect(chatStream(events([chunk("a"), chunk(undefined, "stop")])));
    expect(out).toHaveLength(2);
  });

  it("throws MM_STREAM_INTERRUPTED when the body ends without [DONE] and without finish_reason", async () => {
    const error = await caught(() => collect(chatStream(events([chunk("a"), chunk("b")]), { context: { provider: "p", model: "m" } })));
    expect(ProviderError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: "MM_STREAM_INTERRUPTED", category: "stream_interrupted", retryable: false, provider: "p", model: "m" });
    expect(error.message).toContain("stream ended without [DONE] and without finish_reason");
  });

  it("skips one malformed event, reports it once, and completes the stream", async () => {
    const onWarning = vi.fn();
    const out = await collect(chatStream(events([chunk("a"), { data: '{"choices": [' }, chunk("b", "stop"), done]), { onWarning }));
    expect(out.map((c) => c.choices[0]?.delta.content)).toEqual(["a", "b"]);
    expect(onWarning).toHaveBeenCalledOnce();
    expect(onWarning.mock.calls[0]?.[0]).toBe("skipped malformed stream event 1 (the stream fails at 3): not JSON");
  });

  it("skips a JSON payload that is not a chunk object (and tells it apart from one that is not JSON)", async () => {
    const onWarning = vi.fn();
    const out = await collect(chatStream(events([{ data: "42" }, chunk("a", "stop"), done]), { onWarning }));
    expect(out).toHaveLength(1);
    expect(onWarning).toHaveBeenCalledWith("skipped malformed stream event 1 (the stream fails at 3): not a chat chunk");
  });

  it("the third malformed event of a stream throws MM_INVALID_RESPONSE / stream_interrupted, counting them", async () => {
    const onWarning = vi.fn();
    const cancel = vi.fn();
    const seen: ChatCompletionChunk[] = [];
    const error = await caught(async () => {
      const source = events([chunk("a"), { data: "{not json" }, chunk("b"), { data: "[1, 2" }, chunk("c"), { data: "null" }, chunk("d", "stop"), done]);
      for await (const c of chatStream(source, { onWarning, cancel, context: { provider: "p", model: "m" } })) seen.push(c);
    });
    expect(ProviderError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: "MM_INVALID_RESPONSE", category: "stream_interrupted", retryable: false, provider: "p", model: "m" });
    expect(error.message).toContain("3 malformed events");
    expect(error.metadata).toMatchObject({ phase: "stream", malformedEvents: 3 });
    expect(seen.map((c) => c.choices[0]?.delta.content)).toEqual(["a", "b", "c"]);
    expect(onWarning).toHaveBeenCalledTimes(2);
    expect(cancel).toHaveBeenCalled();
  });

  it("maxMalformedEvents sets the limit: 1 fails at the first malformed event, without a warning", async () => {
    const onWarning = vi.fn();
    const error = await caught(() => collect(chatStream(events([chunk("a"), { data: '{"choices": [' }, chunk("b", "stop"), done]), { maxMalformedEvents: 1, onWarning })));
    expect(error).toMatchObject({ code: "MM_INVALID_RESPONSE", category: "stream_interrupted" });
    expect(error.message).toContain("1 malformed event in the stream");
    expect(onWarning).not.toHaveBeenCalled();
  });

  it("a warning never quotes the payload (which may be huge or carry secrets)", async () => {
    const secret = "sk-SECRET-0123456789abcdef";
    const onWarning = vi.fn();
    const huge = `{"text": "${secret} ${"x".repeat(100_000)}`;
    await collect(chatStream(events([chunk("a"), { data: huge }, { data: `"${secret}"` }, chunk("b", "stop"), done]), { onWarning }));
    expect(onWarning).toHaveBeenCalledTimes(2);
    for (const [message] of onWarning.mock.calls as [string][]) {
      expect(message).not.toContain(secret);
      expect(message).not.toContain("xxxx");
      expect(message).not.toContain("{");
      expect(message.length).toBeLessThan(100);
    }
  });

  it("a throwing warning listener does not break the stream", async () => {
    const out = await collect(chatStream(events([{ data: "{" }, chunk("a", "stop"), done]), { onWarning: () => { throw new Error("listener"); } }));
    expect(out).toHaveLength(1);
  });

  it.each([
    [{ error: { message: "Rate limit reached for requests", type: "requests", code: "rate_limit_exceeded" } }, "rate_limit", "MM_RATE_LIMIT", true],
    [{ error: { message: "This model's maximum context length is 8192 tokens", code: "context_length_exceeded" } }, "context_length", "MM_CONTEXT_LENGTH", false],
    [{ error: { message: "The server had an error while processing your request" } }, "server", "MM_SERVER", true],
    [{ error: { message: "Provider returned error", code: 502 } }, "server", "MM_SERVER", true],
    [{ error: { message: "You exceeded your current quota", type: "insufficient_quota" } }, "quota_exhausted", "MM_QUOTA_EXHAUSTED", false],
  ])("classifies an error object inside a 200 stream: %j", async (payload, category, code, retryable) => {
    const error = await caught(() => collect(chatStream(events([chunk("a"), payload]))));
    expect(error).toMatchObject({ category, code, retryable });
  });

  it("classifies an `event: error` frame", async () => {
    const error = await caught(() => collect(chatStream(events([{ event: "error", data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' }]))));
    expect(error.category).toBe("server");
  });

  it("propagates an error of the event source unchanged", async () => {
    const boom = new ProviderError({ code: "MM_NETWORK", category: "network", message: "reset" });
    async function* failing(): AsyncGenerator<SseEvent> {
      yield { data: JSON.stringify(chunk("a")) };
      throw boom;
    }
    const seen: ChatCompletionChunk[] = [];
    const error = await caught(async () => {
      for await (const c of chatStream(failing())) seen.push(c);
    });
    expect(error).toBe(boom);
    expect(seen).toHaveLength(1);
  });

  it("throws MM_TIMEOUT_IDLE and cancels the body when no event arrives within idleMs after output began", async () => {
    const clock = createManualClock();
    const cancel = vi.fn();
    async function* stalls(): AsyncGenerator<SseEvent> {
      yield { data: JSON.stringify(chunk("a")) };
      await new Promise(() => {});
    }
    const stream = chatStream(stalls(), { idleMs: 1000, firstTokenMs: 5000, clock, cancel });
    expect((await stream.next()).value?.choices[0]?.delta.content).toBe("a");
    const pending = stream.next();
    clock.advance(999);
    clock.advance(1);
    await expect(pending).rejects.toMatchObject({ code: "MM_TIMEOUT_IDLE", category: "timeout", retryable: false });
    expect(cancel).toHaveBeenCalled();
  });

  it("throws MM_TIMEOUT_FIRST_TOKEN when only role/empty chunks arrive within firstTokenMs", async () => {
    const clock = createManualClock();
    const cancel = vi.fn();
    async function* roleThenStall(): AsyncGenerator<SseEvent> {
      yield { data: JSON.stringify({ ...chunk(undefined), choices: [{ index: 0, delta: { role: "assistant" }, finish_reason: null }] }) };
      await new Promise(() => {});
    }
    const stream = chatStream(roleThenStall(), { firstTokenMs: 2000, idleMs: 10_000, clock, cancel, startedAt: clock.now() });
    await stream.next();
    const pending = stream.next();
    clock.advance(2000);
    await expect(pending).rejects.toMatchObject({ code: "MM_TIMEOUT_FIRST_TOKEN", category: "timeout" });
    expect(cancel).toHaveBeenCalled();
  });

  it("counts the first-token budget from startedAt", async () => {
    const clock = createManualClock();
    const startedAt = clock.now();
    clock.advance(1500);
    const stream = chatStream((async function* () { await new Promise(() => {}); })() as AsyncGenerator<SseEvent>, { firstTokenMs: 2000, clock, startedAt });
    const pending = stream.next();
    clock.advance(500);
    await expect(pending).rejects.toMatchObject({ code: "MM_TIMEOUT_FIRST_TOKEN" });
  });

  it("cancels the body when the consumer stops early", async () => {
    const cancel = vi.fn();
    for await (const c of chatStream(events([chunk("a"), chunk("b"), done]), { cancel })) {
      expect(c).toBeDefined();
      break;
    }
    expect(cancel).toHaveBeenCalled();
  });
});
