import { APICallError, type LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { ModelMeshError, StreamInterruptedError, type MeshChatCompletionChunk } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { meshStreamToParts, type MeshChunkStream } from "./mesh-stream-to-parts.js";

const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Partial<MeshChatCompletionChunk> = {}): MeshChatCompletionChunk =>
  ({ id: "c-1", object: "chat.completion.chunk", created: 1_700_000_000, model: "vendor-model-1", choices: [{ index: 0, delta, finish_reason: finish }], ...extra }) as MeshChatCompletionChunk;

function source(chunks: MeshChatCompletionChunk[], failWith?: unknown): MeshChunkStream & { returned: boolean } {
  const stream = {
    controller: new AbortController(),
    returned: false,
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next: async (): Promise<IteratorResult<MeshChatCompletionChunk>> => {
          if (i < chunks.length) return { value: chunks[i++]!, done: false };
          if (failWith !== undefined) throw failWith;
          return { value: undefined, done: true };
        },
        return: async (): Promise<IteratorResult<MeshChatCompletionChunk>> => {
          stream.returned = true;
          return { value: undefined, done: true };
        },
      };
    },
  };
  return stream;
}

const options = (over: Partial<Parameters<typeof meshStreamToParts>[1]> = {}) => ({
  warnings: [],
  includeRawChunks: false,
  trace: () => undefined,
  context: { modelId: "chat", body: { model: "chat" } },
  ...over,
});

async function collect(stream: ReadableStream<LanguageModelV4StreamPart>): Promise<LanguageModelV4StreamPart[]> {
  const parts: LanguageModelV4StreamPart[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
}

describe("meshStreamToParts", () => {
  it("text: metadata from the first chunk, one text block, finish with usage after finish-only and usage-only chunks", async () => {
    const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
    const parts = await collect(
      meshStreamToParts(source([chunk({ role: "assistant", content: "" }), chunk({ content: "Hel" }), chunk({ content: "lo" }), chunk({}, "stop"), { ...chunk({}), choices: [], usage }]), options({ warnings: [{ type: "other", message: "w" }] })),
    );
    expect(parts).toEqual([
      { type: "stream-start", warnings: [{ type: "other", message: "w" }] },
      { type: "response-metadata", id: "c-1", modelId: "vendor-model-1", timestamp: new Date(1_700_000_000_000) },
      { type: "text-start", id: "txt-0" },
      { type: "text-delta", id: "txt-0", delta: "Hel" },
      { type: "text-delta", id: "txt-0", delta: "lo" },
      { type: "text-end", id: "txt-0" },
      {
        type: "finish",
        finishReason: { unified: "stop", raw: "stop" },
        usage: { inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 2, text: 2, reasoning: undefined }, raw: usage },
      },
    ]);
  });

  it("two interleaved tool calls: input start/delta per call, then input end and tool-call with the whole JSON", async () => {
    const parts = await collect(
      meshStreamToParts(
        source([
          chunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }] }),
          chunk({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "now", arguments: "" } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
          chunk({}, "tool_calls"),
        ]),
        options(),
      ),
    );
    const types = parts.map((p) => p.type);
    expect(types).toEqual(["stream-start", "response-metadata", "tool-input-start", "tool-input-start", "tool-input-delta", "tool-input-delta", "tool-input-end", "tool-call", "tool-input-end", "tool-call", "finish"]);
    expect(parts.filter((p) => p.type === "tool-call")).toEqual([
      { type: "tool-call", toolCallId: "call_a", toolName: "get_weather", input: '{"city":"Paris"}' },
      { type: "tool-call", toolCallId: "call_b", toolName: "now", input: "{}" },
    ]);
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: { unified: "tool-calls", raw: "tool_calls" } });
  });

  it("raw chunks are passed when asked for", async () => {
    const first = chunk({ content: "x" }, "stop");
    const parts = await collect(meshStreamToParts(source([first]), options({ includeRawChunks: true })));
    expect(parts[1]).toEqual({ type: "raw", rawValue: first });
  });

  it("a failure after output began: open parts closed, an error part (APICallError with the code), finish reason error, no tool-call", async () => {
    const interrupted = new StreamInterruptedError({ message: "[modelmesh] [router] the stream broke", deliveredChars: 2 });
    const parts = await collect(
      meshStreamToParts(source([chunk({ content: "Hi" }), chunk({ tool_calls: [{ index: 0, id: "call_a", function: { name: "t", arguments: '{"a"' } }] })], interrupted), options()),
    );
    const types = parts.map((p) => p.type);
    expect(types).toEqual(["stream-start", "response-metadata", "text-start", "text-delta", "tool-input-start", "tool-input-delta", "text-end", "tool-input-end", "error", "finish"]);
    const error = (parts.find((p) => p.type === "error") as { error: unknown }).error;
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).data).toMatchObject({ code: "MM_STREAM_INTERRUPTED" });
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: { unified: "error" } });
  });

  it("a caller abort errors the stream with the abort reason", async () => {
    const caller = new AbortController();
    caller.abort();
    const aborted = new ModelMeshError({ code: "MM_ABORTED", category: "cancelled", message: "[modelmesh] [router] the request was cancelled by the caller" });
    const stream = meshStreamToParts(source([chunk({ content: "Hi" })], aborted), options({ context: { modelId: "chat", body: {}, signal: caller.signal } }));
    await expect(collect(stream)).rejects.toMatchObject({ name: "AbortError" });
  });

  it("a tool-call fragment without a name is an error part (InvalidResponseDataError)", async () => {
    const parts = await collect(meshStreamToParts(source([chunk({ tool_calls: [{ index: 0, id: "x", function: { arguments: "{}" } }] })]), options()));
    const error = parts.find((p) => p.type === "error") as { error: Error } | undefined;
    expect(error?.error.name).toBe("AI_InvalidResponseDataError");
    expect(error?.error.message).toContain("no function name");
  });

  it("cancelling the parts stream aborts the ModelMesh stream and returns its iterator", async () => {
    const upstream = source([chunk({ content: "a" }), chunk({ content: "b" })]);
    const reader = meshStreamToParts(upstream, options()).getReader();
    await reader.read();
    await reader.cancel();
    expect(upstream.controller!.signal.aborted).toBe(true);
    expect(upstream.returned).toBe(true);
  });

  it("the route metadata is read at the end of the stream", async () => {
    let calls = 0;
    const trace = () => {
      calls++;
      return { requestId: "r1", requested: "chat", kind: "chat" as const, stream: true, requirements: [], candidates: [], attempts: [], warnings: [], startedAt: 0, deadlineMs: 1, final: { routeId: "p/m", modelId: "m", providerId: "p", upstreamModel: "u" } };
    };
    const stream = meshStreamToParts(source([chunk({ content: "a" }, "stop")]), options({ trace }));
    expect(calls).toBe(0);
    const parts = await collect(stream);
    expect(calls).toBe(1);
    expect(parts.at(-1)).toMatchObject({ type: "finish", providerMetadata: { modelmesh: { requestId: "r1", route: { provider: "p", model: "m", upstreamModel: "u" }, failover: false, attemptCount: 0 } } });
  });
});

describe("refusals", () => {
  it("a streamed refusal is reported in providerMetadata.modelmesh.refusal", async () => {
    const parts = await collect(meshStreamToParts(source([chunk({ refusal: "I can't " }), chunk({ refusal: "help with that." }, "stop")]), options()));
    expect(parts.at(-1)).toMatchObject({ type: "finish", providerMetadata: { modelmesh: { refusal: "I can't help with that." } } });
  });
});
