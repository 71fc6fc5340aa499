import type { RoutingTrace } from "../router/trace.js";
import type { MeshChatCompletionChunk } from "./openai-shapes.js";

/**
 * A streamed chat completion: an async iterable of chunks (as the `openai` SDK's `Stream`), with an
 * AbortController to cancel it and the routing trace. Iterating it ends cleanly ONLY when the upstream
 * stream completed; an interruption after output began throws `StreamInterruptedError`.
 */
export class MeshStream implements AsyncIterable<MeshChatCompletionChunk> {
  /** Aborting cancels the upstream request. */
  readonly controller: AbortController;
  /** Routing trace of the request (also via `getTrace(stream)`). */
  readonly trace: RoutingTrace;
  #source: AsyncIterable<MeshChatCompletionChunk>;
  #consumed = false;

  constructor(source: AsyncIterable<MeshChatCompletionChunk>, controller: AbortController, trace: RoutingTrace) {
    this.#source = source;
    this.controller = controller;
    this.trace = trace;
  }

  [Symbol.asyncIterator](): AsyncIterator<MeshChatCompletionChunk> {
    if (this.#consumed) throw new Error("[modelmesh] a stream can be iterated only once; use tee() to read it twice");
    this.#consumed = true;
    return this.#source[Symbol.asyncIterator]();
  }

  /** Splits the stream into two independent readers (buffers what one has read ahead of the other). */
  tee(): [MeshStream, MeshStream] {
    const iterator = this[Symbol.asyncIterator]();
    const queues: Array<Array<Promise<IteratorResult<MeshChatCompletionChunk>>>> = [[], []];
    const reader = (index: 0 | 1): AsyncIterable<MeshChatCompletionChunk> => ({
      [Symbol.asyncIterator]: () => ({
        next: () => {
          const queue = queues[index]!;
          if (queue.length === 0) {
            const next = iterator.next();
            queues[0]!.push(next);
            queues[1]!.push(next);
          }
          return queue.shift()!;
        },
      }),
    });
    return [new MeshStream(reader(0), this.controller, this.trace), new MeshStream(reader(1), this.controller, this.trace)];
  }

  /** A web ReadableStream of newline-delimited JSON chunks (as the SDK's `toReadableStream`). */
  toReadableStream(): ReadableStream<Uint8Array> {
    const iterator = this[Symbol.asyncIterator]();
    const encoder = new TextEncoder();
    return new ReadableStream({
      async pull(controller) {
        try {
          const { value, done } = await iterator.next();
          if (done) controller.close();
          else controller.enqueue(encoder.encode(`${JSON.stringify(value)}\n`));
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    });
  }
}
