import { describe, expect, it } from "vitest";
import { convertAnthropicUsage, convertFromAnthropicMessage, mapAnthropicStopReason } from "./anthropic-response-mapping.js";

describe("mapAnthropicStopReason", () => {
  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["pause_turn", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
    ["some_future_reason", "stop"],
  ])("%s → %s", (reason, finish) => {
    expect(mapAnthropicStopReason(reason)).toBe(finish);
  });

  it("null stays null; tool_use without a real tool call is a plain stop", () => {
    expect(mapAnthropicStopReason(null)).toBeNull();
    expect(mapAnthropicStopReason("tool_use", false)).toBe("stop");
  });
});

describe("convertAnthropicUsage", () => {
  it("counts cache creation and reads as prompt tokens and reports thinking tokens", () => {
    expect(convertAnthropicUsage({ input_tokens: 10, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 50, output_tokens_details: { thinking_tokens: 20 } })).toEqual({
      prompt_tokens: 1110,
      completion_tokens: 50,
      total_tokens: 1160,
      prompt_tokens_details: { cached_tokens: 1000 },
      completion_tokens_details: { reasoning_tokens: 20 },
    });
    expect(convertAnthropicUsage(undefined)).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
});

describe("convertFromAnthropicMessage", () => {
  const message = (content: unknown[], stop = "end_turn") => ({ id: "msg_1", type: "message", role: "assistant", model: "claude-x", content, stop_reason: stop, usage: { input_tokens: 1, output_tokens: 2 } });

  it("rejects a body that is not a message with MM_INVALID_RESPONSE", () => {
    expect(() => convertFromAnthropicMessage({ choices: [] }, { created: 1 })).toThrow(/not a Messages API message/);
    expect(() => convertFromAnthropicMessage(null, { created: 1, errorContext: { provider: "p" } })).toThrow(expect.objectContaining({ code: "MM_INVALID_RESPONSE", provider: "p" }));
  });

  it("an empty answer is an empty string, not null", () => {
    expect(convertFromAnthropicMessage(message([]), { created: 1 }).choices[0]!.message.content).toBe("");
  });

  it("the answer tool becomes the content while real tool calls stay tool calls", () => {
    const completion = convertFromAnthropicMessage(
      message([{ type: "tool_use", id: "t1", name: "lookup", input: { q: "x" } }, { type: "tool_use", id: "t2", name: "answer", input: { a: 1 } }], "tool_use"),
      { created: 1, jsonTool: "answer" },
    );
    expect(completion.choices[0]).toMatchObject({
      message: { content: '{"a":1}', tool_calls: [{ id: "t1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }] },
      finish_reason: "tool_calls",
    });
  });

  it("skips server-tool and thinking blocks", () => {
    const completion = convertFromAnthropicMessage(
      message([{ type: "redacted_thinking", data: "xx" }, { type: "server_tool_use", id: "s", name: "web_search", input: {} }, { type: "text", text: "ok" }]),
      { created: 5 },
    );
    expect(completion).toMatchObject({ created: 5, choices: [{ message: { content: "ok" } }] });
    expect(completion.choices[0]!.message.tool_calls).toBeUndefined();
  });
});
