import type { ChatMessage } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { convertToCohereMessages } from "./cohere-message-mapping.js";

describe("convertToCohereMessages", () => {
  it("keeps roles and order; developer becomes system", () => {
    const { messages } = convertToCohereMessages([
      { role: "developer", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: [{ type: "text", text: "Hello" }] },
    ]);
    expect(messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: [{ type: "text", text: "Hello" }] },
    ]);
  });

  it("assistant tool calls carry their text as tool_plan; tool results keep tool_call_id", () => {
    const { messages } = convertToCohereMessages([
      { role: "assistant", content: [{ type: "text", text: "Let me " }, { type: "text", text: "check." }], tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] },
      { role: "tool", tool_call_id: "c1", content: "42" },
      { role: "assistant", content: null, tool_calls: [{ id: "c2", type: "function", function: { name: "g", arguments: "{}" } }] },
    ]);
    expect(messages).toEqual([
      { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }], tool_plan: "Let me check." },
      { role: "tool", tool_call_id: "c1", content: "42" },
      { role: "assistant", tool_calls: [{ id: "c2", type: "function", function: { name: "g", arguments: "{}" } }] },
    ]);
  });

  it("image parts: https and data:image URLs pass, others are refused", () => {
    const { messages } = convertToCohereMessages([{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/a.png", detail: "low" } }] }]);
    expect(messages[0]).toEqual({ role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/a.png", detail: "low" } }] });
    expect(() => convertToCohereMessages([{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://x.test/a.png" } }] }])).toThrow(/messages\[0\]\.content\[0\] image_url/);
  });

  it("refuses audio, files, refusal parts, function messages and a tool message without tool_call_id", () => {
    const bad: ChatMessage[][] = [
      [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }],
      [{ role: "user", content: [{ type: "file", file: { file_id: "f1" } }] }],
      [{ role: "assistant", content: [{ type: "refusal", refusal: "no" }] }],
      [{ role: "function", name: "f", content: "x" }],
      [{ role: "tool", tool_call_id: "", content: "x" }],
      [{ role: "system", content: [{ type: "image_url", image_url: { url: "https://x.test/a.png" } }] as never }],
    ];
    for (const messages of bad) expect(() => convertToCohereMessages(messages)).toThrow(expect.objectContaining({ code: "MM_INVALID_REQUEST" }));
  });

  it("a message name and an assistant refusal are reported, not sent", () => {
    const result = convertToCohereMessages([{ role: "user", content: "Hi", name: "alice" }, { role: "assistant", content: "", refusal: "I can't." }]);
    expect(result.messages).toEqual([{ role: "user", content: "Hi" }, { role: "assistant", content: "" }]);
    expect(result.warnings).toEqual(["messages[0].name is not sent: Cohere messages have no name", "messages[1].refusal is not sent: Cohere messages have no refusal; send it as content"]);
  });
});
