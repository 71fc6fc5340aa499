import { UnsupportedFunctionalityError, type LanguageModelV4Prompt } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { convertToMeshChatMessages, toBase64 } from "./convert-to-mesh-chat-messages.js";

const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

describe("convertToMeshChatMessages", () => {
  it("system, a single-text user turn as a string, a multi-part user turn as parts", () => {
    const prompt: LanguageModelV4Prompt = [
      { role: "system", content: "be brief" },
      { role: "user", content: [{ type: "text", text: "hi" }] },
      { role: "user", content: [{ type: "text", text: "look:" }, { type: "file", mediaType: "image/png", data: { type: "data", data: PNG_BYTES } }] },
    ];
    expect(convertToMeshChatMessages(prompt)).toEqual({
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
        { role: "user", content: [{ type: "text", text: "look:" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw==" } }] },
      ],
      warnings: [],
    });
  });

  it("images: URLs pass as URLs (original string kept), base64 strings pass as they are, a bare `image` type becomes JPEG", () => {
    const { messages } = convertToMeshChatMessages([
      {
        role: "user",
        content: [
          { type: "file", mediaType: "image/jpeg", data: { type: "url", url: new URL("https://example.test/a.jpg") } },
          { type: "file", mediaType: "image/*", data: { type: "url", url: new URL("https://example.test/b%20c.png"), originalUrl: "https://example.test/b c.png" } },
          { type: "file", mediaType: "image", data: { type: "data", data: "AAAA" } },
        ],
      },
    ]);
    expect(messages[0]).toEqual({
      role: "user",
      content: [
        { type: "image_url", image_url: { url: "https://example.test/a.jpg" } },
        { type: "image_url", image_url: { url: "https://example.test/b c.png" } },
        { type: "image_url", image_url: { url: "data:image/jpeg;base64,AAAA" } },
      ],
    });
  });

  it("audio as input_audio, PDF as a file part with a data URL, inline text as text with a warning", () => {
    const { messages, warnings } = convertToMeshChatMessages([
      {
        role: "user",
        content: [
          { type: "file", mediaType: "audio/wav", data: { type: "data", data: "UklGRg==" } },
          { type: "file", mediaType: "audio/mpeg", data: { type: "data", data: PNG_BYTES } },
          { type: "file", mediaType: "application/pdf", filename: "doc.pdf", data: { type: "data", data: "JVBERi0=" } },
          { type: "file", mediaType: "text/plain", filename: "notes.txt", data: { type: "text", text: "line" } },
        ],
      },
    ]);
    expect(messages[0]!.content).toEqual([
      { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
      { type: "input_audio", input_audio: { data: "iVBORw==", format: "mp3" } },
      { type: "file", file: { filename: "doc.pdf", file_data: "data:application/pdf;base64,JVBERi0=" } },
      { type: "text", text: "notes.txt:\nline" },
    ]);
    expect(warnings).toEqual([expect.objectContaining({ type: "unsupported", feature: "inline text file" })]);
  });

  it.each([
    ["a video", { type: "file", mediaType: "video/mp4", data: { type: "data", data: "AAAA" } }, /video\/mp4/],
    ["audio by URL", { type: "file", mediaType: "audio/wav", data: { type: "url", url: new URL("https://example.test/a.wav") } }, /audio file part 0 given as a URL/],
    ["a PDF by URL", { type: "file", mediaType: "application/pdf", data: { type: "url", url: new URL("https://example.test/a.pdf") } }, /PDF file part 0/],
    ["a provider reference", { type: "file", mediaType: "image/png", data: { type: "reference", reference: { openai: "file-1" } } }, /provider reference/],
  ] as const)("%s is an UnsupportedFunctionalityError naming the part", (_label, part, pattern) => {
    const run = () => convertToMeshChatMessages([{ role: "user", content: [part as never] }]);
    expect(run).toThrow(UnsupportedFunctionalityError);
    expect(run).toThrow(pattern);
  });

  it("assistant tool calls carry JSON-string arguments; empty text next to tool calls is null", () => {
    const { messages } = convertToMeshChatMessages([
      {
        role: "assistant",
        content: [
          { type: "tool-call", toolCallId: "c1", toolName: "get_weather", input: { city: "Paris" } },
          { type: "tool-call", toolCallId: "c2", toolName: "now", input: undefined },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }, { type: "tool-call", toolCallId: "c3", toolName: "x", input: {} }] },
      { role: "assistant", content: [] },
    ]);
    expect(messages).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "c2", type: "function", function: { name: "now", arguments: "{}" } },
        ],
      },
      { role: "assistant", content: "ab", tool_calls: [{ id: "c3", type: "function", function: { name: "x", arguments: "{}" } }] },
      { role: "assistant", content: "" },
    ]);
  });

  it("assistant reasoning, files, custom parts and provider-executed tool traffic are left out with one warning each", () => {
    const { messages, warnings } = convertToMeshChatMessages([
      {
        role: "assistant",
        content: [
          { type: "reasoning", text: "thinking" },
          { type: "reasoning", text: "more" },
          { type: "text", text: "answer" },
          { type: "file", mediaType: "image/png", data: { type: "data", data: "AAAA" } },
          { type: "custom", kind: "acme.thing" },
          { type: "tool-call", toolCallId: "p1", toolName: "web_search", input: {}, providerExecuted: true },
          { type: "tool-result", toolCallId: "p1", toolName: "web_search", output: { type: "text", value: "r" } },
        ],
      },
    ]);
    expect(messages).toEqual([{ role: "assistant", content: "answer" }]);
    expect(warnings.map((w) => (w.type === "unsupported" ? w.feature : w.type))).toEqual([
      "assistant reasoning",
      "assistant file part",
      "custom part acme.thing",
      "provider-executed tool call",
      "provider-executed tool result",
    ]);
  });

  it("tool results: every output kind becomes one tool message", () => {
    const { messages, warnings } = convertToMeshChatMessages([
      {
        role: "tool",
        content: [
          { type: "tool-result", toolCallId: "a", toolName: "t", output: { type: "text", value: "plain" } },
          { type: "tool-result", toolCallId: "b", toolName: "t", output: { type: "json", value: { ok: true } } },
          { type: "tool-result", toolCallId: "c", toolName: "t", output: { type: "error-text", value: "boom" } },
          { type: "tool-result", toolCallId: "d", toolName: "t", output: { type: "error-json", value: { error: 1 } } },
          { type: "tool-result", toolCallId: "e", toolName: "t", output: { type: "execution-denied" } },
          { type: "tool-result", toolCallId: "f", toolName: "t", output: { type: "execution-denied", reason: "user said no" } },
          {
            type: "tool-result",
            toolCallId: "g",
            toolName: "t",
            output: { type: "content", value: [{ type: "text", text: "seen" }, { type: "file", mediaType: "image/png", data: { type: "data", data: "AAAA" } }] },
          },
          { type: "tool-approval-response", approvalId: "ap1", approved: true },
        ],
      },
    ]);
    expect(messages).toEqual([
      { role: "tool", tool_call_id: "a", content: "plain" },
      { role: "tool", tool_call_id: "b", content: '{"ok":true}' },
      { role: "tool", tool_call_id: "c", content: "boom" },
      { role: "tool", tool_call_id: "d", content: '{"error":1}' },
      { role: "tool", tool_call_id: "e", content: "Tool execution denied." },
      { role: "tool", tool_call_id: "f", content: "user said no" },
      { role: "tool", tool_call_id: "g", content: [{ type: "text", text: "seen" }] },
    ]);
    expect(warnings.map((w) => (w.type === "unsupported" ? w.feature : w.type))).toEqual(["tool result file part", "tool-approval-response"]);
  });
});

describe("toBase64", () => {
  it("encodes bytes (also past one 32 KiB chunk) and passes strings through", () => {
    expect(toBase64(new Uint8Array([104, 105]))).toBe("aGk=");
    expect(toBase64("already")).toBe("already");
    const big = new Uint8Array(70_000).fill(65);
    expect(atob(toBase64(big))).toBe("A".repeat(70_000));
  });
});
