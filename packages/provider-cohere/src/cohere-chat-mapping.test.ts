import type { ChatCompletionRequest } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { convertToCohereRequest } from "./cohere-chat-mapping.js";

const base = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hi" }], ...extra });
const tool = (name: string) => ({ type: "function" as const, function: { name, parameters: { type: "object", properties: { q: { type: "string" } } } } });

describe("convertToCohereRequest", () => {
  it("maps the parameters to Cohere's names and always sends stream", () => {
    const { body, warnings } = convertToCohereRequest(base({ max_tokens: 10, max_completion_tokens: 20, temperature: 0.3, top_p: 0.9, stop: "END", seed: 7, frequency_penalty: 0.5, presence_penalty: 0.25 }), { stream: false });
    expect(body).toEqual({
      model: "command-a-03-2025",
      messages: [{ role: "user", content: "Hi" }],
      stream: false,
      max_tokens: 20,
      temperature: 0.3,
      p: 0.9,
      stop_sequences: ["END"],
      seed: 7,
      frequency_penalty: 0.5,
      presence_penalty: 0.25,
    });
    expect(warnings).toEqual([]);
  });

  it("tool_choice: auto → omitted, required → REQUIRED, none → NONE, a named function → that tool only + REQUIRED", () => {
    expect(convertToCohereRequest(base({ tools: [tool("a")], tool_choice: "auto" }), { stream: false }).body.tool_choice).toBeUndefined();
    expect(convertToCohereRequest(base({ tools: [tool("a")], tool_choice: "required" }), { stream: false }).body.tool_choice).toBe("REQUIRED");
    expect(convertToCohereRequest(base({ tools: [tool("a")], tool_choice: "none" }), { stream: false }).body.tool_choice).toBe("NONE");
    const named = convertToCohereRequest(base({ tools: [tool("a"), tool("b")], tool_choice: { type: "function", function: { name: "b" } } }), { stream: true }).body;
    expect(named.tools!.map((t) => t.function.name)).toEqual(["b"]);
    expect(named.tool_choice).toBe("REQUIRED");
    expect(named.stream).toBe(true);
  });

  it("a tool without parameters gets an empty object schema; a named choice not in tools is refused", () => {
    const body = convertToCohereRequest(base({ tools: [{ type: "function", function: { name: "ping" } }] }), { stream: false }).body;
    expect(body.tools).toEqual([{ type: "function", function: { name: "ping", parameters: { type: "object", properties: {} } } }]);
    expect(() => convertToCohereRequest(base({ tools: [tool("a")], tool_choice: { type: "function", function: { name: "zzz" } } }), { stream: false })).toThrow(/"zzz", which is not in tools/);
    expect(() => convertToCohereRequest(base({ tool_choice: "required" }), { stream: false })).toThrow(/needs tools/);
  });

  it("a strict tool turns on strict_tools (for all tools, with a warning when only some asked)", () => {
    const strictTool = { type: "function" as const, function: { name: "s", strict: true, parameters: { type: "object", properties: {} } } };
    const all = convertToCohereRequest(base({ tools: [strictTool] }), { stream: false });
    expect(all.body.strict_tools).toBe(true);
    expect(all.body.tools![0]!.function).toEqual({ name: "s", parameters: { type: "object", properties: {} } });
    expect(all.warnings).toEqual([]);
    const some = convertToCohereRequest(base({ tools: [strictTool, tool("a")] }), { stream: false });
    expect(some.body.strict_tools).toBe(true);
    expect(some.warnings).toEqual(["strict is set on 1 of 2 tools; Cohere applies strict_tools to all of them"]);
    expect(convertToCohereRequest(base({ tools: [tool("a")] }), { stream: false }).body.strict_tools).toBeUndefined();
  });

  it("response_format: json_object, json_schema (schema carried), text (omitted)", () => {
    expect(convertToCohereRequest(base({ response_format: { type: "json_object" } }), { stream: false }).body.response_format).toEqual({ type: "json_object" });
    const schema = { type: "object", properties: { a: { type: "number" } } };
    expect(convertToCohereRequest(base({ response_format: { type: "json_schema", json_schema: { name: "x", schema } } }), { stream: false }).body.response_format).toEqual({ type: "json_object", json_schema: schema });
    expect(convertToCohereRequest(base({ response_format: { type: "text" } }), { stream: false }).body.response_format).toBeUndefined();
  });

  it("refuses what Cohere cannot honour, with a typed error", () => {
    const refused: Array<[Partial<ChatCompletionRequest>, RegExp]> = [
      [{ n: 3 }, /n = 3/],
      [{ logit_bias: { "1": 2 } }, /logit_bias/],
      [{ logprobs: true }, /logprobs/],
      [{ top_logprobs: 2 }, /logprobs/],
      [{ parallel_tool_calls: false }, /parallel_tool_calls/],
      [{ modalities: ["text", "audio"] }, /modalities/],
      [{ reasoning_effort: "high" }, /reasoning_effort.*thinking/],
      [{ functions: [{ name: "f" }] }, /functions/],
    ];
    for (const [extra, message] of refused) {
      let error: unknown;
      try {
        convertToCohereRequest(base(extra), { stream: false });
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: "MM_INVALID_REQUEST", category: "invalid_request", retryable: false });
      expect((error as Error).message).toMatch(message);
    }
  });

  it("accepts the harmless defaults (n: 1, logprobs: false, modalities [text], parallel_tool_calls: true)", () => {
    const { body } = convertToCohereRequest(base({ n: 1, logprobs: false, modalities: ["text"], parallel_tool_calls: true, stream_options: { include_usage: true } }), { stream: true });
    expect(Object.keys(body).sort()).toEqual(["messages", "model", "stream"]);
  });

  it("bookkeeping fields are not sent and become warnings; Cohere-only fields pass through", () => {
    const { body, warnings } = convertToCohereRequest(base({ user: "u1", store: true, k: 5, documents: [{ data: { text: "doc" } }] }), { stream: false });
    expect(body.user).toBeUndefined();
    expect(body.store).toBeUndefined();
    expect(body.k).toBe(5);
    expect(body.documents).toEqual([{ data: { text: "doc" } }]);
    expect(warnings).toEqual(["user is not sent: Cohere has no such field", "store is not sent: Cohere has no such field"]);
  });
});
