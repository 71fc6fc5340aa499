import type { ChatCompletionRequest } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { convertToAnthropicRequest, JSON_RESPONSE_TOOL } from "./anthropic-chat-mapping.js";

const base: ChatCompletionRequest = { model: "claude-haiku-4-5", messages: [{ role: "user", content: "Hi" }] };
const tool = { type: "function" as const, function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } };
const convert = (extra: Partial<ChatCompletionRequest>, options: Partial<Parameters<typeof convertToAnthropicRequest>[1]> = {}) =>
  convertToAnthropicRequest({ ...base, ...extra } as ChatCompletionRequest, { defaultMaxTokens: 1000, ...options });

describe("convertToAnthropicRequest", () => {
  it("sizes max_tokens: max_completion_tokens, then max_tokens, then the default", () => {
    expect(convert({}).body.max_tokens).toBe(1000);
    expect(convert({ max_tokens: 50 }).body.max_tokens).toBe(50);
    expect(convert({ max_tokens: 50, max_completion_tokens: 70 }).body.max_tokens).toBe(70);
  });

  it("clamps temperature into Anthropic's 0–1 range and ignores nulls", () => {
    expect(convert({ temperature: 1.7 }).body.temperature).toBe(1);
    expect(convert({ temperature: null, top_p: null, stop: null }).body).toEqual({ model: base.model, max_tokens: 1000, messages: base.messages });
  });

  it("uses safety_identifier as metadata.user_id when user is absent", () => {
    expect(convert({ safety_identifier: "hash-1" }).body.metadata).toEqual({ user_id: "hash-1" });
  });

  it("rejects n > 1 and accepts n = 1", () => {
    expect(() => convert({ n: 2 })).toThrow(/n = 2 is not supported/);
    expect(convert({ n: 1 }).body).not.toHaveProperty("n");
  });

  it("drops tool_choice without tools, and parameters for missing schemas default to an empty object", () => {
    expect(convert({ tool_choice: "required" }).body).not.toHaveProperty("tool_choice");
    const bare = convert({ tools: [{ type: "function", function: { name: "ping" } }] }).body;
    expect(bare.tools).toEqual([{ name: "ping", input_schema: { type: "object", properties: {} } }]);
    expect(bare).not.toHaveProperty("tool_choice");
  });

  it("maps the legacy functions / function_call parameters", () => {
    const body = convert({ functions: [tool.function], function_call: { name: "lookup" } }).body;
    expect(body.tools).toEqual([{ name: "lookup", input_schema: tool.function.parameters }]);
    expect(body.tool_choice).toEqual({ type: "tool", name: "lookup" });
    expect(body).not.toHaveProperty("functions");
  });

  it("json_object → a forced json_response tool accepting any object", () => {
    const plan = convert({ response_format: { type: "json_object" } });
    expect(plan.jsonTool).toBe(JSON_RESPONSE_TOOL);
    expect(plan.body.tools).toEqual([{ name: "json_response", description: expect.any(String), input_schema: { type: "object" } }]);
    expect(plan.body.tool_choice).toEqual({ type: "tool", name: "json_response" });
  });

  it("json_schema with user tools: auto → any, none → the answer tool, names never collide", () => {
    const format = { type: "json_schema" as const, json_schema: { name: "lookup", schema: { type: "object" } } };
    const auto = convert({ tools: [tool], response_format: format });
    expect(auto.jsonTool).toBe("lookup_2");
    expect(auto.body.tools!.map((t) => t.name)).toEqual(["lookup", "lookup_2"]);
    expect(auto.body.tool_choice).toEqual({ type: "any" });
    expect(convert({ tools: [tool], tool_choice: "none", response_format: format }).body.tool_choice).toEqual({ type: "tool", name: "lookup_2" });
    expect(convert({ tools: [tool], tool_choice: { type: "function", function: { name: "lookup" } }, response_format: format }).body.tool_choice).toEqual({ type: "tool", name: "lookup" });
  });

  it("sanitises the answer tool name and refuses a non-object root schema in tool mode", () => {
    const plan = convert({ response_format: { type: "json_schema", json_schema: { name: "weather report!", schema: { type: "object" } } } });
    expect(plan.jsonTool).toBe("weather_report_");
    expect(() => convert({ response_format: { type: "json_schema", json_schema: { name: "list", schema: { type: "array" } } } })).toThrow(/root type "array"/);
    expect(convert({ response_format: { type: "json_schema", json_schema: { name: "list", schema: { type: "array" } } } }, { structuredOutput: "native" }).body.output_config).toEqual({
      format: { type: "json_schema", schema: { type: "array" } },
    });
  });

  it("json_object stays a forced tool even in native mode (native formats need a schema)", () => {
    expect(convert({ response_format: { type: "json_object" } }, { structuredOutput: "native" }).jsonTool).toBe("json_response");
  });

  it("a text response_format changes nothing", () => {
    expect(convert({ response_format: { type: "text" } }).body).toEqual({ model: base.model, max_tokens: 1000, messages: base.messages });
  });

  it("drops OpenAI-only fields and passes unknown ones through without overriding mapped ones", () => {
    const body = convert({ logit_bias: { "1": 2 }, stream_options: { include_usage: true }, metadata: { a: "b" }, top_k: 3, service_tier: "auto", max_tokens: 9, system: "ignored?" } as never).body;
    expect(body).toMatchObject({ top_k: 3, service_tier: "auto", max_tokens: 9, system: "ignored?" });
    expect(body).not.toHaveProperty("logit_bias");
    expect(body).not.toHaveProperty("stream_options");
    expect(body).not.toHaveProperty("metadata");
  });

  it("rejects non-function tools and unknown tool_choice shapes", () => {
    expect(() => convert({ tools: [{ type: "custom", custom: {} } as never] })).toThrow(/tools\[0\] is not a function tool/);
    expect(() => convert({ tools: [tool], tool_choice: { type: "allowed_tools" } as never })).toThrow(/tool_choice/);
  });

  it("sets stream only for streams", () => {
    expect(convert({ stream: true }).body).not.toHaveProperty("stream");
    expect(convert({}, { stream: true }).body.stream).toBe(true);
  });
});
