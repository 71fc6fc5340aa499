import { systemClock, type ChatCompletionChunk } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { completionToChunks } from "@modelmesh/cdk";
import { anthropicChatStream, AnthropicStreamMapper } from "./anthropic-stream-mapping.js";

const encoder = new TextEncoder();

async function* body(text: string): AsyncGenerator<Uint8Array> {
  // Split mid-event, to exercise the incremental parser.
  const middle = Math.floor(text.length / 2);
  yield encoder.encode(text.slice(0, middle));
  yield encoder.encode(text.slice(middle));
}

function sse(events: Array<Record<string, unknown>>, named = true): string {
  return events.map((event) => `${named ? `event: ${String(event.type)}\n` : ""}data: ${JSON.stringify(event)}\n\n`).join("");
}

async function read(text: string, jsonTool?: string): Promise<{ chunks: ChatCompletionChunk[]; error: unknown; warnings: string[] }> {
  const chunks: ChatCompletionChunk[] = [];
  const warnings: string[] = [];
  let error: unknown;
  try {
    const stream = { created: 7, model: "fallback", ...(jsonTool ? { jsonTool } : {}) };
    const onWarning = (message: string) => warnings.push(message);
    for await (const chunk of anthropicChatStream(body(text), { stream, clock: systemClock, context: { provider: "p", model: "m" }, onWarning })) chunks.push(chunk);
  } catch (caught) {
    error = caught;
  }
  return { chunks, error, warnings };
}

const start = { type: "message_start", message: { id: "msg_1", model: "claude-x", usage: { input_tokens: 3, output_tokens: 1 } } };
const stop = { type: "message_stop" };

describe("anthropicChatStream", () => {
  it("numbers tool calls 0, 1… whatever the block indexes, and streams the answer tool as content", async () => {
    const { chunks, error } = await read(
      sse([
        start,
        { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
        { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "t1", name: "lookup", input: {} } },
        { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"q":' } },
        { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "t2", name: "answer", input: {} } },
        { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"a":1}' } },
        { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '"x"}' } },
        { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 9 } },
        stop,
      ]),
      "answer",
    );
    expect(error).toBeUndefined();
    const deltas = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta));
    expect(deltas.flatMap((delta) => delta.tool_calls ?? [])).toEqual([
      { index: 0, id: "t1", type: "function", function: { name: "lookup", arguments: "" } },
      { index: 0, function: { arguments: '{"q":' } },
      { index: 0, function: { arguments: '"x"}' } },
    ]);
    expect(deltas.map((delta) => delta.content ?? "").join("")).toBe('{"a":1}');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)).toMatchObject({ id: "msg_1", model: "claude-x", created: 7, choices: [], usage: { prompt_tokens: 3, completion_tokens: 9 } });
  });

  it("works without event: names (type read from the data) and skips unknown events", async () => {
    const { chunks, error } = await read(
      sse([start, { type: "future_event", x: 1 }, { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "hi" } }, { type: "message_delta", delta: { stop_reason: "end_turn" } }, stop], false),
    );
    expect(error).toBeUndefined();
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("hi");
  });

  it("ends at message_stop: later events are not read as part of the answer", async () => {
    const { chunks } = await read(sse([start, { type: "message_delta", delta: { stop_reason: "end_turn" } }, stop, { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "late" } }]));
    expect(chunks.some((chunk) => chunk.choices[0]?.delta.content === "late")).toBe(false);
  });

  it("an input_json_delta for a block that never started is a malformed event: skipped with a warning", async () => {
    const orphan = { type: "content_block_delta", index: 4, delta: { type: "input_json_delta", partial_json: "{}" } };
    const text = { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "hi" } };
    const { chunks, error, warnings } = await read(sse([start, orphan, text, { type: "message_delta", delta: { stop_reason: "end_turn" } }, stop]));
    expect(error).toBeUndefined();
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("hi");
    expect(warnings).toEqual(["skipped malformed stream event 1 (the stream fails at 3): not a chat chunk"]);
  });

  it("the third malformed event breaks the stream (MM_INVALID_RESPONSE, stream_interrupted)", async () => {
    const orphan = { type: "content_block_delta", index: 4, delta: { type: "input_json_delta", partial_json: "{}" } };
    const { error, warnings } = await read(`${sse([start, orphan])}event: content_block_delta\ndata: {not json\n\n${sse([orphan, stop])}`);
    expect(error).toMatchObject({ code: "MM_INVALID_RESPONSE", category: "stream_interrupted", provider: "p", model: "m" });
    expect((error as Error).message).toContain("3 malformed events");
    expect(warnings).toHaveLength(2);
  });

  it("an error event with an unknown type is still a classified server error", async () => {
    const { error } = await read(`${sse([start])}event: error\ndata: {"type":"error","error":{"type":"mystery_error","message":"?"}}\n\n`);
    expect(error).toMatchObject({ category: "server", retryable: true, provider: "p", model: "m" });
  });

  it("a tool_use block that arrives with its input sends it whole", () => {
    const mapper = new AnthropicStreamMapper({ created: 1, model: "m" });
    mapper.map(start);
    const chunk = mapper.map({ type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "t", name: "f", input: { a: 1 } } });
    expect(chunk!.choices[0]!.delta.tool_calls).toEqual([{ index: 0, id: "t", type: "function", function: { name: "f", arguments: '{"a":1}' } }]);
    expect(() => mapper.map("not an object")).toThrow(SyntaxError);
  });
});

describe("completionToChunks (the cdk's, as this connector uses it)", () => {
  it("one delta chunk with the finish reason, then the usage chunk", () => {
    const chunks = completionToChunks({
      id: "msg", object: "chat.completion", created: 1, model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
    expect(chunks).toEqual([
      { id: "msg", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "hi" }, finish_reason: "stop" }] },
      { id: "msg", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } },
    ]);
  });
});
