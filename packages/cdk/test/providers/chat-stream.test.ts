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

  it("throws MM_INVALID_RESPONSE / stream_interrupted on a malformed event", async () => {
    const error = await caught(() => collect(chatStream(events([chunk("a"), { data: '{"choices": [' }]))));
    expect(error).toMatchObject({ code: "MM_INVALID_RESPONSE", category: "stream_interrupted", retryable: false });
  });

  it("treats a non-object JSON payload as malformed", async () => {
    const error = await caught(() => collect(chatStream(events([{ data: "42" }]))));
    expect(error.code).toBe("MM_INVALID_RESPONSE");
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
