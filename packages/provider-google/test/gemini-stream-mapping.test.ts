/** The stateful stream mapper on hand-built event sequences (the recorded ones are in fidelity-responses). */
import { describe, expect, it } from "vitest";
import { GeminiStreamMapper } from "../src/index.js";

const context = { model: "gemini-2.5-flash", created: 1_750_000_000, fallbackId: "fallback1" };

describe("GeminiStreamMapper", () => {
  it("two candidates: per-candidate roles, tool-call indexes and finishes; usage once, when all have finished", () => {
    const mapper = new GeminiStreamMapper(context);
    const first = mapper.map({
      candidates: [
        { index: 0, content: { parts: [{ text: "A" }] } },
        { index: 1, content: { parts: [{ functionCall: { name: "f", args: {} } }] } },
      ],
      usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 },
    })!;
    expect(first.id).toBe("chatcmpl-fallback1");
    expect(first.usage).toBeUndefined();
    expect(first.choices).toEqual([
      { index: 0, delta: { role: "assistant", content: "A" }, finish_reason: null },
      { index: 1, delta: { role: "assistant", tool_calls: [{ index: 0, id: "call_fallback1_1_0", type: "function", function: { name: "f", arguments: "{}" } }] }, finish_reason: null },
    ]);
    const second = mapper.map({ candidates: [{ index: 1, content: { parts: [{ functionCall: { name: "g", args: { x: 1 } } }] }, finishReason: "STOP" }] })!;
    expect(second.choices[0]).toEqual({ index: 1, delta: { tool_calls: [{ index: 1, id: "call_fallback1_1_1", type: "function", function: { name: "g", arguments: '{"x":1}' } }] }, finish_reason: "tool_calls" });
    expect(second.usage).toBeUndefined();
    const third = mapper.map({ candidates: [{ index: 0, content: { parts: [{ text: "B" }] }, finishReason: "STOP" }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 } })!;
    expect(third.choices[0]).toEqual({ index: 0, delta: { content: "B" }, finish_reason: "stop" });
    expect(third.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it("events without output yield nothing; a late usage-only event after the finish yields a usage chunk", () => {
    const mapper = new GeminiStreamMapper(context);
    expect(mapper.map({ candidates: [{ content: { role: "model", parts: [] } }] })).toBeNull();
    expect(mapper.map({ candidates: [{ content: { parts: [{ text: "thinking…", thought: true }] } }] })).toBeNull();
    const finished = mapper.map({ candidates: [{ content: { parts: [{ text: "done" }] }, finishReason: "STOP" }] })!;
    expect(finished.choices[0]!.finish_reason).toBe("stop");
    expect(finished.usage).toBeUndefined();
    const usage = mapper.map({ usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1, totalTokenCount: 3 } })!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual({ prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 });
    expect(mapper.map({ usageMetadata: { promptTokenCount: 2, totalTokenCount: 3 } })).toBeNull();
  });

  it("a repeated finishReason is reported once", () => {
    const mapper = new GeminiStreamMapper(context);
    expect(mapper.map({ candidates: [{ content: { parts: [{ text: "x" }] }, finishReason: "STOP" }] })!.choices[0]!.finish_reason).toBe("stop");
    expect(mapper.map({ candidates: [{ finishReason: "STOP" }] })).toBeNull();
  });

  it("non-object payloads are malformed (SyntaxError); a blocked prompt throws MM_CONTENT_FILTER", () => {
    const mapper = new GeminiStreamMapper(context);
    expect(() => mapper.map([1, 2])).toThrow(SyntaxError);
    expect(() => mapper.map({ promptFeedback: { blockReason: "BLOCKLIST" } })).toThrow(expect.objectContaining({ code: "MM_CONTENT_FILTER" }));
  });
});
