import { describe, expect, it } from "vitest";
import { convertToConverseRequest } from "./bedrock-chat-mapping.js";

const user = (content: string) => ({ role: "user" as const, content });

describe("convertToConverseRequest", () => {
  it("hoists system and developer messages in order, and maps inference parameters", () => {
    const { body } = convertToConverseRequest({
      model: "m",
      messages: [{ role: "system", content: "A" }, user("hi"), { role: "developer", content: [{ type: "text", text: "B" }] }],
      max_completion_tokens: 50,
      max_tokens: 10,
      temperature: 0.5,
      top_p: 0.8,
      stop: ["x", "y"],
    });
    expect(body).toEqual({
      messages: [{ role: "user", content: [{ text: "hi" }] }],
      system: [{ text: "A" }, { text: "B" }],
      inferenceConfig: { maxTokens: 50, temperature: 0.5, topP: 0.8, stopSequences: ["x", "y"] },
    });
  });

  it("merges consecutive turns of one role; tool results go first in the user turn they join", () => {
    const { body } = convertToConverseRequest({
      model: "m",
      messages: [
        user("a"),
        user("b"),
        { role: "assistant", content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "" } }, { id: "t2", type: "function", function: { name: "g", arguments: '{"x":1}' } }] },
        { role: "tool", tool_call_id: "t1", content: "one" },
        { role: "tool", tool_call_id: "t2", content: [{ type: "text", text: "two" }] },
        user("next"),
      ],
    });
    expect(body.messages).toEqual([
      { role: "user", content: [{ text: "a" }, { text: "b" }] },
      { role: "assistant", content: [{ toolUse: { toolUseId: "t1", name: "f", input: {} } }, { toolUse: { toolUseId: "t2", name: "g", input: { x: 1 } } }] },
      { role: "user", content: [{ toolResult: { toolUseId: "t1", content: [{ text: "one" }] } }, { toolResult: { toolUseId: "t2", content: [{ text: "two" }] } }, { text: "next" }] },
    ]);
  });

  it("images: data URLs become bytes; remote URLs and odd formats are typed errors", () => {
    const { body } = convertToConverseRequest({ model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/jpeg;base64,AAEC" } }] }] });
    expect(body.messages[0]!.content).toEqual([{ image: { format: "jpeg", source: { bytes: "AAEC" } } }]);
    expect(() => convertToConverseRequest({ model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] })).toThrow(
      expect.objectContaining({ code: "MM_INVALID_REQUEST", message: expect.stringContaining("Converse takes image bytes, not URLs") }),
    );
    expect(() => convertToConverseRequest({ model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/bmp;base64,AA" } }] }] })).toThrow(/png, jpeg, gif and webp/);
    expect(() => convertToConverseRequest({ model: "m", messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AA", format: "wav" } }] }] })).toThrow(/input_audio part/);
  });

  it("tools, tool choice and n", () => {
    const tools = [{ type: "function" as const, function: { name: "f", description: "does f", parameters: { properties: { a: { type: "string" } } } } }];
    const auto = convertToConverseRequest({ model: "m", messages: [user("q")], tools, tool_choice: "auto" }).body;
    expect(auto.toolConfig).toEqual({ tools: [{ toolSpec: { name: "f", inputSchema: { json: { type: "object", properties: { a: { type: "string" } } } }, description: "does f" } }], toolChoice: { auto: {} } });
    expect(convertToConverseRequest({ model: "m", messages: [user("q")], tools }).body.toolConfig?.toolChoice).toBeUndefined();
    expect(convertToConverseRequest({ model: "m", messages: [user("q")], tools, tool_choice: "required" }).body.toolConfig?.toolChoice).toEqual({ any: {} });
    // "none": no Converse equivalent — tools left out, unless the history needs toolConfig.
    expect(convertToConverseRequest({ model: "m", messages: [user("q")], tools, tool_choice: "none" }).body.toolConfig).toBeUndefined();
    const withHistory = convertToConverseRequest({
      model: "m",
      messages: [user("q"), { role: "assistant", content: "", tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{}" } }] }, { role: "tool", tool_call_id: "t", content: "r" }],
      tools,
      tool_choice: "none",
    }).body;
    expect(withHistory.toolConfig?.tools).toHaveLength(1);
    expect(withHistory.toolConfig?.toolChoice).toBeUndefined();
    expect(() => convertToConverseRequest({ model: "m", messages: [user("q")], n: 2 })).toThrow(/n = 2/);
  });

  it("JSON mode: a forced answer tool whose schema is the response format's", () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    const plan = convertToConverseRequest({ model: "m", messages: [user("q")], response_format: { type: "json_schema", json_schema: { name: "my answer!", schema } } });
    expect(plan.jsonTool).toBe("my_answer_");
    expect(plan.body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: "my_answer_", inputSchema: { json: schema }, description: expect.any(String) } }],
      toolChoice: { tool: { name: "my_answer_" } },
    });
    const object = convertToConverseRequest({ model: "m", messages: [user("q")], response_format: { type: "json_object" } });
    expect(object.jsonTool).toBe("json_response");
    expect(() => convertToConverseRequest({ model: "m", messages: [user("q")], response_format: { type: "json_schema", json_schema: { name: "a", schema: { type: "array" } } } })).toThrow(/root type "array"/);
  });

  it("passes Converse-only fields through and drops OpenAI-only ones", () => {
    const { body } = convertToConverseRequest({ model: "m", messages: [user("q")], additionalModelRequestFields: { top_k: 5 }, guardrailConfig: { guardrailIdentifier: "g", guardrailVersion: "1" }, seed: 3, presence_penalty: 1 } as never);
    expect(body.additionalModelRequestFields).toEqual({ top_k: 5 });
    expect(body.guardrailConfig).toEqual({ guardrailIdentifier: "g", guardrailVersion: "1" });
    expect(body).not.toHaveProperty("seed");
    expect(body).not.toHaveProperty("presence_penalty");
  });
});
