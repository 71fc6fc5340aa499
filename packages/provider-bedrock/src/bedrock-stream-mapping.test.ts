import type { ChatCompletionChunk } from "@modelmesh/core";
import { systemClock } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { encodeMessage, event, exception, textStream, toolStream } from "../test/support/eventstream-encode.js";
import { bedrockChatStream, BedrockStreamMapper } from "./bedrock-stream-mapping.js";

async function* chunksOf(frames: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const frame of frames) yield frame;
}

async function read(frames: Uint8Array[], extra: { jsonTool?: string; onWarning?: (message: string) => void } = {}) {
  const chunks: ChatCompletionChunk[] = [];
  let error: unknown;
  try {
    const options = { stream: { id: "s", model: "m", created: 1, ...(extra.jsonTool ? { jsonTool: extra.jsonTool } : {}) }, clock: systemClock, context: { provider: "aws" }, ...(extra.onWarning ? { onWarning: extra.onWarning } : {}) };
    for await (const chunk of bedrockChatStream(chunksOf(frames), options)) chunks.push(chunk);
  } catch (caught) {
    error = caught;
  }
  return { chunks, error, text: chunks.map((c) => c.choices[0]?.delta.content ?? "").join("") };
}

describe("bedrockChatStream", () => {
  it("text: role chunk, content deltas, one finish chunk, then a usage-only chunk", async () => {
    const { chunks, error } = await read(textStream(["a", "b"]));
    expect(error).toBeUndefined();
    expect(chunks.map((c) => (c.choices.length === 0 ? "usage" : (c.choices[0]!.finish_reason ?? c.choices[0]!.delta.content)))).toEqual(["", "a", "b", "stop", "usage"]);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
  });

  it("tool use: start with id and name, argument fragments, finish tool_calls", async () => {
    const { chunks } = await read(toolStream());
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, id: "tooluse_abc123", type: "function", function: { name: "get_weather", arguments: "" } },
      { index: 0, function: { arguments: '{"city":' } },
      { index: 0, function: { arguments: '"Paris"}' } },
    ]);
    expect(chunks.flatMap((c) => c.choices).filter((c) => c.finish_reason).map((c) => c.finish_reason)).toEqual(["tool_calls"]);
  });

  it("the JSON answer tool's input becomes content and the finish reason stop", async () => {
    const frames = [
      event("messageStart", { role: "assistant" }),
      event("contentBlockStart", { contentBlockIndex: 0, start: { toolUse: { toolUseId: "t", name: "json_response" } } }),
      event("contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: '{"ok":' } } }),
      event("contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: "true}" } } }),
      event("messageStop", { stopReason: "tool_use" }),
    ];
    const { chunks, text } = await read(frames, { jsonTool: "json_response" });
    expect(text).toBe('{"ok":true}');
    expect(chunks.flatMap((c) => c.choices).filter((c) => c.finish_reason).map((c) => c.finish_reason)).toEqual(["stop"]);
  });

  it("an exception frame throws a classified error; a body cut before messageStop is interrupted", async () => {
    const throttled = await read([event("messageStart", { role: "assistant" }), exception("throttlingException", "slow down")]);
    expect(throttled.error).toMatchObject({ code: "MM_RATE_LIMIT", category: "rate_limit", retryable: true, message: expect.stringContaining("ThrottlingException: slow down") });
    const generic = await read([encodeMessage({ ":message-type": "error", ":error-code": "InternalFailure", ":error-message": "boom" }, "")]);
    expect(generic.error).toMatchObject({ category: "server", retryable: true, message: expect.stringContaining("InternalFailure: boom") });
    const cut = await read(textStream(["a"]).slice(0, 2));
    expect(cut.text).toBe("a");
    expect(cut.error).toMatchObject({ code: "MM_STREAM_INTERRUPTED" });
  });

  it("a frame whose payload is not JSON is skipped with a warning that does not quote it", async () => {
    const warnings: string[] = [];
    const frames = textStream(["a", "b"]);
    frames.splice(2, 0, encodeMessage({ ":event-type": "contentBlockDelta", ":message-type": "event" }, "{not json"));
    const { text, error } = await read(frames, { onWarning: (message) => warnings.push(message) });
    expect(error).toBeUndefined();
    expect(text).toBe("ab");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain("{not");
  });

  it("the mapper ignores unknown events and rejects non-object payloads", () => {
    const mapper = new BedrockStreamMapper({ id: "s", model: "m", created: 1 });
    expect(mapper.map("contentBlockStop", { contentBlockIndex: 0 })).toBeNull();
    expect(mapper.map("somethingNew", {})).toBeNull();
    expect(() => mapper.map("messageStart", "x")).toThrow(SyntaxError);
    expect(() => mapper.map("contentBlockDelta", { contentBlockIndex: 3, delta: { toolUse: { input: "{}" } } })).toThrow(/never started/);
  });
});
