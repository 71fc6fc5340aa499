/**
 * A ModelMesh chat stream (OpenAI chunks) → V4 stream parts: `stream-start`, `response-metadata`,
 * `text-start`/`text-delta`/`text-end`, `tool-input-start`/`tool-input-delta`/`tool-input-end` then `tool-call`,
 * and `finish` with usage and the route taken. A failure after the stream began (ModelMesh could no longer fail
 * over invisibly) becomes an `error` part followed by a `finish` whose reason is `error`; a caller abort errors
 * the stream with the abort reason, as a cancelled fetch would.
 */
import { InvalidResponseDataError, type LanguageModelV4FinishReason, type LanguageModelV4StreamPart, type SharedV4Warning } from "@ai-sdk/provider";
import type { CompletionUsage, MeshChatCompletionChunk, RoutingTrace } from "@modelmesh/core";
import { convertMeshUsage } from "./convert-mesh-usage.js";
import { mapMeshError, type MeshCallContext } from "./map-mesh-error.js";
import { mapMeshFinishReason } from "./map-mesh-finish-reason.js";
import { providerMetadataOf } from "./mesh-route-metadata.js";

/** A ModelMesh stream: chunks, and (on MeshStream) the controller that cancels the upstream request. */
export type MeshChunkStream = AsyncIterable<MeshChatCompletionChunk> & { controller?: AbortController };

/** Options of {@link meshStreamToParts}. */
export interface MeshStreamToPartsOptions {
  warnings: SharedV4Warning[];
  includeRawChunks: boolean;
  /** Read at the end of the stream: the trace is final only then. */
  trace: () => RoutingTrace | undefined;
  context: MeshCallContext;
}

interface ToolCallState {
  id: string;
  name: string;
  args: string;
}

const TEXT_ID = "txt-0";

/** Converts a ModelMesh chunk stream to a ReadableStream of V4 stream parts. */
export function meshStreamToParts(source: MeshChunkStream, options: MeshStreamToPartsOptions): ReadableStream<LanguageModelV4StreamPart> {
  const iterator = source[Symbol.asyncIterator]();
  const toolCalls = new Map<number, ToolCallState>();
  let textOpen = false;
  let started = false;
  let finishRaw: string | null = null;
  let usage: CompletionUsage | null | undefined;
  let refusal = "";
  let done = false;
  let emitted = 0;
  const push = (controller: ReadableStreamDefaultController<LanguageModelV4StreamPart>, part: LanguageModelV4StreamPart) => {
    emitted++;
    controller.enqueue(part);
  };

  const closeOpenParts = (controller: ReadableStreamDefaultController<LanguageModelV4StreamPart>, emitCalls: boolean) => {
    if (textOpen) push(controller, { type: "text-end", id: TEXT_ID });
    textOpen = false;
    for (const call of toolCalls.values()) {
      push(controller, { type: "tool-input-end", id: call.id });
      if (emitCalls) push(controller, { type: "tool-call", toolCallId: call.id, toolName: call.name, input: call.args.trim() === "" ? "{}" : call.args });
    }
    toolCalls.clear();
  };
  const finish = (controller: ReadableStreamDefaultController<LanguageModelV4StreamPart>, finishReason: LanguageModelV4FinishReason) => {
    const providerMetadata = providerMetadataOf(options.trace(), refusal);
    push(controller, { type: "finish", finishReason, usage: convertMeshUsage(usage), ...(providerMetadata ? { providerMetadata } : {}) });
    done = true;
    controller.close();
  };

  const onChunk = (chunk: MeshChatCompletionChunk, controller: ReadableStreamDefaultController<LanguageModelV4StreamPart>) => {
    if (options.includeRawChunks) push(controller, { type: "raw", rawValue: chunk });
    if (!started) {
      started = true;
      push(controller, { type: "response-metadata", id: chunk.id, modelId: chunk.model, ...(chunk.created ? { timestamp: new Date(chunk.created * 1000) } : {}) });
    }
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices.find((c) => c.index === 0) ?? chunk.choices[0];
    if (!choice) return;
    const delta = choice.delta ?? {};
    if (typeof delta.content === "string" && delta.content !== "") {
      if (!textOpen) push(controller, { type: "text-start", id: TEXT_ID });
      textOpen = true;
      push(controller, { type: "text-delta", id: TEXT_ID, delta: delta.content });
    }
    if (typeof delta.refusal === "string") refusal += delta.refusal;
    for (const fragment of delta.tool_calls ?? []) {
      let call = toolCalls.get(fragment.index);
      if (!call) {
        const name = fragment.function?.name;
        if (!name) throw new InvalidResponseDataError({ data: fragment, message: `[modelmesh] [ai-sdk] the first fragment of streamed tool call ${fragment.index} has no function name.` });
        call = { id: fragment.id ?? `call_${fragment.index}`, name, args: "" };
        toolCalls.set(fragment.index, call);
        push(controller, { type: "tool-input-start", id: call.id, toolName: name });
      }
      const args = fragment.function?.arguments;
      if (args) {
        call.args += args;
        push(controller, { type: "tool-input-delta", id: call.id, delta: args });
      }
    }
    if (choice.finish_reason) finishRaw = choice.finish_reason;
  };

  return new ReadableStream<LanguageModelV4StreamPart>({
    start(controller) {
      push(controller, { type: "stream-start", warnings: options.warnings });
    },
    async pull(controller) {
      try {
        // A pull that enqueues nothing is not called again (WHATWG streams), so read until a chunk yields a
        // part: finish-only and usage-only chunks yield none.
        const before = emitted;
        while (emitted === before) {
          const next = await iterator.next();
          if (next.done) {
            closeOpenParts(controller, true);
            finish(controller, mapMeshFinishReason(finishRaw));
            return;
          }
          onChunk(next.value, controller);
        }
      } catch (error) {
        const mapped = mapMeshError(error, options.context);
        if (options.context.signal?.aborted) {
          done = true;
          controller.error(mapped);
          return;
        }
        closeOpenParts(controller, false);
        push(controller, { type: "error", error: mapped });
        finish(controller, { unified: "error", raw: undefined });
      }
    },
    async cancel() {
      if (done) return;
      done = true;
      source.controller?.abort();
      await iterator.return?.();
    },
  });
}
