import type { ChatMessage } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { convertToAnthropicMessages } from "./anthropic-message-mapping.js";

const user = (content: string): ChatMessage => ({ role: "user", content });

function rejects(messages: ChatMessage[], pattern: RegExp): void {
  expect(() => convertToAnthropicMessages(messages)).toThrow(pattern);
  try {
    convertToAnthropicMessages(messages);
  } catch (error) {
    expect(error).toMatchObject({ code: "MM_INVALID_REQUEST", category: "invalid_request", retryable: false });
  }
}

describe("convertToAnthropicMessages", () => {
  it("hoists one system string as a string and drops empty system text", () => {
    expect(convertToAnthropicMessages([{ role: "system", content: "Be brief." }, { role: "system", content: "" }, user("Hi")])).toEqual({
      system: "Be brief.",
      messages: [{ role: "user", content: "Hi" }],
    });
  });

  it("puts tool results first in a user turn, even when the user text came first", () => {
    const { messages } = convertToAnthropicMessages([
      user("go"),
      { role: "assistant", content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "" } }] },
      user("and quickly"),
      { role: "tool", tool_call_id: "t1", content: "done" },
    ]);
    expect(messages).toEqual([
      { role: "user", content: "go" },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "done" }, { type: "text", text: "and quickly" }] },
    ]);
  });

  it("skips empty turns, so the turns around them merge", () => {
    const { messages } = convertToAnthropicMessages([user("a"), { role: "assistant", content: "" }, user("b")]);
    expect(messages).toEqual([{ role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }]);
  });

  it("trims a block prefill and drops a whitespace-only prefill", () => {
    const blocks = convertToAnthropicMessages([user("q"), { role: "assistant", content: [{ type: "text", text: "Sure:\n\n" }] }]);
    expect(blocks.messages.at(-1)).toEqual({ role: "assistant", content: [{ type: "text", text: "Sure:" }] });
    const blank = convertToAnthropicMessages([user("q"), { role: "assistant", content: "  \n" }]);
    expect(blank.messages).toEqual([{ role: "user", content: "q" }]);
  });

  it("keeps refusal parts of past assistant turns as text", () => {
    const { messages } = convertToAnthropicMessages([user("q"), { role: "assistant", content: [{ type: "refusal", refusal: "No." }] }, user("ok")]);
    expect(messages[1]).toEqual({ role: "assistant", content: [{ type: "text", text: "No." }] });
  });

  it("normalises image/jpg data URLs to image/jpeg", () => {
    const { messages } = convertToAnthropicMessages([{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/jpg;base64,AAAA" } }] }]);
    expect(messages[0]!.content).toEqual([{ type: "image", source: { type: "base64", media_type: "image/jpeg", data: "AAAA" } }]);
  });

  it("rejects what Anthropic cannot take, naming the place", () => {
    rejects([{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/bmp;base64,AAAA" } }] }], /messages\[0\]\.content\[0\].*image\/bmp/);
    rejects([{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png,rawbytes" } }] }], /non-base64/);
    rejects([{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://example.com/a.png" } }] }], /neither a data: URL nor an http/);
    rejects([{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }], /audio input/);
    rejects([{ role: "user", content: [{ type: "file", file: { file_id: "file-123" } }] }], /file part/);
    rejects([{ role: "function", name: "f", content: "x" }], /role "function"/);
    rejects([{ role: "system", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] as never }], /only text is allowed/);
    rejects([user("q"), { role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{oops" } }] }], /arguments is not a JSON object/);
    rejects([user("q"), { role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "[1,2]" } }] }], /not a JSON object/);
    rejects([{ role: "system", content: "only a system prompt" }], /no user or assistant message/);
  });
});
