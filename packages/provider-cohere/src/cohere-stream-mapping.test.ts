import type { SseEvent } from "@modelmesh/cdk";
import { describe, expect, it } from "vitest";
import { CohereStreamMapper, cohereSseEvents } from "./cohere-stream-mapping.js";

const mapper = () => new CohereStreamMapper({ created: 1, model: "command-a-03-2025", errorContext: {} });

describe("CohereStreamMapper", () => {
  it("message-start opens with the role and the id, which every chunk keeps", () => {
    const m = mapper();
    expect(m.map({ type: "message-start", id: "m1", delta: { message: { role: "assistant" } } })).toMatchObject({ id: "m1", model: "command-a-03-2025", choices: [{ delta: { role: "assistant", content: "" }, finish_reason: null }] });
    expect(m.map({ type: "content-delta", index: 0, delta: { message: { content: { text: "Hi" } } } })).toMatchObject({ id: "m1", choices: [{ delta: { content: "Hi" } }] });
  });

  it("thinking deltas, content-end, citations and unknown events map to nothing", () => {
    const m = mapper();
    expect(m.map({ type: "content-delta", index: 0, delta: { message: { content: { thinking: "hmm" } } } })).toBeNull();
    expect(m.map({ type: "content-end", index: 0 })).toBeNull();
    expect(m.map({ type: "citation-start", index: 0 })).toBeNull();
    expect(m.map({ type: "future-event" })).toBeNull();
  });

  it("tool-plan deltas are content; tool calls get OpenAI indexes in order of appearance", () => {
    const m = mapper();
    expect(m.map({ type: "tool-plan-delta", delta: { message: { tool_plan: "Plan" } } })!.choices[0]!.delta).toEqual({ content: "Plan" });
    expect(m.map({ type: "tool-call-start", index: 3, delta: { message: { tool_calls: { id: "t1", type: "function", function: { name: "f", arguments: "" } } } } })!.choices[0]!.delta).toEqual({
      tool_calls: [{ index: 0, id: "t1", type: "function", function: { name: "f", arguments: "" } }],
    });
    expect(m.map({ type: "tool-call-delta", index: 3, delta: { message: { tool_calls: { function: { arguments: '{"a"' } } } } })!.choices[0]!.delta).toEqual({ tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] });
    expect(() => m.map({ type: "tool-call-delta", index: 9, delta: { message: { tool_calls: { function: { arguments: "x" } } } } })).toThrow(SyntaxError);
    const end = m.map({ type: "message-end", delta: { finish_reason: "TOOL_CALL", usage: { tokens: { input_tokens: 5, output_tokens: 2 } } } })!;
    expect(end.choices[0]!.finish_reason).toBe("tool_calls");
    expect(end.usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
  });

  it("message-end with ERROR throws a classified error; a non-object is a SyntaxError (malformed)", () => {
    expect(() => mapper().map({ type: "message-end", delta: { finish_reason: "ERROR", error: "boom" } })).toThrow(expect.objectContaining({ code: "MM_SERVER", category: "server", retryable: true }));
    expect(() => mapper().map([1, 2])).toThrow(SyntaxError);
  });
});

describe("cohereSseEvents", () => {
  it("ends the event sequence with [DONE] right after message-end (named or typed in the data)", async () => {
    async function* source(events: SseEvent[]) {
      yield* events;
    }
    const collect = async (events: SseEvent[]) => {
      const out: SseEvent[] = [];
      for await (const event of cohereSseEvents(source(events))) out.push(event);
      return out.map((event) => event.data);
    };
    expect(await collect([{ event: "content-delta", data: "{}" }, { event: "message-end", data: "{}" }, { event: "content-delta", data: "late" }])).toEqual(["{}", "{}", "[DONE]"]);
    expect(await collect([{ data: '{"type":"message-end"}' }])).toEqual(['{"type":"message-end"}', "[DONE]"]);
    expect(await collect([{ event: "content-delta", data: "{}" }])).toEqual(["{}"]);
  });
});
