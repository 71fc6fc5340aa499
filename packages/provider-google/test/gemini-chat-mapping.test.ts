/** Pure request mapping: what the fidelity pairs do not cover — warnings, edge cases, local errors. */
import type { ChatCompletionRequest } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { convertToGeminiRequest } from "../src/index.js";

const base = (extra: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "hi" }], ...extra });

describe("convertToGeminiRequest", () => {
  it("a minimal request sends contents only (no empty generationConfig, no tools)", () => {
    expect(convertToGeminiRequest(base({}))).toEqual({ body: { contents: [{ role: "user", parts: [{ text: "hi" }] }] }, warnings: [] });
  });

  it("fields without a Gemini equivalent are left out and reported, never sent", () => {
    const { body, warnings } = convertToGeminiRequest(base({ logit_bias: { "50256": -100 }, user: "u-1", logprobs: true, parallel_tool_calls: false, service_tier: "flex", temperature: null, stream: true, stream_options: { include_usage: true } }));
    expect(Object.keys(body)).toEqual(["contents"]);
    expect(warnings.map((warning) => warning.field).sort()).toEqual(["logit_bias", "logprobs", "parallel_tool_calls", "service_tier", "user"]);
    expect(convertToGeminiRequest(base({ parallel_tool_calls: true })).warnings).toEqual([]);
  });

  it("schema keywords Gemini rejects are dropped from tool parameters and reported per tool", () => {
    const { body, warnings } = convertToGeminiRequest(
      base({ tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { url: { type: "string", format: "uri" } }, additionalProperties: false } } }] }),
    );
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: "f", parameters: { type: "OBJECT", properties: { url: { type: "STRING" } } } }] }]);
    expect(warnings).toEqual([{ field: "tools[0].function.parameters", message: expect.stringContaining("additionalProperties, format:uri") }]);
  });

  it("non-function tools are skipped with a warning; tool_choice without tools is not sent", () => {
    const { body, warnings } = convertToGeminiRequest(base({ tools: [{ type: "web_search" } as never], tool_choice: "required" }));
    expect(body.tools).toBeUndefined();
    expect(body.toolConfig).toBeUndefined();
    expect(warnings[0]!.field).toBe("tools[0]");
  });

  it("a tool result is looked up by call id; non-object results are wrapped in {result}", () => {
    const { body } = convertToGeminiRequest(
      base({
        messages: [
          { role: "user", content: "go" },
          { role: "assistant", content: "Calling.", tool_calls: [{ id: "x1", type: "function", function: { name: "count", arguments: "" } }] },
          { role: "tool", tool_call_id: "x1", content: [{ type: "text", text: "[1,2,3]" }] },
          { role: "user", content: "thanks" },
        ],
      }),
    );
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "go" }] },
      { role: "model", parts: [{ text: "Calling." }, { functionCall: { name: "count", args: {} } }] },
      { role: "user", parts: [{ functionResponse: { name: "count", response: { result: [1, 2, 3] } } }, { text: "thanks" }] },
    ]);
  });

  it("the legacy function role becomes a functionResponse by its name", () => {
    const { body } = convertToGeminiRequest(base({ messages: [{ role: "function", name: "lookup", content: "not json" }] }));
    expect(body.contents).toEqual([{ role: "user", parts: [{ functionResponse: { name: "lookup", response: { result: "not json" } } }] }]);
  });

  it("a final assistant message stays a final model turn (prefill), empty turns are skipped", () => {
    const { body } = convertToGeminiRequest(base({ messages: [{ role: "user", content: "Count" }, { role: "assistant", content: null }, { role: "user", content: "" }, { role: "assistant", content: "1, 2," }] }));
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "Count" }] },
      { role: "model", parts: [{ text: "1, 2," }] },
    ]);
  });

  it("data: URLs without base64 are encoded; files map to inlineData / fileData", () => {
    const { body } = convertToGeminiRequest(
      base({
        messages: [
          {
            role: "user",
            content: [
              { type: "image_url", image_url: { url: "data:image/svg+xml,%3Csvg%2F%3E" } },
              { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" } },
              { type: "file", file: { file_id: "https://generativelanguage.googleapis.com/v1beta/files/abc", filename: "notes.txt" } },
              { type: "image_url", image_url: { url: "gs://bucket/photo" } },
            ],
          },
        ],
      }),
    );
    expect(body.contents[0]!.parts).toEqual([
      { inlineData: { mimeType: "image/svg+xml", data: btoa("<svg/>") } },
      { inlineData: { mimeType: "application/pdf", data: "JVBERi0=" } },
      { fileData: { fileUri: "https://generativelanguage.googleapis.com/v1beta/files/abc", mimeType: "text/plain" } },
      { fileData: { fileUri: "gs://bucket/photo", mimeType: "image/jpeg" } },
    ]);
  });

  it("reasoning_effort none disables thinking; unknown values are reported", () => {
    expect(convertToGeminiRequest(base({ reasoning_effort: "none" })).body.generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 0 } });
    const { body, warnings } = convertToGeminiRequest(base({ reasoning_effort: "extreme" }));
    expect(body.generationConfig).toBeUndefined();
    expect(warnings[0]!.field).toBe("reasoning_effort");
  });

  it("extra_body.google generationConfig merges over the mapped one; cachedContent goes top level", () => {
    const { body } = convertToGeminiRequest(base({ temperature: 0.2, extra_body: { google: { generation_config: { response_modalities: ["TEXT"], temperature: 0.9 }, cached_content: "cachedContents/abc" } } }));
    expect(body.generationConfig).toEqual({ temperature: 0.9, responseModalities: ["TEXT"] });
    expect(body.cachedContent).toBe("cachedContents/abc");
  });

  it("throws MM_INVALID_REQUEST for what has no Gemini form", () => {
    const unknownCall = base({ messages: [{ role: "tool", tool_call_id: "nope", content: "1" }] });
    expect(() => convertToGeminiRequest(unknownCall)).toThrow(expect.objectContaining({ code: "MM_INVALID_REQUEST" }));
    const arrayArgs = base({ messages: [{ role: "assistant", tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: "[1]" } }] }] });
    expect(() => convertToGeminiRequest(arrayArgs)).toThrow(/not a JSON object/);
    const badPart = base({ messages: [{ role: "user", content: [{ type: "video_url" } as never] }] });
    expect(() => convertToGeminiRequest(badPart)).toThrow(/video_url/);
    expect(() => convertToGeminiRequest(base({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:nonsense" } }] }] }))).toThrow(/data: URL/);
  });
});
