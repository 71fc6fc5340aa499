import { describe, expect, it } from "vitest";
import { convertBedrockUsage, convertFromConverse, mapBedrockStopReason } from "./bedrock-response-mapping.js";

const context = { id: "c1", model: "amazon.nova-pro-v1:0", created: 100 };

describe("bedrock response mapping", () => {
  it("maps every documented stop reason", () => {
    expect(mapBedrockStopReason("end_turn")).toBe("stop");
    expect(mapBedrockStopReason("stop_sequence")).toBe("stop");
    expect(mapBedrockStopReason("max_tokens")).toBe("length");
    expect(mapBedrockStopReason("model_context_window_exceeded")).toBe("length");
    expect(mapBedrockStopReason("tool_use")).toBe("tool_calls");
    expect(mapBedrockStopReason("tool_use", false)).toBe("stop");
    expect(mapBedrockStopReason("guardrail_intervened")).toBe("content_filter");
    expect(mapBedrockStopReason("content_filtered")).toBe("content_filter");
    expect(mapBedrockStopReason("something_new")).toBe("stop");
    expect(mapBedrockStopReason(undefined)).toBeNull();
  });

  it("usage counts cache reads and writes as prompt tokens", () => {
    expect(convertBedrockUsage({ inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 100, cacheWriteInputTokens: 7 })).toEqual({
      prompt_tokens: 117,
      completion_tokens: 5,
      total_tokens: 122,
      prompt_tokens_details: { cached_tokens: 100 },
    });
    expect(convertBedrockUsage(undefined)).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it("text, tool calls, the JSON answer tool, and a body that is not a Converse response", () => {
    const toolAnswer = convertFromConverse(
      { output: { message: { role: "assistant", content: [{ toolUse: { toolUseId: "t", name: "f", input: { a: 1 } } }] } }, stopReason: "tool_use", usage: { inputTokens: 1, outputTokens: 2 } },
      context,
    );
    expect(toolAnswer.choices[0]).toMatchObject({ finish_reason: "tool_calls", message: { content: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: '{"a":1}' } }] } });
    expect(toolAnswer).toMatchObject({ id: "c1", model: "amazon.nova-pro-v1:0", created: 100, object: "chat.completion" });
    const json = convertFromConverse({ output: { message: { role: "assistant", content: [{ toolUse: { toolUseId: "t", name: "json_response", input: { answer: "yes" } } }] } }, stopReason: "tool_use" }, { ...context, jsonTool: "json_response" });
    expect(json.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: '{"answer":"yes"}' } });
    expect(json.choices[0]!.message.tool_calls).toBeUndefined();
    expect(() => convertFromConverse({ message: "hi" }, context)).toThrow(expect.objectContaining({ code: "MM_INVALID_RESPONSE" }));
  });
});
