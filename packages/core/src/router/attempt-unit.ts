import type { CallOptions, ProviderConnectorV1, RateLimitInfo } from "../connectors/provider.js";
import { isLocalFailure } from "../errors/local-resource.js";
import type { ModelMeshError } from "../errors/model-mesh-error.js";
import type { MeshEventBus } from "../events/events.js";
import type { AbortWatch } from "../internal/abort.js";
import type { Clock } from "../internal/clock.js";
import { costOf } from "../internal/pricing.js";
import type { AcquireResult, ProviderDescriptor, RouteDescriptor, StateLedger } from "../state/ledger.js";
import { CALLER_CATEGORIES } from "../state/route-record.js";
import type { CompletionUsage } from "../wire/chat.js";
import { AttemptScope } from "./attempt.js";
import type { TraceAttempt } from "./trace.js";
import type { RouterModel, RouterPool } from "./types.js";

const RESOLVED: Promise<void> = Promise.resolve();

/** Where a routed call's `signal` accessor finds its attempt scope. */
const CALL_SCOPE: unique symbol = Symbol("modelmesh.callScope");

/** The `signal` of every routed call: one getter shared by all of them (see {@link RouteAttempt}). */
const SIGNAL_OF_SCOPE: PropertyDescriptor = {
  get(this: { [CALL_SCOPE]: AttemptScope }): AbortSignal {
    return this[CALL_SCOPE].signal;
  },
  enumerable: true,
  configurable: true,
};

/** What an attempt needs from its router and request. */
export interface AttemptContext {
  ledger: StateLedger;
  clock: Clock;
  events: MeshEventBus;
  pool: RouterPool;
  requestId: string;
  sessionKey: string | undefined;
  stream: boolean;
  deadline: number;
  /** The caller's cancellation (its AbortSignal seen as a watch, or the watch it gave). */
  caller: AbortWatch | undefined;
  /** Where the attempt's non-fatal provider warnings go (the routing trace). */
  warnings: string[];
}

/** What the selected route brings to an attempt. */
export interface AttemptTarget {
  model: RouterModel;
  route: RouteDescriptor;
  provider: ProviderDescriptor;
  connector: ProviderConnectorV1;
  admitted: Extract<AcquireResult, { ok: true }>;
  /** The first-token (stream) or response (non-stream) budget; absent: only the deadline. */
  budgetMs: number | undefined;
  connectMs: number;
  idleMs: number;
  responseLimits: CallOptions["responseLimits"];
}

/** How an attempt's output ended: a non-streamed answer at once, a stream when it ends (or breaks after commit). */
export interface AttemptOutcome {
  ok: boolean;
  /** Token counts of the answer (an absent count is 0). */
  usage?: Partial<Pick<CompletionUsage, "prompt_tokens" | "completion_tokens">> | null;
  error?: ModelMeshError;
}

/**
 * One attempt on one route (docs/ARCHITECTURE.md §4, step 3): its trace entry, its scope (the one timer and
 * abort chain, docs/ARCHITECTURE.md §2.5), the call options the provider gets, and the single place its
 * outcome is recorded.
 * Streams and non-streams succeed the same way: {@link settle} records the outcome, releases the route and
 * tells the strategy, once — for a non-streamed answer when it arrives, for a stream when it ends.
 * A failure before any output is not settled here: the router classifies it and decides (retry, rotate,
 * surface), then calls {@link release}.
 */
export class RouteAttempt {
  readonly entry: TraceAttempt;
  readonly scope: AttemptScope;
  readonly call: CallOptions;
  /** Rate limits the upstream's response headers taught, recorded with the outcome. */
  learned: RateLimitInfo | undefined;
  #released = false;
  #settled = false;

  constructor(
    readonly context: AttemptContext,
    readonly target: AttemptTarget,
    entry: TraceAttempt,
  ) {
    this.entry = entry;
    const { model, route } = target;
    const stream = context.stream;
    this.scope = new AttemptScope(context.clock, {
      caller: context.caller,
      deadline: context.deadline,
      budgetMs: target.budgetMs,
      budgetCode: stream ? "MM_TIMEOUT_FIRST_TOKEN" : "MM_TIMEOUT_RESPONSE",
      idleMs: target.idleMs,
      idleSubject: stream ? "stream" : "response body",
      route: { id: route.routeId, providerId: model.providerId },
    });
    const scope = this.scope;
    // The provider gets the scope's abort and, for its transport, the connect timeout; nothing else times it.
    // The abort as an AbortSignal is created only if the provider reads `signal`; `abort` is the cheap view.
    // `signal` stays an own enumerable accessor (a spread of the options still copies the signal), defined with
    // the shared getter of {@link SIGNAL_OF_SCOPE}: a getter written in the object literal would cost a fresh
    // accessor pair and hidden class per call (about 1 µs). Optional members are added in place (not spread in).
    const fields: Omit<CallOptions, "signal"> & { [CALL_SCOPE]: AttemptScope } = {
      abort: scope,
      deadline: context.deadline,
      requestId: context.requestId,
      attempt: entry.attempt,
      timeouts: { connectMs: target.connectMs },
      [CALL_SCOPE]: scope,
    };
    const call = Object.defineProperty(fields, "signal", SIGNAL_OF_SCOPE) as typeof fields & Pick<CallOptions, "signal">;
    if (target.responseLimits) call.responseLimits = target.responseLimits;
    call.onResponse = (meta) => {
      if (meta.rateLimit) this.learned = meta.rateLimit;
      // A non-streamed body: once the headers are in, the gaps between its chunks are bounded too.
      if (!stream) scope.startIdle();
    };
    if (!stream) call.onProgress = () => scope.touch();
    call.onWarning = (message) => {
      if (context.warnings.length < 50) context.warnings.push(`${model.providerId}: ${message}`);
      if (context.events.wants("warning")) context.events.emit({ type: "warning", timestamp: context.clock.now(), requestId: context.requestId, routeId: route.routeId, message });
    };
    this.call = call;
  }

  /** Milliseconds since the attempt started. */
  elapsed(): number {
    return this.context.clock.now() - this.entry.startedAt;
  }

  /** Gives the route's admission back to the ledger (in-flight count, probe lease). Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    void this.context.ledger.release(this.target.route, this.target.admitted);
  }

  /**
   * Records how the attempt's output ended (latency, tokens, cost and learned limits on success; the failure of
   * a committed stream otherwise), releases the route and tells the strategy. Runs once.
   */
  settle(outcome: AttemptOutcome): Promise<void> {
    try {
      return this.#settle(outcome);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // A promise chain rather than an async frame: this runs once per successful request.
  #settle(outcome: AttemptOutcome): Promise<void> {
    if (this.#settled) return RESOLVED;
    this.#settled = true;
    this.scope.dispose();
    const { ledger, pool } = this.context;
    const { route, provider, model } = this.target;
    const latencyMs = this.elapsed();
    let recorded: Promise<unknown> | undefined;
    if (outcome.ok) {
      const usage = outcome.usage;
      recorded = ledger.recordSuccess(
        route,
        provider,
        {
          latencyMs,
          promptTokens: usage?.prompt_tokens ?? 0,
          completionTokens: usage?.completion_tokens ?? 0,
          // No pricing: no cost (what `costOf` says), without making its argument.
          costUsd: usage && model.pricing ? costOf({ promptTokens: usage.prompt_tokens ?? 0, completionTokens: usage.completion_tokens ?? 0 }, model.pricing) : 0,
          rateLimit: this.learned,
        },
        pool.policies,
      );
    } else if (outcome.error && !CALLER_CATEGORIES.has(outcome.error.category) && !isLocalFailure(outcome.error)) {
      recorded = ledger.recordFailure(route, provider, { category: outcome.error.category, status: outcome.error.status, latencyMs }, pool.policies);
    }
    if (recorded === undefined) {
      this.#afterRecord(outcome.ok, latencyMs);
      return RESOLVED;
    }
    return recorded.then(() => this.#afterRecord(outcome.ok, latencyMs));
  }

  /** After the outcome is recorded: the route is released and the strategy told. */
  #afterRecord(ok: boolean, latencyMs: number): void {
    const { pool, sessionKey } = this.context;
    this.release();
    pool.policies.selection.observe?.({ routeId: this.target.route.routeId, ok, latencyMs, poolId: pool.id, sessionKey });
  }
}
