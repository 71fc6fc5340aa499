import { describe, expect, it } from "vitest";
import { convertCohereUsage, convertFromCohereResponse, mapCohereFinishReason } from "./cohere-response-mapping.js";

const context = { model: "command-r-08-2024", created: 1_700_000_000 };

describe("cohere response mapping", () => {
  it("finish reasons", () => {
    expect(mapCohereFinishReason("COMPLETE")).toBe("stop");
    expect(mapCohereFinishReason("STOP_SEQUENCE")).toBe("stop");
    expect(mapCohereFinishReason("MAX_TOKENS")).toBe("length");
    expect(mapCohereFinishReason("TOOL_CALL")).toBe("tool_calls");
    expect(mapCohereFinishReason("ERROR")).toBe("error");
    expect(mapCohereFinishReason("TIMEOUT")).toBe("error");
    expect(mapCohereFinishReason(undefined)).toBeNull();
  });

  it("usage: processed tokens first, billed units as fallback, cached tokens as details", () => {
    expect(convertCohereUsage({ tokens: { input_tokens: 100, output_tokens: 5 }, billed_units: { input_tokens: 3, output_tokens: 5 } })).toEqual({ prompt_tokens: 100, completion_tokens: 5, total_tokens: 105 });
    expect(convertCohereUsage({ billed_units: { input_tokens: 3, output_tokens: 4 } })).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(convertCohereUsage({ tokens: { input_tokens: 10, output_tokens: 1 }, cached_tokens: 8 })).toMatchObject({ prompt_tokens_details: { cached_tokens: 8 } });
    expect(convertCohereUsage(undefined)).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it("text items are joined, thinking items skipped, the requested model reported", () => {
    const completion = convertFromCohereResponse(
      { id: "r1", finish_reason: "COMPLETE", message: { role: "assistant", content: [{ type: "thinking", thinking: "hmm" }, { type: "text", text: "A" }, { type: "text", text: "B" }] } },
      context,
    );
    expect(completion).toMatchObject({ id: "r1", object: "chat.completion", created: 1_700_000_000, model: "command-r-08-2024" });
    expect(completion.choices[0]).toMatchObject({ message: { role: "assistant", content: "AB" }, finish_reason: "stop" });
  });

  it("tool calls keep ids and arguments; tool_plan is the content", () => {
    const completion = convertFromCohereResponse(
      { id: "r2", finish_reason: "TOOL_CALL", message: { role: "assistant", tool_plan: "Checking.", tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: '{"x":1}' } }] } },
      context,
    );
    expect(completion.choices[0]!.message).toEqual({ role: "assistant", content: "Checking.", tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: '{"x":1}' } }] });
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("ERROR finish, error bodies and non-answers throw typed errors", () => {
    expect(() => convertFromCohereResponse({ id: "r3", finish_reason: "ERROR", message: { role: "assistant" } }, context)).toThrow(expect.objectContaining({ code: "MM_SERVER", retryable: true }));
    expect(() => convertFromCohereResponse({ id: "r4", message: "internal server error" }, context)).toThrow(expect.objectContaining({ category: "server" }));
    expect(() => convertFromCohereResponse({ choices: [] }, context)).toThrow(expect.objectContaining({ code: "MM_INVALID_RESPONSE" }));
  });
});
