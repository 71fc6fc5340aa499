import type { CallOptions, ProviderConnectorV1 } from "../connectors/provider.js";
import { StreamInterruptedError } from "../errors/errors.js";
import { isModelMeshError, type ModelMeshError } from "../errors/model-mesh-error.js";
import type { MeshEventBus } from "../events/events.js";
import type { Clock } from "../internal/clock.js";
import type { ChatCompletionChunk, ChatCompletionRequest, CompletionUsage } from "../wire/chat.js";
import type { AttemptScope } from "./attempt.js";
import { normaliseError } from "./decide.js";
import type { RoutingTrace } from "./trace.js";

/** How a stream ended, reported once. */
export interface StreamOutcome {
  ok: boolean;
  usage?: CompletionUsage;
  error?: ModelMeshError;
}

/** True for the commit point: the first chunk carrying content, a refusal or a tool-call delta. */
export function isCommitChunk(chunk: ChatCompletionChunk): boolean {
  for (const choice of chunk.choices ?? []) {
    const delta = choice.delta ?? {};
    if ((typeof delta.content === "string" && delta.content.length > 0) || (delta.tool_calls?.length ?? 0) > 0 || (typeof delta.refusal === "string" && delta.refusal.length > 0)) return true;
  }
  return false;
}

interface OpenOptions {
  provider: ProviderConnectorV1;
  request: ChatCompletionRequest;
  call: CallOptions;
  scope: AttemptScope;
  clock: Clock;
  idleMs: number;
  route: { id: string; providerId: string; modelId: string };
  events: MeshEventBus;
  requestId: string;
  startedAt: number;
  trace: RoutingTrace;
  onEnd: (outcome: StreamOutcome) => Promise<void>;
  /**
   * Opens a continuation after a post-commit interruption: the partial text is sent as an assistant prefill to
   * another (prefill-capable) model. Undefined when resuming is off or impossible.
   */
  resume?: (partialText: string, cause: ModelMeshError) => Promise<AsyncIterable<ChatCompletionChunk> | undefined>;
}

/**
 * Opens a provider stream and holds it until the commit point (ARCHITECTURE §2.8). Any failure before commit
 * rejects (the router fails over invisibly). Resolves with an iterable that replays the held chunks, then
 * relays the rest under an idle timeout. After commit, a cut, stall or malformed chunk throws a
 * StreamInterruptedError; the iterable ends cleanly only when the provider's stream ended cleanly.
 */
export async function openCommittedStream(o: OpenOptions): Promise<AsyncIterable<ChatCompletionChunk>> {
  const iterator = o.provider.stream(o.request, o.call)[Symbol.asyncIterator]();
  const held: ChatCompletionChunk[] = [];
  let ended = false;
  let usage: CompletionUsage | undefined;
  try {
    for (;;) {
      const next = await o.scope.race(iterator.next());
      if (next.done) {
        ended = true;
        break;
      }
      held.push(next.value);
      if (next.value.usage) usage = next.value.usage;
      if (isCommitChunk(next.value)) break;
    }
  } catch (error) {
    void iterator.return?.().catch(() => {});
    throw error;
  }
  o.scope.committed();
  if (o.events.active) o.events.emit({ type: "stream-commit", timestamp: o.clock.now(), requestId: o.requestId, routeId: o.route.id, ttftMs: o.clock.now() - o.startedAt });

  let finished = false;
  let chunks = 0;
  const finish = async (outcome: StreamOutcome) => {
    if (finished) return;
    finished = true;
    if (o.events.active) {
      const u = outcome.usage;
      o.events.emit({
        type: "stream-end", timestamp: o.clock.now(), requestId: o.requestId, routeId: o.route.id, ok: outcome.ok, chunks, code: outcome.error?.code,
        ...(u ? { usage: { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens } } : {}),
      });
    }
    await o.onEnd(outcome);
  };
  if (ended) {
    // The upstream finished before any content (e.g. an empty answer): a complete stream.
    await finish({ ok: true, usage });
  }

  async function* relay(): AsyncGenerator<ChatCompletionChunk> {
    let deliveredChars = 0;
    let delivered = "";
    let sawToolCalls = false;
    const track = (chunk: ChatCompletionChunk) => {
      chunks++;
      const text = contentOf(chunk);
      deliveredChars += text.length;
      delivered += text;
      if (chunk.choices?.some((c) => (c.delta?.tool_calls?.length ?? 0) > 0)) sawToolCalls = true;
    };
    try {
      for (const chunk of held) {
        track(chunk);
        yield chunk;
      }
      if (ended) return;
      for (;;) {
        const cancelIdle = o.scope.arm(o.idleMs, "MM_TIMEOUT_IDLE", `stream from ${o.route.id} stalled: no chunk for ${o.idleMs} ms`, o.route);
        let next: IteratorResult<ChatCompletionChunk>;
        try {
          next = await o.scope.race(iterator.next());
        } finally {
          cancelIdle();
        }
        if (next.done) break;
        if (next.value.usage) usage = next.value.usage;
        track(next.value);
        yield next.value;
      }
      await finish({ ok: true, usage });
    } catch (thrown) {
      const cause = o.scope.abortError ?? thrown;
      const classified = normaliseError(cause, o.provider, { id: o.route.modelId, providerId: o.route.providerId });
      // Opt-in continuation: only plain text can be continued through a prefill.
      const continuation = o.resume && !sawToolCalls && delivered.length > 0 && !finished ? await o.resume(delivered, classified).catch(() => undefined) : undefined;
      if (continuation) {
        await finish({ ok: false, error: classified });
        yield* continueFrom(continuation, delivered, held[0]?.id ?? "", usage);
        return;
      }
      const interrupted = new StreamInterruptedError({
        message: `[modelmesh] [${o.route.id}] the stream was interrupted after ${deliveredChars} characters: ${classified.message}`,
        provider: o.route.providerId,
        model: o.route.modelId,
        status: classified.status,
        deliveredChars,
        trace: o.trace,
        cause: classified,
        metadata: { causeCategory: classified.category, causeCode: classified.code },
      });
      await finish({ ok: false, error: isModelMeshError(classified) ? classified : interrupted });
      throw interrupted;
    } finally {
      if (!finished) {
        // The consumer stopped early (break / return): cancel the upstream and release the route.
        o.scope.controller.abort();
        void iterator.return?.().catch(() => {});
        await finish({ ok: true, usage });
      }
    }
  }
  return relay();
}

function contentOf(chunk: ChatCompletionChunk): string {
  let text = "";
  for (const choice of chunk.choices ?? []) if (typeof choice.delta?.content === "string") text += choice.delta.content;
  return text;
}

/** Longest suffix of `partial` that the continuation repeats at its start (models sometimes restate). */
export function overlapLength(partial: string, continuation: string): number {
  const max = Math.min(partial.length, continuation.length, 512);
  for (let k = max; k > 0; k--) if (partial.endsWith(continuation.slice(0, k))) return k;
  return 0;
}

/**
 * Relays a continuation stream as the tail of the interrupted one: same chunk id, the repeated overlap
 * removed from its first content, role deltas dropped, usage merged (completion tokens of the delivered part
 * estimated at ~4 characters per token).
 */
async function* continueFrom(
  continuation: AsyncIterable<ChatCompletionChunk>,
  delivered: string,
  id: string,
  firstUsage: CompletionUsage | undefined,
): AsyncGenerator<ChatCompletionChunk> {
  let pending = "";
  let decided = false;
  const probeLength = Math.min(64, delivered.length);
  const deliveredTokens = firstUsage?.completion_tokens ?? Math.ceil(delivered.length / 4);
  for await (const raw of continuation) {
    const chunk: ChatCompletionChunk = { ...raw, id: id || raw.id };
    if (chunk.usage) {
      chunk.usage = {
        ...chunk.usage,
        completion_tokens: chunk.usage.completion_tokens + deliveredTokens,
        total_tokens: chunk.usage.total_tokens + deliveredTokens,
      };
    }
    if (decided) {
      yield chunk;
      continue;
    }
    const text = contentOf(chunk);
    pending += text;
    const ending = chunk.choices?.some((c) => c.finish_reason) || chunk.usage;
    if (pending.length < probeLength && !ending) continue;
    decided = true;
    const rest = pending.slice(overlapLength(delivered, pending));
    const choice = chunk.choices?.[0];
    yield {
      ...chunk,
      choices: [{ index: 0, delta: { content: rest }, finish_reason: choice?.finish_reason ?? null }],
    };
  }
}
