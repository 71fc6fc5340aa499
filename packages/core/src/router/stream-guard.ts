import type { CallOptions, ProviderConnectorV1 } from "../connectors/provider.js";
import { StreamInterruptedError } from "../errors/errors.js";
import type { ModelMeshError } from "../errors/model-mesh-error.js";
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

/**
 * When a stream attempt's output is released to the caller (docs/routing-defaults.md):
 * - `first_token`: at the first content, refusal or tool-call delta (the default; honest streaming);
 * - `complete`: only once the attempt finished cleanly, so any failure before its end fails over invisibly;
 * - `{ chars: N }`: once N characters of output are held (or the attempt finished);
 * - `{ ms: N }`: N ms after the first output (or when the attempt finished).
 * Before the commit point every failure fails over invisibly; after it, a failure is a typed interruption.
 */
export type StreamCommit = "first_token" | "complete" | { chars: number } | { ms: number };

interface OpenOptions {
  provider: ProviderConnectorV1;
  request: ChatCompletionRequest;
  call: CallOptions;
  scope: AttemptScope;
  clock: Clock;
  route: { id: string; providerId: string; modelId: string };
  events: MeshEventBus;
  requestId: string;
  startedAt: number;
  trace: RoutingTrace;
  /** Commit point; default `first_token`. */
  commit?: StreamCommit;
  /** Called once with the time to the first output, for the adaptive first-token budget. */
  onFirstOutput?: (ms: number) => void;
  onEnd: (outcome: StreamOutcome) => Promise<void>;
  /**
   * Opens a continuation after a post-commit interruption: the partial text is sent as an assistant prefill to
   * another (prefill-capable) model. Undefined when resuming is off or impossible.
   */
  resume?: (partialText: string, cause: ModelMeshError) => Promise<AsyncIterable<ChatCompletionChunk> | undefined>;
}

const COMMIT_TIMER = Symbol("commit-timer");

/**
 * Opens a provider stream and holds it until its commit point (see {@link StreamCommit}). Any failure before
 * commit rejects (the router fails over invisibly). Resolves with an iterable that replays the held chunks,
 * then relays the rest under an idle timeout. After commit, a cut, stall or broken stream throws a
 * StreamInterruptedError; the iterable ends cleanly only when the provider's stream ended cleanly.
 */
export async function openCommittedStream(o: OpenOptions): Promise<AsyncIterable<ChatCompletionChunk>> {
  const iterator = o.provider.stream(o.request, o.call)[Symbol.asyncIterator]();
  const commit = o.commit ?? "first_token";
  const held: ChatCompletionChunk[] = [];
  let ended = false;
  let usage: CompletionUsage | undefined;
  /** A read started before a `{ ms }` commit fired; the relay takes it over. */
  let pending: Promise<IteratorResult<ChatCompletionChunk>> | undefined;
  let outputStarted = false;
  let heldChars = 0;
  let cancelCommitTimer: (() => void) | undefined;
  let commitTimer: Promise<typeof COMMIT_TIMER> | undefined;
  try {
    for (;;) {
      let next: IteratorResult<ChatCompletionChunk> | typeof COMMIT_TIMER;
      pending ??= iterator.next();
      // Once output is held (a buffered mode), the scope bounds the gaps between chunks by the idle timeout.
      next = await (commitTimer ? Promise.race([o.scope.race(pending), commitTimer]) : o.scope.race(pending));
      if (next === COMMIT_TIMER) break;
      pending = undefined;
      o.scope.touch();
      if (next.done) {
        ended = true;
        break;
      }
      held.push(next.value);
      if (next.value.usage) usage = next.value.usage;
      if (!outputStarted && isCommitChunk(next.value)) {
        outputStarted = true;
        o.onFirstOutput?.(o.clock.now() - o.startedAt);
        if (commit === "first_token") break;
        o.scope.outputStarted();
        if (typeof commit === "object" && "ms" in commit) {
          commitTimer = new Promise((resolve) => {
            cancelCommitTimer = o.clock.setTimer(() => resolve(COMMIT_TIMER), commit.ms);
          });
        }
      }
      if (outputStarted && typeof commit === "object" && "chars" in commit) {
        heldChars += outputLength(next.value);
        if (heldChars >= commit.chars) break;
      }
    }
  } catch (error) {
    void iterator.return?.().catch(() => {});
    throw error;
  } finally {
    cancelCommitTimer?.();
  }
  o.scope.committed();
  // Until the consumer asks for more, the idle timeout waits (the relay resumes it for each upstream read).
  o.scope.pauseIdle();
  if (o.events.wants("stream-commit")) o.events.emit({ type: "stream-commit", timestamp: o.clock.now(), requestId: o.requestId, routeId: o.route.id, ttftMs: o.clock.now() - o.startedAt });

  let finished = false;
  let chunks = 0;
  const finish = async (outcome: StreamOutcome) => {
    if (finished) return;
    finished = true;
    if (o.events.wants("stream-end")) {
      const u = outcome.usage;
      o.events.emit({
        type: "stream-end", timestamp: o.clock.now(), requestId: o.requestId, routeId: o.route.id, ok: outcome.ok, chunks, code: outcome.error?.code,
        ...(u ? { usage: { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens } } : {}),
      });
    }
    await o.onEnd(outcome);
  };
  if (ended) {
    // The upstream finished before the commit point (an empty answer, or a held one): a complete stream.
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
      // The delivered text is kept only when it may be needed as a resume prefill.
      if (o.resume) delivered += text;
      if (chunk.choices?.some((c) => (c.delta?.tool_calls?.length ?? 0) > 0)) sawToolCalls = true;
    };
    try {
      for (const chunk of held) {
        track(chunk);
        yield chunk;
      }
      if (ended) return;
      for (;;) {
        // The scope's idle timeout bounds the gap until this read settles (touch below restarts it).
        const read = pending ?? iterator.next();
        pending = undefined;
        o.scope.resumeIdle();
        const next = await o.scope.race(read);
        o.scope.pauseIdle();
        if (next.done) break;
        if (next.value.usage) usage = next.value.usage;
        track(next.value);
        yield next.value;
      }
      await finish({ ok: true, usage });
    } catch (thrown) {
      const cause = o.scope.abortError ?? thrown;
      const classified = normaliseError(cause, o.provider, { id: o.route.modelId, providerId: o.route.providerId });
      const interrupted = (resumeError?: unknown) =>
        new StreamInterruptedError({
          message: `[modelmesh] [${o.route.id}] the stream was interrupted after ${deliveredChars} characters: ${classified.message}`,
          provider: o.route.providerId,
          model: o.route.modelId,
          status: classified.status,
          deliveredChars,
          trace: o.trace,
          cause: classified,
          metadata: {
            causeCategory: classified.category,
            causeCode: classified.code,
            ...(resumeError !== undefined ? { resumeError: resumeError instanceof Error ? resumeError.message : String(resumeError) } : {}),
          },
        });
      // Opt-in continuation: only plain text can be continued through a prefill.
      const continuation = o.resume && !sawToolCalls && delivered.length > 0 && !finished ? await o.resume(delivered, classified).catch(() => undefined) : undefined;
      if (continuation) {
        await finish({ ok: false, error: classified });
        try {
          yield* continueFrom(continuation, delivered, held[0]?.id ?? "", usage);
        } catch (resumeError) {
          // The continuation failed too: the caller learns about the original interruption, not the rejection.
          o.trace.warnings.push(`resume after the interruption of ${o.route.id} failed: ${resumeError instanceof Error ? resumeError.message : String(resumeError)}`);
          throw interrupted(resumeError);
        }
        return;
      }
      await finish({ ok: false, error: classified });
      throw interrupted();
    } finally {
      if (!finished) {
        // The consumer stopped early (break / return): cancel the upstream and release the route.
        o.scope.abort();
        void pending?.catch(() => {});
        void iterator.return?.().catch(() => {});
        await finish({ ok: true, usage });
      }
    }
  }
  return relay();
}

/** Characters of output in a chunk: content, refusal and tool-call arguments. */
function outputLength(chunk: ChatCompletionChunk): number {
  let n = 0;
  for (const choice of chunk.choices ?? []) {
    const delta = choice.delta ?? {};
    if (typeof delta.content === "string") n += delta.content.length;
    if (typeof delta.refusal === "string") n += delta.refusal.length;
    for (const call of delta.tool_calls ?? []) n += (call.function?.arguments?.length ?? 0) + (call.function?.name?.length ?? 0);
  }
  return n;
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
