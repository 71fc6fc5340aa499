import { checkVirtualNameLength, resolveVirtualName, poolMembers } from "../capability/resolve-name.js";
import type { CapabilityTreeView } from "../capability/types.js";
import type { CallOptions, ProviderConnectorV1 } from "../connectors/provider.js";
import type { DeactivationReason, RotationPolicySet, RouteSnapshot } from "../connectors/rotation.js";
import { isEndpointFailure } from "../errors/endpoint-failure.js";
import { isLocalFailure } from "../errors/local-resource.js";
import { DeadlineExceededError, RoutingError } from "../errors/errors.js";
import { ModelMeshError } from "../errors/model-mesh-error.js";
import { MeshEventBus } from "../events/events.js";
import { sleep, systemClock, type Clock } from "../internal/clock.js";
import { costOf } from "../internal/pricing.js";
import type { StateLedger, RouteDescriptor, ProviderDescriptor } from "../state/ledger.js";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from "../wire/chat.js";
import type {
  EmbeddingRequest,
  EmbeddingResponse,
  ImageGenerationRequest,
  ImagesResponse,
  SpeechRequest,
  SpeechResponse,
  TranscriptionRequest,
  TranscriptionResponse,
} from "../wire/media.js";
import { AttemptScope } from "./attempt.js";
import { CALLER_CATEGORIES, decide, exhaustedError, normaliseError } from "./decide.js";
import { FirstTokenBudgets } from "./first-token.js";
import { chatRequirements, estimatePromptTokens, type Requirement } from "./requirements.js";
import { openCommittedStream, type StreamCommit } from "./stream-guard.js";
import type { RoutingTrace, TraceAttempt, TraceCandidate } from "./trace.js";
import type { RequestOptions, Routed, RouterModel, RouterPool, RouterProvider, RoutingDefaults } from "./types.js";

/** Endpoint kinds and the capability root a model must serve for each (chat: anything else). */
const KIND_ROOTS = {
  embeddings: "representation.embeddings",
  images: "generation.image-generation",
  speech: "generation.audio-generation.text-to-speech",
  transcription: "understanding.audio-understanding.speech-to-text",
} as const;
type Kind = RoutingTrace["kind"];

/** What the router needs to run. Built from config by `createMesh`, or by hand in tests and embedders. */
export interface RouterOptions {
  providers: ReadonlyMap<string, RouterProvider>;
  models: ReadonlyMap<string, RouterModel>;
  pools: Map<string, RouterPool>;
  tree: CapabilityTreeView;
  ledger: StateLedger;
  defaults: RoutingDefaults;
  /** Builds a pool for a capability node or a single model that has no configured pool. */
  createPool: (spec: { id: string; capability?: string; members: string[] }) => RouterPool;
  clock?: Clock;
  events?: MeshEventBus;
  /** Random source in [0, 1) for jitter and strategies (seed it in tests). */
  random?: () => number;
}

/** Per-request working state. */
interface RequestState {
  requestId: string;
  kind: Kind;
  stream: boolean;
  pool: RouterPool;
  trace: RoutingTrace;
  deadline: number;
  signal: AbortSignal | undefined;
  requirements: Requirement[];
  candidates: Map<string, { model: RouterModel; route: RouteDescriptor; trace: TraceCandidate }>;
  tried: Set<string>;
  errors: ModelMeshError[];
  sameRouteRetries: Map<string, number>;
  minContextWindow?: number;
  sessionKey?: string;
  /** Routes refused or parked for quota, with when their window resets. */
  quotaBlocked: Map<string, number>;
  /** Waits for a parked endpoint done in this request (at most one). */
  endpointWaits: number;
  /** Resume a broken committed stream on a prefill-capable model. */
  resume: boolean;
  /** When a stream's output is released. */
  commit: StreamCommit;
  /** Estimated prompt tokens (computed once, on first use). */
  promptTokens?: number;
  request: Record<string, unknown>;
}

let requestCounter = 0;

/** Standby reasons that mean "out of quota until a window resets" (free-tier caps included). */
const QUOTA_REASONS: ReadonlySet<DeactivationReason> = new Set(["quota_exhausted", "request_limit", "token_limit", "budget_exceeded"]);

/**
 * The routing pipeline of ARCHITECTURE §2.7: resolve the virtual name → pool candidates → requirement filter →
 * state filter → selection → attempt → classify → retry / rotate / deactivate → … until success, deadline or no
 * candidates. Every result and every failure carries a routing trace.
 */
export class Router {
  readonly events: MeshEventBus;
  readonly clock: Clock;
  readonly #o: RouterOptions;
  readonly #random: () => number;
  readonly #routeCache = new Map<string, RouteDescriptor>();
  /** Observed first-token times per route and the budgets learned from them. */
  readonly #firstToken = new FirstTokenBudgets();
  /** `<kind>\u0000<modelId>` → whether the model serves that endpoint kind (tree walks are not per request). */
  readonly #servesKind = new Map<string, boolean>();

  constructor(options: RouterOptions) {
    this.#o = options;
    this.clock = options.clock ?? systemClock;
    this.events = options.events ?? new MeshEventBus();
    this.#random = options.random ?? Math.random;
  }

  /** The pools, models and providers this router serves. */
  get pools(): ReadonlyMap<string, RouterPool> {
    return this.#o.pools;
  }
  get models(): ReadonlyMap<string, RouterModel> {
    return this.#o.models;
  }
  get providers(): ReadonlyMap<string, RouterProvider> {
    return this.#o.providers;
  }
  get ledger(): StateLedger {
    return this.#o.ledger;
  }

  /** Non-streamed chat completion. */
  async chat(request: ChatCompletionRequest, options: RequestOptions = {}): Promise<Routed<ChatCompletion>> {
    const state = this.#begin("chat", request, false, options);
    return this.#run(state, (p, m, call) => p.complete({ ...request, model: m.upstreamModel }, call), (r) => r.usage);
  }

  /**
   * Streamed chat completion. Resolves once the stream has committed (by default its first content or
   * tool-call delta; see `StreamCommit`); every failure before that fails over invisibly. After commit, a
   * cut, stall or broken stream throws a StreamInterruptedError from the iterator — never a clean end.
   */
  async chatStream(request: ChatCompletionRequest, options: RequestOptions = {}): Promise<Routed<AsyncIterable<ChatCompletionChunk>>> {
    const state = this.#begin("chat", request, true, options);
    return this.#run(state, undefined, undefined);
  }

  /** Embeddings. */
  embed(request: EmbeddingRequest, options: RequestOptions = {}): Promise<Routed<EmbeddingResponse>> {
    const state = this.#begin("embeddings", request, false, options);
    return this.#run(state, (p, m, call) => this.#need(p, "embed", m)({ ...request, model: m.upstreamModel }, call), (r) => r.usage);
  }

  /** Image generation. */
  generateImage(request: ImageGenerationRequest, options: RequestOptions = {}): Promise<Routed<ImagesResponse>> {
    const state = this.#begin("images", request, false, options);
    return this.#run(state, (p, m, call) => this.#need(p, "generateImage", m)({ ...request, model: m.upstreamModel }, call), undefined);
  }

  /** Text to speech. */
  speech(request: SpeechRequest, options: RequestOptions = {}): Promise<Routed<SpeechResponse>> {
    const state = this.#begin("speech", request, false, options);
    return this.#run(state, (p, m, call) => this.#need(p, "speech", m)({ ...request, model: m.upstreamModel }, call), undefined);
  }

  /** Speech to text. */
  transcribe(request: TranscriptionRequest, options: RequestOptions = {}): Promise<Routed<TranscriptionResponse>> {
    const state = this.#begin("transcription", request, false, options);
    return this.#run(state, (p, m, call) => this.#need(p, "transcribe", m)({ ...request, model: m.upstreamModel }, call), undefined);
  }

  /**
   * Dry run: where would this request go and why. Resolves and filters exactly like a real request, asks the
   * strategy for its pick, and returns the trace without calling any upstream.
   */
  async explain(request: ChatCompletionRequest | EmbeddingRequest, options: RequestOptions & { kind?: Kind; stream?: boolean } = {}): Promise<RoutingTrace> {
    const state = this.#begin(options.kind ?? "chat", request, options.stream ?? Boolean((request as ChatCompletionRequest).stream), options);
    const eligible = await this.#eligible(state);
    const pick = eligible.length > 0 ? this.#select(state, eligible) : null;
    if (pick) state.trace.final = this.#finalOf(state, pick.routeId);
    state.trace.warnings.push(pick ? `would select ${pick.routeId}: ${pick.reason}` : "no candidate is eligible");
    state.trace.endedAt = this.clock.now();
    return state.trace;
  }

  /**
   * The pool a virtual name routes to (configured, predefined, or the on-demand `capability:<node>` /
   * `model:<id>` pool), without sending anything. Throws `MM_UNKNOWN_MODEL` like a request would.
   */
  resolvePoolId(name: string, kind: Kind = "chat"): string {
    const trace: RoutingTrace = { requestId: "resolve", requested: name, kind, stream: false, requirements: [], candidates: [], attempts: [], warnings: [], startedAt: 0, deadlineMs: 0 };
    return this.#resolvePool(name, kind, trace).id;
  }

  // -- request set-up ----------------------------------------------------------------------------------

  #need<K extends "embed" | "generateImage" | "speech" | "transcribe">(provider: ProviderConnectorV1, method: K, model: RouterModel): NonNullable<ProviderConnectorV1[K]> {
    const fn = provider[method];
    if (typeof fn !== "function") {
      throw new ModelMeshError({ code: "MM_NOT_SUPPORTED", category: "invalid_request", message: `[modelmesh] [${model.providerId}] provider does not implement ${method}`, provider: model.providerId, model: model.id });
    }
    return fn.bind(provider) as NonNullable<ProviderConnectorV1[K]>;
  }

  #begin(kind: Kind, request: { model?: string | null }, stream: boolean, options: RequestOptions): RequestState {
    const now = this.clock.now();
    const requestId = options.requestId ?? `mm-${now.toString(36)}-${(++requestCounter).toString(36)}`;
    const requested = typeof request.model === "string" ? request.model : "";
    // Before anything keeps or emits the name: an oversized one fails at once, at a cost independent of its length.
    checkVirtualNameLength(requested);
    const trace: RoutingTrace = { requestId, requested, kind, stream, requirements: [], candidates: [], attempts: [], warnings: [], startedAt: now, deadlineMs: 0 };
    if (this.events.active) this.events.emit({ type: "request-start", timestamp: now, requestId, requested, kind, stream });
    const pool = this.#resolvePool(requested, kind, trace);
    const deadlineMs = options.deadlineMs ?? pool.deadlineMs ?? this.#o.defaults.deadlineMs;
    trace.deadlineMs = deadlineMs;
    const state: RequestState = {
      requestId, kind, stream, pool, trace, deadline: now + deadlineMs, signal: options.signal,
      requirements: kind === "chat" ? chatRequirements(request as ChatCompletionRequest, { stream }) : [],
      candidates: new Map(), tried: new Set(), errors: [], sameRouteRetries: new Map(), quotaBlocked: new Map(), endpointWaits: 0,
      resume: options.resume ?? this.#o.defaults.resumeStreams ?? false,
      commit: options.streamCommit ?? pool.streamCommit ?? this.#o.defaults.streamCommit ?? "first_token",
      request: request as Record<string, unknown>,
      sessionKey: sessionKeyOf(pool, request as Record<string, unknown>, options.headers),
    };
    trace.requirements = state.requirements.map((r) => r.name);
    this.#collectCandidates(state);
    return state;
  }

  #resolvePool(name: string, kind: Kind, trace: RoutingTrace): RouterPool {
    const o = this.#o;
    let resolution;
    try {
      resolution = resolveVirtualName(name, { tree: o.tree, pools: o.pools, models: o.models });
    } catch (error) {
      trace.outcome = "error";
      throw error;
    }
    let pool: RouterPool | undefined;
    if (resolution.kind === "pool") pool = o.pools.get(resolution.poolId);
    else if (resolution.kind === "model") {
      const id = `model:${resolution.modelId}`;
      pool = o.pools.get(id) ?? this.#addPool({ id, members: [resolution.modelId] });
    } else {
      pool = resolution.poolId ? o.pools.get(resolution.poolId) : undefined;
      if (!pool) {
        const id = `capability:${resolution.node}`;
        pool = o.pools.get(id) ?? this.#addPool({ id, capability: resolution.node, members: poolMembers({ capability: resolution.node }, this.#memberModels(), o.tree) });
      }
    }
    trace.resolution = { kind: resolution.kind, poolId: pool!.id, node: resolution.kind === "model" ? undefined : (resolution as { node?: string }).node };
    void kind;
    return pool!;
  }

  #memberModels(): Array<{ id: string; providerId: string; capabilities: string[] }> {
    return [...this.#o.models.values()];
  }

  #addPool(spec: { id: string; capability?: string; members: string[] }): RouterPool {
    const pool = this.#o.createPool(spec);
    this.#o.pools.set(pool.id, pool);
    return pool;
  }

  /** Pool members → candidates, with the kind and requirement filters applied once. */
  #collectCandidates(state: RequestState): void {
    const root = state.kind === "chat" ? undefined : KIND_ROOTS[state.kind];
    state.pool.members.forEach((modelId, order) => {
      const model = this.#o.models.get(modelId);
      if (!model) return;
      const traceEntry: TraceCandidate = { routeId: routeIdOf(model), modelId: model.id, providerId: model.providerId };
      state.trace.candidates.push(traceEntry);
      if (!this.#serves(model, state.kind, root)) {
        traceEntry.excluded = { stage: "pool", reason: `does not serve ${state.kind}` };
        return;
      }
      for (const requirement of state.requirements) {
        const why = requirement.check(model);
        if (why) {
          traceEntry.excluded = { stage: "requirement", requirement: requirement.name, reason: why };
          return;
        }
      }
      state.candidates.set(traceEntry.routeId, { model, route: this.#routeOf(model, order, state.pool.id), trace: traceEntry });
    });
  }

  #serves(model: RouterModel, kind: Kind, root: string | undefined): boolean {
    const key = `${kind}\u0000${model.id}`;
    let serves = this.#servesKind.get(key);
    if (serves === undefined) {
      const tree = this.#o.tree;
      serves = root
        ? model.capabilities.some((c) => tree.isAncestorOrSelf(root, c))
        : model.capabilities.some((c) => !Object.values(KIND_ROOTS).some((r) => tree.isAncestorOrSelf(r, c)));
      this.#servesKind.set(key, serves);
    }
    return serves;
  }

  #routeOf(model: RouterModel, order: number, poolId: string): RouteDescriptor {
    const key = `${poolId}\u0000${model.id}`;
    let route = this.#routeCache.get(key);
    if (!route) {
      const provider = this.#o.providers.get(model.providerId);
      route = {
        routeId: routeIdOf(model), providerId: model.providerId, modelId: model.id, upstreamModel: model.upstreamModel, order,
        pricing: model.pricing, contextWindow: model.contextWindow, features: model.features, limits: model.limits, quotaClock: provider?.quotaClock,
      };
      this.#routeCache.set(key, route);
    }
    return route;
  }

  #providerOf(providerId: string): ProviderDescriptor {
    const provider = this.#o.providers.get(providerId);
    return { providerId, limits: provider?.limits, quotaClock: provider?.quotaClock };
  }

  /**
   * Re-applies requirements that changed mid-request: after a context_length error only models with an equal
   * or larger window stay (tokenizers differ between vendors, so an equal window on another model may fit).
   */
  #refilter(state: RequestState): void {
    if (state.minContextWindow === undefined) return;
    const floor = state.minContextWindow;
    for (const [routeId, candidate] of state.candidates) {
      const window = candidate.model.contextWindow;
      if (window !== undefined && window < floor) {
        candidate.trace.excluded = { stage: "requirement", requirement: "context_window", reason: `context_window ${window} is smaller than ${floor}, which was exceeded` };
        state.candidates.delete(routeId);
      }
    }
  }

  /** State filter: snapshots of the untried candidates that are active (or half-open) on an active provider. */
  async #eligible(state: RequestState): Promise<RouteSnapshot[]> {
    const eligible: RouteSnapshot[] = [];
    const ledger = this.#o.ledger;
    for (const [routeId, candidate] of state.candidates) {
      if (state.tried.has(routeId)) continue;
      const providerStatus = await ledger.providerStatus(candidate.model.providerId);
      if (providerStatus.status === "standby") {
        candidate.trace.excluded = { stage: "state", reason: `provider ${candidate.model.providerId} on standby (${providerStatus.reason ?? "unknown"})${providerStatus.until ? ` until ${new Date(providerStatus.until).toISOString()}` : ""}` };
        continue;
      }
      const snapshot = await ledger.snapshot(candidate.route, state.pool.policies);
      if (snapshot.status === "standby" && snapshot.circuit !== "half-open") {
        if (snapshot.reason !== undefined && QUOTA_REASONS.has(snapshot.reason) && snapshot.standbyUntil !== undefined) state.quotaBlocked.set(routeId, snapshot.standbyUntil);
        candidate.trace.excluded = { stage: "state", reason: `on standby (${snapshot.reason ?? "unknown"})${snapshot.standbyUntil ? ` until ${new Date(snapshot.standbyUntil).toISOString()}` : ""}` };
        continue;
      }
      if (candidate.trace.excluded?.stage === "state") delete candidate.trace.excluded;
      eligible.push(snapshot);
    }
    return eligible;
  }

  /**
   * Asks the pool's strategy, except after a context_length error in this request: then the model with the
   * largest declared window goes first (ties in pool order; unknown windows last), whatever the strategy.
   */
  #select(state: RequestState, eligible: RouteSnapshot[]) {
    if (state.minContextWindow !== undefined) {
      let best: RouteSnapshot | undefined;
      for (const candidate of eligible) {
        const window = candidate.contextWindow ?? -1;
        if (!best || window > (best.contextWindow ?? -1)) best = candidate;
      }
      return { routeId: best!.routeId, reason: `context length exceeded on an earlier attempt: the largest remaining window (${best!.contextWindow ?? "unknown"})` };
    }
    return state.pool.policies.selection.select(eligible, this.#selectionContext(state));
  }

  #selectionContext(state: RequestState) {
    return {
      poolId: state.pool.id,
      request: state.request,
      sessionKey: state.sessionKey,
      now: this.clock.now(),
      random: this.#random,
      estimatedPromptTokens: state.kind === "chat" ? (state.promptTokens ??= estimatePromptTokens(state.request as unknown as ChatCompletionRequest)) : 0,
      tried: [...state.tried],
      unavailable: this.#unavailable(state),
      requirementFiltered: state.trace.candidates.filter((c) => c.excluded?.stage === "requirement" || c.excluded?.stage === "pool").length,
    };
  }

  #unavailable(state: RequestState): Set<string> {
    const out = new Set(state.tried);
    for (const candidate of state.trace.candidates) if (candidate.excluded?.stage === "state") out.add(candidate.routeId);
    return out;
  }

  #finalOf(state: RequestState, routeId: string) {
    const model = state.candidates.get(routeId)!.model;
    return { routeId, modelId: model.id, providerId: model.providerId, upstreamModel: model.upstreamModel };
  }

  // -- the loop ----------------------------------------------------------------------------------------

  async #run<T>(
    state: RequestState,
    invoke: ((provider: ProviderConnectorV1, model: RouterModel, call: CallOptions) => Promise<T>) | undefined,
    usageOf: ((value: T) => { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | undefined) | undefined,
  ): Promise<Routed<T>> {
    const { trace, pool } = state;
    const maxAttempts = pool.retry.maxTotalAttempts;
    for (;;) {
      if (this.clock.now() >= state.deadline) throw this.#fail(state, new DeadlineExceededError({ deadlineMs: trace.deadlineMs, trace, cause: state.errors.at(-1) }));
      if (trace.attempts.length >= maxAttempts) throw this.#fail(state, this.#noMore(state));
      const eligible = await this.#eligible(state);
      const pick = eligible.length > 0 ? this.#select(state, eligible) : null;
      if (!pick) {
        const waited = await this.#waitForEarliest(state, eligible.length === 0);
        if (waited) continue;
        throw this.#fail(state, this.#noMore(state));
      }
      const candidate = state.candidates.get(pick.routeId);
      if (!candidate) throw this.#fail(state, new ModelMeshError({ code: "MM_INTERNAL", category: "internal", message: `[modelmesh] [${pool.policies.selection.id}] selected '${pick.routeId}', which is not a candidate` }));
      const { model, route } = candidate;
      const providerEntry = this.#o.providers.get(model.providerId)!;
      const provider = this.#providerOf(model.providerId);
      const admitted = await this.#o.ledger.acquire(route, provider);
      if (!admitted.ok) {
        candidate.trace.excluded = { stage: "state", reason: admitted.retryAt ? `${admitted.reason} until ${new Date(admitted.retryAt).toISOString()}` : admitted.reason };
        if (admitted.kind === "quota" && admitted.retryAt !== undefined) state.quotaBlocked.set(route.routeId, admitted.retryAt);
        state.tried.add(route.routeId);
        continue;
      }
      const attemptNo = trace.attempts.length + 1;
      const previous = trace.attempts.at(-1);
      if (previous && previous.routeId !== route.routeId && this.events.active) {
        this.events.emit({ type: "rotation", timestamp: this.clock.now(), requestId: state.requestId, poolId: pool.id, from: previous.routeId, to: route.routeId, reason: previous.error?.category ?? "unknown" });
      }
      if (this.events.active) {
        this.events.emit({ type: "route-selected", timestamp: this.clock.now(), requestId: state.requestId, poolId: pool.id, routeId: route.routeId, strategy: pool.policies.selection.id, reason: pick.reason, attempt: attemptNo, eligible: eligible.length, excluded: trace.candidates.length - eligible.length });
        this.events.emit({ type: "attempt-start", timestamp: this.clock.now(), requestId: state.requestId, attempt: attemptNo, routeId: route.routeId, providerId: model.providerId, modelId: model.id });
      }
      const entry: TraceAttempt = { attempt: attemptNo, routeId: route.routeId, modelId: model.id, providerId: model.providerId, selectedBy: pool.policies.selection.id, reason: pick.reason, startedAt: this.clock.now(), latencyMs: 0, ok: false, action: "rotate" };
      trace.attempts.push(entry);
      const timeouts = { ...this.#o.defaults, ...providerEntry.timeouts };
      // Streams: the route's first-token budget (model, then pool, then provider, then routing; `auto` learns it).
      // Non-streams: the response budget, else the time left before the deadline.
      const attemptBudget = state.stream
        ? this.#firstToken.budget(route.routeId, model.firstTokenMs ?? pool.firstTokenMs ?? timeouts.firstTokenMs, model.features.reasoning === true)
        : timeouts.responseMs;
      const scope = new AttemptScope(this.clock, {
        callerSignal: state.signal,
        deadline: state.deadline,
        timeoutMs: attemptBudget,
        timeoutCode: state.stream ? "MM_TIMEOUT_FIRST_TOKEN" : "MM_TIMEOUT_RESPONSE",
        route: { id: route.routeId, providerId: model.providerId },
      });
      let learned: import("../connectors/provider.js").RateLimitInfo | undefined;
      const call: CallOptions = {
        signal: scope.signal, deadline: state.deadline, requestId: state.requestId, attempt: attemptNo,
        timeouts: { connectMs: timeouts.connectMs, firstTokenMs: attemptBudget ?? Math.max(1, state.deadline - entry.startedAt), idleMs: timeouts.idleMs },
        ...(providerEntry.responseLimits ? { responseLimits: providerEntry.responseLimits } : {}),
        onResponse: (meta) => {
          if (meta.rateLimit) learned = meta.rateLimit;
        },
        onWarning: (message) => {
          if (trace.warnings.length < 50) trace.warnings.push(`${model.providerId}: ${message}`);
          if (this.events.active) this.events.emit({ type: "warning", timestamp: this.clock.now(), requestId: state.requestId, routeId: route.routeId, message });
        },
      };
      let released = false;
      const release = () => {
        if (!released) {
          released = true;
          void this.#o.ledger.release(route, admitted);
        }
      };
      try {
        if (state.stream) {
          const request = { ...(state.request as unknown as ChatCompletionRequest), model: model.upstreamModel };
          const stream = await openCommittedStream({
            provider: providerEntry.connector, request, call, scope, clock: this.clock, idleMs: timeouts.idleMs,
            route: { id: route.routeId, providerId: model.providerId, modelId: model.id },
            events: this.events, requestId: state.requestId, startedAt: entry.startedAt,
            commit: state.commit,
            onFirstOutput: (ms) => this.#firstToken.observe(route.routeId, ms),
            onEnd: async (outcome) => {
              scope.dispose();
              if (outcome.ok) {
                await this.#o.ledger.recordSuccess(route, provider, { latencyMs: this.clock.now() - entry.startedAt, promptTokens: outcome.usage?.prompt_tokens ?? 0, completionTokens: outcome.usage?.completion_tokens ?? 0, costUsd: usageCost(model, outcome.usage), rateLimit: learned }, pool.policies);
              } else if (outcome.error && !CALLER_CATEGORIES.has(outcome.error.category) && !isLocalFailure(outcome.error)) {
                await this.#o.ledger.recordFailure(route, provider, { category: outcome.error.category, status: outcome.error.status, latencyMs: this.clock.now() - entry.startedAt }, pool.policies);
              }
              release();
              pool.policies.selection.observe?.({ routeId: route.routeId, ok: outcome.ok, latencyMs: this.clock.now() - entry.startedAt, poolId: pool.id, sessionKey: state.sessionKey });
            },
            trace,
            resume: state.resume ? (partial) => this.#resume(state, route.routeId, partial) : undefined,
          });
          if (admitted.endpointProbe) await this.#o.ledger.endpointReachable(model.providerId);
          entry.ok = true;
          entry.action = "success";
          entry.latencyMs = this.clock.now() - entry.startedAt;
          this.#succeed(state, route.routeId);
          return { value: stream as T, trace };
        }
        const value = await scope.race(invoke!(providerEntry.connector, model, call));
        const latencyMs = this.clock.now() - entry.startedAt;
        entry.ok = true;
        entry.action = "success";
        entry.latencyMs = latencyMs;
        scope.dispose();
        const usage = usageOf?.(value);
        if (admitted.endpointProbe) await this.#o.ledger.endpointReachable(model.providerId);
        await this.#o.ledger.recordSuccess(route, provider, { latencyMs, promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0, costUsd: usageCost(model, usage), rateLimit: learned }, pool.policies);
        release();
        pool.policies.selection.observe?.({ routeId: route.routeId, ok: true, latencyMs, poolId: pool.id, sessionKey: state.sessionKey });
        if (this.events.active) this.events.emit({ type: "attempt-end", timestamp: this.clock.now(), requestId: state.requestId, attempt: attemptNo, routeId: route.routeId, latencyMs, promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0 });
        this.#succeed(state, route.routeId);
        return { value, trace };
      } catch (thrown) {
        const aborted = scope.abortError;
        scope.dispose();
        const error = normaliseError(aborted !== undefined && scope.cause ? aborted : thrown, providerEntry.connector, model);
        entry.latencyMs = this.clock.now() - entry.startedAt;
        entry.error = { code: error.code, category: error.category, status: error.status, message: error.message, retryAfterMs: error.retryAfterMs };
        state.errors.push(error);
        if (scope.cause === "caller" || scope.cause === "deadline") release();
        if (scope.cause === "caller") {
          entry.action = "cancelled";
          throw this.#fail(state, error);
        }
        if (scope.cause === "deadline") {
          entry.action = "deadline";
          throw this.#fail(state, new DeadlineExceededError({ deadlineMs: trace.deadlineMs, trace, cause: error, model: model.id, provider: model.providerId }));
        }
        if (learned) await this.#o.ledger.learnRateLimit(route, learned);
        let parked = false;
        const endpointDown = isEndpointFailure(error);
        // A failure of this host (out of file descriptors, ports, buffers) never reached the upstream: it says
        // nothing about the route or its endpoint, so neither is recorded (an endpoint probe stays unresolved).
        const local = isLocalFailure(error);
        if (endpointDown) {
          // The endpoint, not the model, failed: every model of the provider is parked at once and this
          // request moves to another provider; the model's own record is left alone.
          const until = await this.#o.ledger.parkEndpoint(model.providerId);
          parked = true;
          if (until !== undefined) entry.stateChanges = [`provider standby: endpoint_unreachable until ${new Date(until).toISOString()}`];
        } else if (admitted.endpointProbe && !local) await this.#o.ledger.endpointReachable(model.providerId);
        if (!endpointDown && !local && !CALLER_CATEGORIES.has(error.category)) {
          const result = await this.#o.ledger.recordFailure(route, provider, { category: error.category, status: error.status, retryAfterMs: error.retryAfterMs, latencyMs: entry.latencyMs }, pool.policies);
          parked = result.standbyUntil !== undefined || error.category === "auth";
          if (result.stateChanges.length > 0) entry.stateChanges = result.stateChanges;
          if (error.category === "quota_exhausted" && result.standbyUntil !== undefined) state.quotaBlocked.set(route.routeId, result.standbyUntil);
          pool.policies.selection.observe?.({ routeId: route.routeId, ok: false, latencyMs: entry.latencyMs, poolId: pool.id, sessionKey: state.sessionKey });
        }
        release();
        const retries = state.sameRouteRetries.get(route.routeId) ?? 0;
        const decision = decide(error, { retry: pool.retry, sameRouteRetries: retries, remainingMs: state.deadline - this.clock.now(), random: this.#random, failoverOnContentFilter: pool.failoverOnContentFilter, routeParked: parked });
        entry.action = decision.action;
        if (this.events.active) this.events.emit({ type: "attempt-error", timestamp: this.clock.now(), requestId: state.requestId, attempt: attemptNo, routeId: route.routeId, category: error.category, code: error.code, status: error.status, action: decision.action, delayMs: decision.action === "retry-same-route" ? decision.delayMs : undefined, message: error.message });
        if (decision.action === "surface") throw this.#fail(state, error);
        if (decision.action === "retry-same-route") {
          entry.delayMs = decision.delayMs;
          state.sameRouteRetries.set(route.routeId, retries + 1);
          await this.#sleep(state, decision.delayMs);
          continue;
        }
        // rotate
        state.tried.add(route.routeId);
        if (error.category === "auth" || endpointDown) for (const c of state.candidates.values()) if (c.model.providerId === model.providerId) state.tried.add(c.route.routeId);
        if (error.category === "context_length" && model.contextWindow !== undefined) {
          // Only models known to be no larger are skipped; a model whose window is unknown may still fit.
          state.minContextWindow = Math.max(state.minContextWindow ?? 0, model.contextWindow);
          this.#refilter(state);
        }
      }
    }
  }

  /**
   * Continues an interrupted stream: the same request plus the delivered text as an assistant prefill, routed
   * only to models that accept a prefill, never back to the route that broke. Its attempts join the trace.
   */
  async #resume(state: RequestState, failedRouteId: string, partial: string): Promise<AsyncIterable<ChatCompletionChunk> | undefined> {
    const original = state.request as unknown as ChatCompletionRequest;
    const request: ChatCompletionRequest = { ...original, messages: [...original.messages, { role: "assistant", content: partial }] };
    const sub = this.#begin("chat", request, true, { signal: state.signal, deadlineMs: state.trace.deadlineMs, requestId: `${state.requestId}.resume`, resume: false });
    sub.tried.add(failedRouteId);
    for (const [routeId, candidate] of sub.candidates) {
      if (candidate.model.features.assistantPrefill !== true) {
        candidate.trace.excluded = { stage: "requirement", requirement: "assistant_prefill", reason: "features.assistant_prefill is not true" };
        sub.candidates.delete(routeId);
      }
    }
    if (sub.candidates.size === 0 || [...sub.candidates.keys()].every((id) => sub.tried.has(id))) {
      state.trace.warnings.push(`stream from ${failedRouteId} broke after ${partial.length} characters; no prefill-capable model to resume on`);
      return undefined;
    }
    try {
      const routed = await this.#run<AsyncIterable<ChatCompletionChunk>>(sub, undefined, undefined);
      const offset = state.trace.attempts.length;
      for (const attempt of sub.trace.attempts) state.trace.attempts.push({ ...attempt, attempt: attempt.attempt + offset, reason: `resume: ${attempt.reason}` });
      state.trace.final = sub.trace.final;
      state.trace.warnings.push(`stream from ${failedRouteId} broke after ${partial.length} characters; resumed on ${sub.trace.final?.routeId}`);
      return routed.value;
    } catch (error) {
      state.trace.warnings.push(`stream from ${failedRouteId} broke after ${partial.length} characters; resume failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  async #sleep(state: RequestState, ms: number): Promise<void> {
    if (ms <= 0) return;
    try {
      await sleep(this.clock, ms, state.signal);
    } catch (cause) {
      throw this.#fail(state, new ModelMeshError({ code: "MM_ABORTED", category: "cancelled", message: "[modelmesh] [router] the request was cancelled by the caller", cause }));
    }
  }

  /**
   * When nothing is eligible but some route is only cooling down (a short rate-limit standby, or its
   * provider's endpoint parked after a connection failure) and becomes available before the deadline and
   * within the pool's `retry.max_delay`, wait for it instead of failing (e.g. a single-provider mesh riding out
   * a restart). At most one wait per request is for an endpoint; routes tried in this request on a parked
   * endpoint become untried again for it.
   */
  async #waitForEarliest(state: RequestState, noneEligible: boolean): Promise<boolean> {
    if (!noneEligible) return false;
    let earliest = Infinity;
    let endpointWait = false;
    const onParkedEndpoint: string[] = [];
    for (const [routeId, candidate] of state.candidates) {
      const provider = await this.#o.ledger.providerStatus(candidate.model.providerId);
      if (provider.status === "standby" && provider.reason === "endpoint_unreachable" && provider.until !== undefined) {
        onParkedEndpoint.push(routeId);
        if (provider.until < earliest) endpointWait = true;
        earliest = Math.min(earliest, provider.until);
        continue;
      }
      if (state.tried.has(routeId)) continue;
      const snapshot = await this.#o.ledger.snapshot(candidate.route, state.pool.policies);
      if (snapshot.status === "standby" && snapshot.standbyUntil !== undefined && snapshot.reason === "rate_limited") {
        if (snapshot.standbyUntil < earliest) endpointWait = false;
        earliest = Math.min(earliest, snapshot.standbyUntil);
      }
    }
    const now = this.clock.now();
    if (!Number.isFinite(earliest) || earliest >= state.deadline || earliest - now > state.pool.retry.maxDelayMs) return false;
    if (endpointWait) {
      if (state.endpointWaits >= 1) return false;
      state.endpointWaits++;
      for (const routeId of onParkedEndpoint) state.tried.delete(routeId);
    }
    state.trace.warnings.push(endpointWait ? `waited ${earliest - now} ms for a parked provider endpoint to be probed again` : `waited ${earliest - now} ms for a rate-limited route to cool down`);
    await this.#sleep(state, earliest - now);
    return true;
  }

  #succeed(state: RequestState, routeId: string): void {
    const { trace } = state;
    trace.outcome = "success";
    trace.final = this.#finalOf(state, routeId);
    trace.endedAt = this.clock.now();
    if (this.events.active) this.events.emit({ type: "request-end", timestamp: trace.endedAt, requestId: state.requestId, ok: true, latencyMs: trace.endedAt - trace.startedAt, attempts: trace.attempts.length, trace });
  }

  #fail(state: RequestState, error: ModelMeshError): ModelMeshError {
    const { trace } = state;
    trace.outcome = "error";
    trace.endedAt = this.clock.now();
    if (!(error as { trace?: RoutingTrace }).trace) attachTrace(error, trace);
    if (this.events.active) this.events.emit({ type: "request-end", timestamp: trace.endedAt, requestId: state.requestId, ok: false, latencyMs: trace.endedAt - trace.startedAt, attempts: trace.attempts.length, code: error.code, trace });
    return error;
  }

  /** The error when no candidate is left: exhausted attempts, all quotas spent, or nothing qualified. */
  #noMore(state: RequestState): ModelMeshError {
    const { trace, pool } = state;
    if (state.errors.length > 0 && trace.attempts.length > 0) {
      const quotaOnly = this.#quotaOnly(state);
      if (!quotaOnly) return exhaustedError(pool.id, state.errors, trace);
    }
    const excluded = trace.candidates.filter((c) => c.excluded);
    const quota = this.#quotaOnly(state);
    if (quota) {
      return new RoutingError({
        code: "MM_ALL_QUOTAS_EXHAUSTED", category: "quota_exhausted", retryable: false, status: 429,
        retryAfterMs: Math.max(0, quota - this.clock.now()), trace, attempts: state.errors,
        message: `[modelmesh] [pool ${pool.id}] all quotas exhausted until ${new Date(quota).toISOString()}. Every model in the pool has used its quota; the first resets then.`,
      });
    }
    const detail = excluded.length > 0 ? excluded.map((c) => `${c.modelId}: ${c.excluded!.requirement ? `lacks ${c.excluded!.requirement} (${c.excluded!.reason})` : c.excluded!.reason}`).join("; ") : "the pool has no members";
    const requirementOnly = excluded.length > 0 && excluded.every((c) => c.excluded!.stage === "requirement" || c.excluded!.stage === "pool");
    return new RoutingError({
      code: "MM_NO_CANDIDATES", category: "routing", retryable: false, status: requirementOnly ? 400 : 503, trace, attempts: state.errors,
      message: `[modelmesh] [pool ${pool.id}] no model can serve this request: ${detail}.${requirementOnly ? " Add a model with the missing capability to the pool, or drop the requirement from the request." : ""}`,
    });
  }

  /** If every candidate that passed the requirement filter is out only for quota, the earliest reset. */
  #quotaOnly(state: RequestState): number | undefined {
    if (state.candidates.size === 0) return undefined;
    let earliest = Infinity;
    for (const routeId of state.candidates.keys()) {
      const until = state.quotaBlocked.get(routeId);
      if (until === undefined) return undefined;
      earliest = Math.min(earliest, until);
    }
    return earliest;
  }
}

/** `<provider>/<upstream model>`: the unit of state, shared by every pool containing the model. */
export function routeIdOf(model: { providerId: string; id: string }): string {
  return `${model.providerId}/${model.id}`;
}

/** Cost of a wire-format usage block at the model's declared prices. */
function usageCost(model: RouterModel, usage: { prompt_tokens?: number; completion_tokens?: number } | undefined | null): number {
  return usage ? costOf({ promptTokens: usage.prompt_tokens ?? 0, completionTokens: usage.completion_tokens ?? 0 }, model.pricing) : 0;
}

function sessionKeyOf(pool: RouterPool, request: Record<string, unknown>, headers: Record<string, string> | undefined): string | undefined {
  if (pool.session?.header && headers) {
    const value = headers[pool.session.header.toLowerCase()] ?? headers[pool.session.header];
    if (value) return boundedKey(value);
  }
  const field = pool.session?.field ?? "user";
  const value = request[field];
  if (typeof value === "string" && value) return boundedKey(value);
  const metadata = request.metadata as Record<string, unknown> | undefined;
  return typeof metadata?.session_id === "string" && metadata.session_id ? boundedKey(metadata.session_id) : undefined;
}

/** Longest session key kept as sent; longer ones are replaced by a fixed-size digest. */
const MAX_SESSION_KEY_LENGTH = 256;

/**
 * A session key of bounded size: selection strategies keep keys (session stickiness pins up to 100 000 of
 * them), so a client-chosen `user` field of megabytes must not be stored as is. A longer key becomes
 * `~<length>:<two 32-bit FNV-1a-style hashes, hex>`, computed in one pass: equal keys still map to equal
 * digests, and different ones collide only by chance (the length is part of the key).
 */
function boundedKey(key: string): string {
  if (key.length <= MAX_SESSION_KEY_LENGTH) return key;
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x0100019d) >>> 0;
  }
  return `~${key.length}:${h1.toString(16).padStart(8, "0")}${h2.toString(16).padStart(8, "0")}`;
}

function attachTrace(error: ModelMeshError, trace: RoutingTrace): void {
  Object.defineProperty(error, "trace", { value: trace, enumerable: false, configurable: true });
}

export type { RotationPolicySet };
