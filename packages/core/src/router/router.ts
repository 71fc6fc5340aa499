import { checkVirtualNameLength } from "../capability/resolve-name.js";
import { checkMiddleware, runMiddleware, type RouterMiddleware } from "./middleware.js";
import type { CapabilityTreeView } from "../capability/types.js";
import type { CallOptions, ProviderConnectorV1 } from "../connectors/provider.js";
import type { RotationPolicySet, RouteSnapshot, SelectionContext, SelectionResult } from "../connectors/rotation.js";
import { isEndpointFailure } from "../errors/endpoint-failure.js";
import { isLocalFailure } from "../errors/local-resource.js";
import { DeadlineExceededError, RoutingError } from "../errors/errors.js";
import { ModelMeshError } from "../errors/model-mesh-error.js";
import { MeshEventBus } from "../events/events.js";
import { watchSignal, type AbortWatch } from "../internal/abort.js";
import { sleep, systemClock, type Clock } from "../internal/clock.js";
import { PoolRegistry } from "../mesh/pools.js";
import { stillOut, type AvailabilityIndex, type OutOfService } from "../state/availability-index.js";
import type { AcquireResult, StateLedger, ProviderDescriptor } from "../state/ledger.js";
import { CALLER_CATEGORIES, QUOTA_REASONS } from "../state/route-record.js";
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
import { RouteAttempt, type AttemptContext } from "./attempt-unit.js";
import { decide, exhaustedError, normaliseError } from "./decide.js";
import { FirstTokenBudgets } from "./first-token.js";
import { CandidateIndex, CandidateMap, TraceList, type Candidate, type CandidateSet, type Kind } from "./candidates.js";
import { chatRequirements, estimatePromptTokens, type Requirement } from "./requirements.js";
import { openCommittedStream, type StreamCommit } from "./stream-guard.js";
import type { RoutingTrace, TraceAttempt, TraceCandidate } from "./trace.js";
import type { RequestOptions, Routed, RouterModel, RouterPool, RouterProvider, RoutingDefaults } from "./types.js";

export { routeIdOf } from "./candidates.js";

/** What the router needs to run. Built from config by `createMesh`, or by hand in tests and embedders. */
export interface RouterOptions {
  providers: ReadonlyMap<string, RouterProvider>;
  models: ReadonlyMap<string, RouterModel>;
  /**
   * The pools: a {@link PoolRegistry} (what `createMesh` passes), or the configured pools as a map, which the
   * router then wraps in a registry of its own. Either way the router never changes the pools it is given;
   * the on-demand `capability:<node>` and `model:<id>` pools come from the registry.
   */
  pools: PoolRegistry | ReadonlyMap<string, RouterPool>;
  tree: CapabilityTreeView;
  ledger: StateLedger;
  defaults: RoutingDefaults;
  clock?: Clock;
  events?: MeshEventBus;
  /** Random source in [0, 1) for jitter and strategies (seed it in tests). */
  random?: () => number;
  /** Middleware around every request, outermost first (more can be added with {@link Router.use}). */
  middleware?: readonly RouterMiddleware[];
}

/** Per-request working state. */
interface RequestState {
  requestId: string;
  kind: Kind;
  stream: boolean;
  pool: RouterPool;
  trace: RoutingTrace;
  deadline: number;
  /** The caller's cancellation: `options.abort`, else `options.signal` seen as a watch. */
  caller: AbortWatch | undefined;
  requirements: Requirement[];
  /** The pool's precomputed candidates for this request's kind and requirements, less what it removed. */
  candidates: CandidateMap;
  tried: Set<string>;
  errors: ModelMeshError[];
  /** Retries per route in this request (created on the first retry). */
  sameRouteRetries?: Map<string, number>;
  minContextWindow?: number;
  sessionKey?: string;
  /** Routes refused or parked for quota, with when their window resets. */
  quotaBlocked?: Map<string, number>;
  /** Routes out of service when they were considered, and when that ends by itself (any reason). */
  outUntil?: Map<string, number>;
  /** Waits for a parked endpoint done in this request (at most one). */
  endpointWaits: number;
  /** Resume a broken committed stream on a prefill-capable model. */
  resume: boolean;
  /** When a stream's output is released. */
  commit: StreamCommit;
  /** Estimated prompt tokens (computed once, on first use). */
  promptTokens?: number;
  /** The ledger's availability index, as of the last state filter. */
  index?: AvailabilityIndex;
  /** Whether a listed trace entry carries a state verdict from the last state filter. */
  stateMarks?: boolean;
  request: Record<string, unknown>;
  /** What every attempt of this request shares (made with the first attempt). */
  attemptContext?: AttemptContext;
}

/** What the router derives once per provider entry (see `Router.#providerPlan`), and what it was derived from. */
interface ProviderPlan {
  limits: RouterProvider["limits"];
  quotaClock: RouterProvider["quotaClock"];
  timeoutsSource: RouterProvider["timeouts"];
  descriptor: ProviderDescriptor;
  timeouts: RoutingDefaults & NonNullable<RouterProvider["timeouts"]>;
}

let requestCounter = 0;

/** Pool members a real request's trace lists in full (`explain()` lists all); the rest are counted. */
const LISTED_MEMBERS = 50;

/**
 * The routing pipeline of docs/ARCHITECTURE.md §2.7: resolve the virtual name → pool candidates → requirement filter →
 * state filter → selection → attempt → classify → retry / rotate / deactivate → … until success, deadline or no
 * candidates. Every result and every failure carries a routing trace.
 */
export class Router {
  readonly events: MeshEventBus;
  readonly clock: Clock;
  readonly #o: RouterOptions;
  #middleware: readonly RouterMiddleware[] = [];
  readonly #random: () => number;
  /** Observed first-token times per route and the budgets learned from them. */
  readonly #firstToken = new FirstTokenBudgets();
  readonly #pools: PoolRegistry;
  /** Candidate sets per pool, kind and requirement signature. */
  readonly #candidates: CandidateIndex;
  /** Candidates out of service per set, as of an index version (see `#summarise`). */
  readonly #outCounts = new WeakMap<CandidateSet, { version: number; until: number; count: number }>();
  /** What each provider entry yields for an attempt, derived once (see {@link #providerPlan}). */
  readonly #providerPlans = new WeakMap<RouterProvider, ProviderPlan>();

  constructor(options: RouterOptions) {
    this.#o = options;
    this.clock = options.clock ?? systemClock;
    this.events = options.events ?? new MeshEventBus();
    this.#random = options.random ?? Math.random;
    this.#pools = options.pools instanceof PoolRegistry ? options.pools : new PoolRegistry({ models: options.models, tree: options.tree, pools: options.pools.values() });
    this.#candidates = new CandidateIndex(options.models, options.providers, options.tree);
    for (const middleware of options.middleware ?? []) this.use(middleware);
  }

  /**
   * Adds a middleware around every later request (innermost so far: the first added sees requests first).
   * Returns a function that removes it.
   * @example
   * mesh.router.use({ name: "scrub", beforeRequest: ({ request }) => ({ request: scrub(request) }) });
   */
  use(middleware: RouterMiddleware): () => void {
    const added = checkMiddleware(middleware);
    this.#middleware = [...this.#middleware, added];
    return () => {
      this.#middleware = this.#middleware.filter((m) => m !== added);
    };
  }

  /** The middleware in order, outermost first. */
  get middleware(): readonly RouterMiddleware[] {
    return this.#middleware;
  }

  /** The pools (configured, predefined, and the on-demand ones built so far), models and providers this router serves. */
  get pools(): ReadonlyMap<string, RouterPool> {
    return this.#pools.pools;
  }
  /** The registry the pools come from (it builds the on-demand ones). */
  get poolRegistry(): PoolRegistry {
    return this.#pools;
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
    if (this.#middleware.length > 0) return runMiddleware(this.#middleware, { kind: "chat", stream: false, request, options }, (r) => this.#chat(r, options));
    return this.#chat(request, options);
  }

  #chat(request: ChatCompletionRequest, options: RequestOptions): Promise<Routed<ChatCompletion>> {
    const state = this.#begin("chat", request, false, options);
    return this.#run(state, completeChat, chatUsage);
  }

  /**
   * Streamed chat completion. Resolves once the stream has committed (by default its first content or
   * tool-call delta; see `StreamCommit`); every failure before that fails over invisibly. After commit, a
   * cut, stall or broken stream throws a StreamInterruptedError from the iterator — never a clean end.
   */
  async chatStream(request: ChatCompletionRequest, options: RequestOptions = {}): Promise<Routed<AsyncIterable<ChatCompletionChunk>>> {
    if (this.#middleware.length > 0) return runMiddleware(this.#middleware, { kind: "chat", stream: true, request, options }, (r) => this.#chatStream(r, options));
    return this.#chatStream(request, options);
  }

  #chatStream(request: ChatCompletionRequest, options: RequestOptions): Promise<Routed<AsyncIterable<ChatCompletionChunk>>> {
    const state = this.#begin("chat", request, true, options);
    return this.#run(state, undefined, undefined);
  }

  /** Embeddings. */
  embed(request: EmbeddingRequest, options: RequestOptions = {}): Promise<Routed<EmbeddingResponse>> {
    if (this.#middleware.length > 0) return runMiddleware(this.#middleware, { kind: "embeddings", stream: false, request, options }, (r) => this.#embed(r, options));
    return this.#embed(request, options);
  }

  #embed(request: EmbeddingRequest, options: RequestOptions): Promise<Routed<EmbeddingResponse>> {
    const state = this.#begin("embeddings", request, false, options);
    return this.#run(state, (p, m, call) => this.#need(p, "embed", m)({ ...request, model: m.upstreamModel }, call), (r) => r.usage);
  }

  /** Image generation. */
  generateImage(request: ImageGenerationRequest, options: RequestOptions = {}): Promise<Routed<ImagesResponse>> {
    if (this.#middleware.length > 0) return runMiddleware(this.#middleware, { kind: "images", stream: false, request, options }, (r) => this.#generateImage(r, options));
    return this.#generateImage(request, options);
  }

  #generateImage(request: ImageGenerationRequest, options: RequestOptions): Promise<Routed<ImagesResponse>> {
    const state = this.#begin("images", request, false, options);
    return this.#run(state, (p, m, call) => this.#need(p, "generateImage", m)({ ...request, model: m.upstreamModel }, call), mediaUsage);
  }

  /** Text to speech. */
  speech(request: SpeechRequest, options: RequestOptions = {}): Promise<Routed<SpeechResponse>> {
    if (this.#middleware.length > 0) return runMiddleware(this.#middleware, { kind: "speech", stream: false, request, options }, (r) => this.#speech(r, options));
    return this.#speech(request, options);
  }

  #speech(request: SpeechRequest, options: RequestOptions): Promise<Routed<SpeechResponse>> {
    const state = this.#begin("speech", request, false, options);
    return this.#run(state, (p, m, call) => this.#need(p, "speech", m)({ ...request, model: m.upstreamModel }, call), undefined);
  }

  /** Speech to text. */
  transcribe(request: TranscriptionRequest, options: RequestOptions = {}): Promise<Routed<TranscriptionResponse>> {
    if (this.#middleware.length > 0) return runMiddleware(this.#middleware, { kind: "transcription", stream: false, request, options }, (r) => this.#transcribe(r, options));
    return this.#transcribe(request, options);
  }

  #transcribe(request: TranscriptionRequest, options: RequestOptions): Promise<Routed<TranscriptionResponse>> {
    const state = this.#begin("transcription", request, false, options);
    return this.#run(state, (p, m, call) => this.#need(p, "transcribe", m)({ ...request, model: m.upstreamModel }, call), mediaUsage);
  }

  /**
   * Dry run: where would this request go and why. Resolves and filters exactly like a real request, asks the
   * strategy for its pick, and returns the trace without calling any upstream. By default the trace lists
   * every pool member with why it is (not) eligible; `detail: "request"` records the trace a real request
   * records instead (the first 50 members, the ones it touched, and counts in `candidateSummary`), at a cost
   * that does not grow with the pool.
   */
  async explain(request: ChatCompletionRequest | EmbeddingRequest, options: RequestOptions & { kind?: Kind; stream?: boolean; detail?: "full" | "request" } = {}): Promise<RoutingTrace> {
    const state = this.#begin(options.kind ?? "chat", request, options.stream ?? Boolean((request as ChatCompletionRequest).stream), options, options.detail === "request" ? LISTED_MEMBERS : Infinity);
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
    void kind;
    return this.#resolvePool(name, trace).id;
  }

  // -- request set-up ----------------------------------------------------------------------------------

  #need<K extends "embed" | "generateImage" | "speech" | "transcribe">(provider: ProviderConnectorV1, method: K, model: RouterModel): NonNullable<ProviderConnectorV1[K]> {
    const fn = provider[method];
    if (typeof fn !== "function") {
      throw new ModelMeshError({ code: "MM_NOT_SUPPORTED", category: "invalid_request", message: `[modelmesh] [${model.providerId}] provider does not implement ${method}`, provider: model.providerId, model: model.id });
    }
    return fn.bind(provider) as NonNullable<ProviderConnectorV1[K]>;
  }

  /** Resolves the pool and sets the request up; its trace lists the first `listed` pool members. */
  #begin(kind: Kind, request: { model?: string | null }, stream: boolean, options: RequestOptions, listed = LISTED_MEMBERS): RequestState {
    const now = this.clock.now();
    const requestId = options.requestId ?? `mm-${now.toString(36)}-${(++requestCounter).toString(36)}`;
    const requested = typeof request.model === "string" ? request.model : "";
    // Before anything keeps or emits the name: an oversized one fails at once, at a cost independent of its length.
    checkVirtualNameLength(requested);
    const trace: RoutingTrace = { requestId, requested, kind, stream, requirements: [], candidates: [], attempts: [], warnings: [], startedAt: now, deadlineMs: 0 };
    if (this.events.wants("request-start")) this.events.emit({ type: "request-start", timestamp: now, requestId, requested, kind, stream, ...(this.events.capturePayloads ? { request } : {}) });
    const pool = this.#resolvePool(requested, trace);
    const deadlineMs = options.deadlineMs ?? pool.deadlineMs ?? this.#o.defaults.deadlineMs;
    trace.deadlineMs = deadlineMs;
    const promptTokens = kind === "chat" ? estimatePromptTokens(request as ChatCompletionRequest) : undefined;
    const requirements = kind === "chat" ? chatRequirements(request as ChatCompletionRequest, { stream, promptTokens }) : [];
    const state: RequestState = {
      requestId, kind, stream, pool, trace, deadline: now + deadlineMs, caller: options.abort ?? (options.signal ? watchSignal(options.signal) : undefined), requirements, promptTokens,
      candidates: this.#collectCandidates(pool, kind, requirements, trace, listed), tried: new Set(), errors: [], endpointWaits: 0,
      resume: options.resume ?? this.#o.defaults.resumeStreams ?? false,
      commit: options.streamCommit ?? pool.streamCommit ?? this.#o.defaults.streamCommit ?? "first_token",
      request: request as Record<string, unknown>,
      sessionKey: sessionKeyOf(pool, request as Record<string, unknown>, options),
    };
    const names = new Array<string>(requirements.length);
    for (let i = 0; i < requirements.length; i++) names[i] = requirements[i]!.name;
    trace.requirements = names;
    return state;
  }

  /** The pool a name routes to, from the pool registry (which builds on-demand pools); the trace records how. */
  #resolvePool(name: string, trace: RoutingTrace): RouterPool {
    let resolved;
    try {
      resolved = this.#pools.resolve(name);
    } catch (error) {
      trace.outcome = "error";
      throw error;
    }
    const { pool, resolution } = resolved;
    trace.resolution = { kind: resolution.kind, poolId: pool.id, node: resolution.kind === "model" ? undefined : resolution.node };
    return pool;
  }

  /**
   * The pool's candidates for this kind and these requirements: a precomputed set shared by every request with
   * the same signature (kind and requirement filters applied once), seen through a per-request map.
   */
  #collectCandidates(pool: RouterPool, kind: Kind, requirements: Requirement[], trace: RoutingTrace, listed: number): CandidateMap {
    const set = this.#candidates.setFor(pool, kind, requirements, this.#pools.version);
    return new CandidateMap(set, new TraceList(trace, set, requirements, listed));
  }

  /**
   * The provider's ledger descriptor and its timeouts merged over the routing defaults: the same objects for
   * every attempt, rebuilt only if the entry's limits, quota clock or timeouts are replaced.
   */
  #providerPlan(providerId: string, entry: RouterProvider): ProviderPlan {
    const plan = this.#providerPlans.get(entry);
    if (plan !== undefined && plan.descriptor.providerId === providerId && plan.limits === entry.limits && plan.quotaClock === entry.quotaClock && plan.timeoutsSource === entry.timeouts) return plan;
    const next: ProviderPlan = {
      limits: entry.limits,
      quotaClock: entry.quotaClock,
      timeoutsSource: entry.timeouts,
      descriptor: { providerId, limits: entry.limits, quotaClock: entry.quotaClock },
      timeouts: { ...this.#o.defaults, ...entry.timeouts },
    };
    this.#providerPlans.set(entry, next);
    return next;
  }

  /**
   * Re-applies requirements that changed mid-request: after a context_length error only models with an equal
   * or larger window stay (tokenizers differ between vendors, so an equal window on another model may fit).
   */
  #refilter(state: RequestState): void {
    if (state.minContextWindow === undefined) return;
    const floor = state.minContextWindow;
    for (const candidate of [...state.candidates.candidates()]) {
      const window = candidate.model.contextWindow;
      if (window !== undefined && window < floor) {
        const routeId = candidate.route.routeId;
        state.candidates.get(routeId)!.trace.excluded = { stage: "requirement", requirement: "context_window", reason: `context_window ${window} is smaller than ${floor}, which was exceeded` };
        state.candidates.delete(routeId);
      }
    }
  }

  /**
   * State filter: the untried candidates that are not out of service, per the ledger's availability index
   * (routes and providers on standby), so the cost follows what is out, not the pool's size. A strategy with a
   * static rank (the default priority selection) gets only the first available candidate in rank order: one
   * state read per request. Other strategies get the snapshots of every available candidate. The trace shows
   * the state of every listed candidate; `candidateSummary` counts the rest.
   */
  #eligible(state: RequestState): Promise<RouteSnapshot[]> {
    const index = this.#o.ledger.availabilityIfLoaded();
    const strategy = state.pool.policies.selection;
    // The common case, without an async frame: nothing is out of service, nothing to unmark, a static rank.
    if (index !== undefined && index.routes.size === 0 && index.providers.size === 0 && !state.stateMarks && state.minContextWindow === undefined && typeof strategy.staticRank === "function") {
      const now = this.clock.now();
      state.index = index;
      return this.#firstAvailable(state, strategy as Parameters<CandidateSet["ranked"]>[0], index, now).then((pick) => {
        if (pick === undefined) return this.#allAvailable(state, index, now);
        this.#summarise(state, index, now);
        return [pick];
      });
    }
    return this.#eligibleMarked(state, index);
  }

  /** {@link #eligible} in full: the listed candidates' state verdicts first. */
  async #eligibleMarked(state: RequestState, loaded: AvailabilityIndex | undefined): Promise<RouteSnapshot[]> {
    const index = loaded ?? (await this.#o.ledger.availability());
    const now = this.clock.now();
    const { candidates, tried } = state;
    const list = candidates.list;
    state.index = index;
    // The listed candidates show their state, as if every candidate were checked. Nothing to do while nothing
    // is out of service and no listed entry carries a state verdict from an earlier pass.
    if (index.routes.size > 0 || index.providers.size > 0 || state.stateMarks) {
      state.stateMarks = false;
      for (const { candidate, position } of list.candidates) {
        const routeId = candidate.route.routeId;
        if (tried.has(routeId) || !candidates.has(routeId)) continue;
        let out = this.#stateOf(state, candidate, index, now);
        if (out instanceof Promise) out = await out;
        if (out !== undefined) {
          list.own(position).excluded = out;
          state.stateMarks = true;
        } else if (list.at(position).excluded?.stage === "state") delete list.own(position).excluded;
      }
    }
    const strategy = state.pool.policies.selection;
    if (state.minContextWindow === undefined && typeof strategy.staticRank === "function") {
      const pick = await this.#firstAvailable(state, strategy as Parameters<typeof candidates.set.ranked>[0], index, now);
      if (pick) {
        this.#summarise(state, index, now);
        return [pick];
      }
    }
    return this.#allAvailable(state, index, now);
  }

  /** The snapshots of every untried candidate available per the index (what a strategy without a static rank gets). */
  async #allAvailable(state: RequestState, index: AvailabilityIndex, now: number): Promise<RouteSnapshot[]> {
    const { candidates, tried } = state;
    const available: Candidate[] = [];
    for (const candidate of candidates.candidates()) {
      if (tried.has(candidate.route.routeId)) continue;
      const out = this.#stateOf(state, candidate, index, now);
      if ((out instanceof Promise ? await out : out) === undefined) available.push(candidate);
    }
    const snapshots = await this.#o.ledger.snapshots(available.map((c) => c.route), state.pool.policies);
    const eligible: RouteSnapshot[] = [];
    for (const [i, snapshot] of snapshots.entries()) {
      // The index is a cache: the record read for the snapshot has the last word.
      if (snapshot.status === "standby" && snapshot.circuit !== "half-open") {
        const out = this.#routeOut(state, snapshot.routeId, { reason: snapshot.reason, until: snapshot.standbyUntil });
        const entry = candidates.list.listed(available[i]!.route.routeId);
        if (entry) entry.excluded = out;
        continue;
      }
      eligible.push(snapshot);
    }
    this.#summarise(state, index, now);
    return eligible;
  }

  /**
   * The first candidate in the strategy's rank order that is untried and available, as a snapshot (it joins the
   * trace's list). A run of candidates out of service at the head of the order is remembered and skipped by
   * later requests while the index and their standbys stay as they are.
   */
  async #firstAvailable(state: RequestState, strategy: Parameters<CandidateSet["ranked"]>[0], index: AvailabilityIndex, now: number): Promise<RouteSnapshot | undefined> {
    const { candidates, tried } = state;
    const { set } = candidates;
    const ranked = set.ranked(strategy);
    const version = index.version;
    const skip = set.skipFor(strategy, version, now);
    let head = true;
    let until = skip.until;
    for (let i = skip.start; i < ranked.length; i++) {
      const candidate = ranked[i]!;
      const routeId = candidate.route.routeId;
      if (tried.has(routeId) || !candidates.has(routeId)) {
        if (head && index.version === version) set.remember(strategy, version, until, i);
        head = false;
        continue;
      }
      let out = this.#stateOf(state, candidate, index, now);
      if (out instanceof Promise) out = await out;
      if (out !== undefined) {
        if (head) until = Math.min(until, this.#outUntil(candidate, index));
        continue;
      }
      if (head && index.version === version) set.remember(strategy, version, until, i);
      head = false;
      const snapshot = await this.#o.ledger.snapshot(candidate.route, state.pool.policies);
      if (snapshot.status === "standby" && snapshot.circuit !== "half-open") {
        const out = this.#routeOut(state, routeId, { reason: snapshot.reason, until: snapshot.standbyUntil });
        const entry = candidates.list.listed(routeId);
        if (entry) entry.excluded = out;
        continue;
      }
      candidates.list.touch(candidate);
      return snapshot;
    }
    if (head && index.version === version) set.remember(strategy, version, until, ranked.length);
    return undefined;
  }

  /**
   * Why a candidate is out of service, or undefined when it is available. From the index alone, except for a
   * standby whose time is up: then the ledger reads (and recovers) the provider or route, as the index does
   * not recover anything itself.
   */
  #stateOf(state: RequestState, candidate: Candidate, index: AvailabilityIndex, now: number): Exclusion | undefined | Promise<Exclusion | undefined> {
    const providerId = candidate.model.providerId;
    const provider = index.provider(providerId);
    if (provider !== undefined) return stillOut(provider, now) ? providerOut(state, candidate, provider) : this.#readState(state, candidate);
    const route = index.route(candidate.route.routeId);
    if (route === undefined) return undefined;
    return stillOut(route, now) ? this.#routeOut(state, candidate.route.routeId, route) : this.#readState(state, candidate);
  }

  /** When what keeps a candidate out of service ends by itself (Infinity: never, or unknown). */
  #outUntil(candidate: Candidate, index: AvailabilityIndex): number {
    const out = index.provider(candidate.model.providerId) ?? index.route(candidate.route.routeId);
    return out?.until ?? Infinity;
  }

  /** The state of one candidate read through the ledger (lazy recovery included). */
  async #readState(state: RequestState, candidate: Candidate): Promise<Exclusion | undefined> {
    const providerId = candidate.model.providerId;
    const provider = await this.#o.ledger.providerStatus(providerId);
    if (provider.status === "standby") return providerOut(state, candidate, provider);
    const snapshot = await this.#o.ledger.snapshot(candidate.route, state.pool.policies);
    if (snapshot.status === "standby" && snapshot.circuit !== "half-open") return this.#routeOut(state, candidate.route.routeId, { reason: snapshot.reason, until: snapshot.standbyUntil });
    return undefined;
  }

  /** A route's standby as a trace exclusion; a quota standby also records when the quota resets. */
  #routeOut(state: RequestState, routeId: string, out: OutOfService): Exclusion {
    if (out.until !== undefined) noteOut(state, routeId, out.until);
    if (out.reason !== undefined && QUOTA_REASONS.has(out.reason) && out.until !== undefined) blockForQuota(state, routeId, out.until);
    return { stage: "state", reason: `on standby (${out.reason ?? "unknown"})${out.until ? ` until ${new Date(out.until).toISOString()}` : ""}` };
  }

  /**
   * When the trace lists part of the pool: how many members each stage excluded. Counting what is out of
   * service costs one pass over the index; the count is kept per candidate set while the index version holds
   * and no counted standby has ended.
   */
  #summarise(state: RequestState, index: AvailabilityIndex, now: number): void {
    const { candidates, trace } = state;
    if (!candidates.list.partial) return;
    const { set } = candidates;
    const kept = candidates.removed === 0 ? this.#outCounts.get(set) : undefined;
    let out: number;
    if (kept !== undefined && kept.version === index.version && now < kept.until) out = kept.count;
    else {
      out = 0;
      let until = Infinity;
      const providersOut = new Set<string>();
      for (const [providerId, entry] of index.providers) {
        const list = set.byProvider.get(providerId);
        if (list === undefined || !stillOut(entry, now)) continue;
        providersOut.add(providerId);
        until = Math.min(until, entry.until ?? Infinity);
        if (candidates.removed === 0) out += list.length;
        else for (const c of list) if (candidates.has(c.route.routeId)) out++;
      }
      for (const [routeId, entry] of index.routes) {
        const candidate = set.byRoute.get(routeId);
        if (candidate === undefined || !stillOut(entry, now) || providersOut.has(candidate.model.providerId) || !candidates.has(routeId)) continue;
        until = Math.min(until, entry.until ?? Infinity);
        out++;
      }
      if (candidates.removed === 0) this.#outCounts.set(set, { version: index.version, until, count: out });
    }
    trace.candidateSummary = {
      members: set.members.length,
      listed: trace.candidates.length,
      excluded: { pool: set.excluded.pool, requirement: set.excluded.requirement + candidates.removed, state: out },
    };
  }

  /**
   * Asks the pool's strategy, except after a context_length error in this request: then the model with the
   * largest declared window goes first (ties in pool order; unknown windows last), whatever the strategy.
   */
  #select(state: RequestState, eligible: RouteSnapshot[]): SelectionResult | null {
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

  #selectionContext(state: RequestState): SelectionContext {
    const { set } = state.candidates;
    const estimatedPromptTokens = state.kind === "chat" ? (state.promptTokens ??= estimatePromptTokens(state.request as unknown as ChatCompletionRequest)) : 0;
    return new RequestSelectionContext(state.pool.id, state.request, state.sessionKey, this.clock.now(), this.#random, estimatedPromptTokens, [...state.tried], set.excluded.pool + set.excluded.requirement + state.candidates.removed, () => this.#unavailable(state));
  }

  /** Candidates out for state reasons (tried, or out of service per the index); the full set is only built if read. */
  #unavailable(state: RequestState): ReadonlySet<string> {
    const { candidates, tried } = state;
    const index = state.index;
    const now = this.clock.now();
    const isOut = (routeId: string): boolean => {
      if (tried.has(routeId)) return true;
      const candidate = candidates.has(routeId) ? candidates.set.byRoute.get(routeId) : undefined;
      if (candidate === undefined || index === undefined) return false;
      const provider = index.provider(candidate.model.providerId);
      if (provider !== undefined && stillOut(provider, now)) return true;
      const route = index.route(routeId);
      return route !== undefined && stillOut(route, now);
    };
    return new LazySet(isOut, () => {
      const all = new Set(tried);
      for (const routeId of candidates.keys()) if (isOut(routeId)) all.add(routeId);
      return all;
    });
  }

  #finalOf(state: RequestState, routeId: string) {
    // The shared candidate: no request entry is made for it.
    const model = (state.candidates.has(routeId) ? state.candidates.set.byRoute.get(routeId) : undefined)!.model;
    return { routeId, modelId: model.id, providerId: model.providerId, upstreamModel: model.upstreamModel };
  }

  // -- the loop ----------------------------------------------------------------------------------------

  /**
   * The request loop: pick a route, run one attempt on it, and on failure decide (retry the route, rotate, or
   * surface) until success, the deadline, the attempt cap or no candidate. Each attempt is a
   * {@link RouteAttempt}; streams and non-streams share every step but how the output is obtained.
   */
  async #run<T>(
    state: RequestState,
    invoke: ((provider: ProviderConnectorV1, model: RouterModel, call: CallOptions, request: Record<string, unknown>) => Promise<T>) | undefined,
    usageOf: ((value: T) => { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | undefined) | undefined,
  ): Promise<Routed<T>> {
    for (;;) {
      // Choose and admit the next route and start an attempt on it. A turn that only learned something (a
      // refused admission, a wait for a cooling route) looks again; the request is over (a throw) at the
      // deadline, the attempt cap, or when no candidate is left. The awaits are here rather than in a helper:
      // one async frame per request.
      this.#checkLimits(state);
      const eligible = await this.#eligible(state);
      const pick = eligible.length > 0 ? this.#select(state, eligible) : null;
      if (!pick) {
        if (await this.#waitForEarliest(state, eligible.length === 0)) continue;
        throw this.#fail(state, this.#noMore(state));
      }
      const candidate = this.#picked(state, pick);
      const admitted = await this.#o.ledger.acquire(candidate.route, this.#providerPlan(candidate.model.providerId, this.#o.providers.get(candidate.model.providerId)!).descriptor);
      const attempt = this.#startAttempt(state, pick, candidate, admitted, eligible.length);
      if (!attempt) continue;
      try {
        const value = state.stream ? ((await this.#openStream(state, attempt)) as T) : await attempt.scope.race(invoke!(attempt.target.connector, attempt.target.model, attempt.call, state.request));
        return await this.#attemptSucceeded(state, attempt, value, state.stream ? undefined : usageOf);
      } catch (thrown) {
        await this.#attemptFailed(state, attempt, thrown);
      }
    }
  }

  /** Throws when the request may not start another attempt: its deadline passed, or its attempt cap is reached. */
  #checkLimits(state: RequestState): void {
    const { trace, pool } = state;
    if (this.clock.now() >= state.deadline) throw this.#fail(state, new DeadlineExceededError({ deadlineMs: trace.deadlineMs, trace, cause: state.errors.at(-1) }));
    if (trace.attempts.length >= pool.retry.maxTotalAttempts) throw this.#fail(state, this.#noMore(state));
  }

  /** The candidate the strategy picked; throws `MM_INTERNAL` when it picked something else. */
  #picked(state: RequestState, pick: SelectionResult): Candidate {
    // The shared candidate: its request entry (a trace entry) is only made when a refusal must be recorded.
    const candidate = state.candidates.has(pick.routeId) ? state.candidates.set.byRoute.get(pick.routeId) : undefined;
    if (!candidate) throw this.#fail(state, new ModelMeshError({ code: "MM_INTERNAL", category: "internal", message: `[modelmesh] [${state.pool.policies.selection.id}] selected '${pick.routeId}', which is not a candidate` }));
    return candidate;
  }

  /**
   * Starts an attempt on the picked candidate once the ledger answered its admission; undefined when it was
   * refused (the refusal is recorded, and the loop looks again).
   */
  #startAttempt(state: RequestState, pick: SelectionResult, candidate: Candidate, admitted: AcquireResult, eligible: number): RouteAttempt | undefined {
    const { trace, pool } = state;
    const { model, route } = candidate;
    const providerEntry = this.#o.providers.get(model.providerId)!;
    const { descriptor: provider, timeouts } = this.#providerPlan(model.providerId, providerEntry);
    if (!admitted.ok) {
      state.candidates.get(route.routeId)!.trace.excluded = { stage: "state", reason: admitted.retryAt ? `${admitted.reason} until ${new Date(admitted.retryAt).toISOString()}` : admitted.reason };
      if (admitted.retryAt !== undefined) noteOut(state, route.routeId, admitted.retryAt);
      if (admitted.kind === "quota" && admitted.retryAt !== undefined) blockForQuota(state, route.routeId, admitted.retryAt);
      state.tried.add(route.routeId);
      return undefined;
    }
    const attemptNo = trace.attempts.length + 1;
    const previous = trace.attempts.at(-1);
    if (this.events.active) {
      const now = this.clock.now();
      if (previous && previous.routeId !== route.routeId && this.events.wants("rotation")) {
        this.events.emit({ type: "rotation", timestamp: now, requestId: state.requestId, poolId: pool.id, from: previous.routeId, to: route.routeId, reason: previous.error?.category ?? "unknown" });
      }
      if (this.events.wants("route-selected")) this.events.emit({ type: "route-selected", timestamp: now, requestId: state.requestId, poolId: pool.id, routeId: route.routeId, strategy: pool.policies.selection.id, reason: pick.reason, attempt: attemptNo, eligible, excluded: trace.candidates.length - eligible });
      if (this.events.wants("attempt-start")) this.events.emit({ type: "attempt-start", timestamp: now, requestId: state.requestId, attempt: attemptNo, routeId: route.routeId, providerId: model.providerId, modelId: model.id });
    }
    const entry: TraceAttempt = { attempt: attemptNo, routeId: route.routeId, modelId: model.id, providerId: model.providerId, selectedBy: pool.policies.selection.id, reason: pick.reason, startedAt: this.clock.now(), latencyMs: 0, ok: false, action: "rotate" };
    trace.attempts.push(entry);
    return new RouteAttempt(
      (state.attemptContext ??= { ledger: this.#o.ledger, clock: this.clock, events: this.events, pool, requestId: state.requestId, sessionKey: state.sessionKey, stream: state.stream, deadline: state.deadline, caller: state.caller, warnings: trace.warnings }),
      {
        model, route, provider, connector: providerEntry.connector, admitted,
        // Streams: the route's first-token budget (model, then pool, then provider, then routing; `auto` learns
        // it). Non-streams: the response budget, else only the deadline.
        budgetMs: state.stream ? this.#firstToken.budget(route.routeId, model.firstTokenMs ?? pool.firstTokenMs ?? timeouts.firstTokenMs, model.features.reasoning === true) : timeouts.responseMs,
        connectMs: timeouts.connectMs,
        idleMs: timeouts.idleMs,
        responseLimits: providerEntry.responseLimits,
      },
      entry,
    );
  }

  /** A stream attempt's output: resolves once it committed; the attempt settles when the stream ends. */
  #openStream(state: RequestState, attempt: RouteAttempt): Promise<AsyncIterable<ChatCompletionChunk>> {
    const { model, route } = attempt.target;
    return openCommittedStream({
      provider: attempt.target.connector,
      request: { ...(state.request as unknown as ChatCompletionRequest), model: model.upstreamModel },
      call: attempt.call,
      scope: attempt.scope,
      clock: this.clock,
      route: { id: route.routeId, providerId: model.providerId, modelId: model.id },
      events: this.events,
      requestId: state.requestId,
      startedAt: attempt.entry.startedAt,
      commit: state.commit,
      onFirstOutput: (ms) => this.#firstToken.observe(route.routeId, ms),
      onEnd: (outcome) => attempt.settle(outcome),
      trace: state.trace,
      resume: state.resume ? (partial) => this.#resume(state, route.routeId, partial) : undefined,
    });
  }

  /**
   * The one success path: the attempt's output is in hand (a non-streamed answer, or a committed stream). A
   * non-streamed attempt settles now; a stream settles when it ends (its `onEnd`).
   */
  #attemptSucceeded<T>(state: RequestState, attempt: RouteAttempt, value: T, usageOf: UsageOf<T> | undefined): Promise<Routed<T>> {
    const { entry } = attempt;
    // A non-streamed answer is complete: its timers stop now (a committed stream's keep its idle bound).
    if (!state.stream) attempt.scope.dispose();
    entry.ok = true;
    entry.action = "success";
    entry.latencyMs = attempt.elapsed();
    // Promise chains rather than an async frame: this runs once per successful request.
    if (attempt.target.admitted.endpointProbe) return this.#o.ledger.endpointReachable(attempt.target.model.providerId).then(() => this.#settleSuccess(state, attempt, value, usageOf));
    return this.#settleSuccess(state, attempt, value, usageOf);
  }

  /** The rest of {@link #attemptSucceeded}: a non-streamed attempt settles (records its outcome), then the request succeeds. */
  #settleSuccess<T>(state: RequestState, attempt: RouteAttempt, value: T, usageOf: UsageOf<T> | undefined): Promise<Routed<T>> {
    if (state.stream) return Promise.resolve(this.#succeeded(state, attempt, value));
    const usage = usageOf?.(value);
    // `settle` reads only the two counts (an absent one counts as 0): the answer's usage object goes as is.
    return attempt.settle({ ok: true, usage: usage ?? undefined }).then(() => {
      const { entry } = attempt;
      if (this.events.wants("attempt-end")) this.events.emit({ type: "attempt-end", timestamp: this.clock.now(), requestId: state.requestId, attempt: entry.attempt, routeId: attempt.target.route.routeId, latencyMs: entry.latencyMs, promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0 });
      return this.#succeeded(state, attempt, value);
    });
  }

  #succeeded<T>(state: RequestState, attempt: RouteAttempt, value: T): Routed<T> {
    this.#succeed(state, attempt.target.route.routeId, state.stream ? undefined : value);
    return { value, trace: state.trace };
  }

  /**
   * A failure before any output: classify it once, record it (or park the endpoint), and decide. Returns when
   * the loop should go on (after a same-route delay, or to another route); throws when the request is over.
   */
  async #attemptFailed(state: RequestState, attempt: RouteAttempt, thrown: unknown): Promise<void> {
    const { trace, pool } = state;
    const { entry, scope } = attempt;
    const { model, route, provider, admitted } = attempt.target;
    const aborted = scope.abortError;
    scope.dispose();
    const error = normaliseError(aborted !== undefined && scope.cause ? aborted : thrown, attempt.target.connector, model);
    entry.latencyMs = attempt.elapsed();
    entry.error = { code: error.code, category: error.category, status: error.status, message: error.message, retryAfterMs: error.retryAfterMs };
    state.errors.push(error);
    if (scope.cause === "caller") {
      attempt.release();
      entry.action = "cancelled";
      throw this.#fail(state, error);
    }
    if (scope.cause === "deadline") {
      attempt.release();
      entry.action = "deadline";
      throw this.#fail(state, new DeadlineExceededError({ deadlineMs: trace.deadlineMs, trace, cause: error, model: model.id, provider: model.providerId }));
    }
    if (attempt.learned) await this.#o.ledger.learnRateLimit(route, attempt.learned);
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
      if (error.category === "quota_exhausted" && result.standbyUntil !== undefined) blockForQuota(state, route.routeId, result.standbyUntil);
      pool.policies.selection.observe?.({ routeId: route.routeId, ok: false, latencyMs: entry.latencyMs, poolId: pool.id, sessionKey: state.sessionKey });
    }
    attempt.release();
    const retries = state.sameRouteRetries?.get(route.routeId) ?? 0;
    const decision = decide(error, { retry: pool.retry, sameRouteRetries: retries, remainingMs: state.deadline - this.clock.now(), random: this.#random, failoverOnContentFilter: pool.failoverOnContentFilter, routeParked: parked });
    entry.action = decision.action;
    if (this.events.wants("attempt-error")) this.events.emit({ type: "attempt-error", timestamp: this.clock.now(), requestId: state.requestId, attempt: entry.attempt, routeId: route.routeId, category: error.category, code: error.code, status: error.status, action: decision.action, delayMs: decision.action === "retry-same-route" ? decision.delayMs : undefined, message: error.message });
    if (decision.action === "surface") throw this.#fail(state, error);
    if (decision.action === "retry-same-route") {
      entry.delayMs = decision.delayMs;
      (state.sameRouteRetries ??= new Map()).set(route.routeId, retries + 1);
      await this.#sleep(state, decision.delayMs);
      return;
    }
    // rotate
    state.tried.add(route.routeId);
    // The whole provider is out for this request: its candidates come from the shared set's per-provider list,
    // without making a request entry for each candidate of the pool.
    if (error.category === "auth" || endpointDown) for (const c of state.candidates.set.byProvider.get(model.providerId) ?? []) state.tried.add(c.route.routeId);
    if (error.category === "context_length" && model.contextWindow !== undefined) {
      // Only models known to be no larger are skipped; a model whose window is unknown may still fit.
      state.minContextWindow = Math.max(state.minContextWindow ?? 0, model.contextWindow);
      this.#refilter(state);
    }
  }

  /**
   * Continues an interrupted stream: the same request plus the delivered text as an assistant prefill, routed
   * only to models that accept a prefill, never back to the route that broke. Its attempts join the trace.
   */
  async #resume(state: RequestState, failedRouteId: string, partial: string): Promise<AsyncIterable<ChatCompletionChunk> | undefined> {
    const original = state.request as unknown as ChatCompletionRequest;
    const request: ChatCompletionRequest = { ...original, messages: [...original.messages, { role: "assistant", content: partial }] };
    const sub = this.#begin("chat", request, true, { abort: state.caller, deadlineMs: state.trace.deadlineMs, requestId: `${state.requestId}.resume`, resume: false });
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
      await sleep(this.clock, ms, state.caller);
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
    // From the availability index: only what is out of service can be waited for.
    const index = await this.#o.ledger.availability();
    const at = this.clock.now();
    for (const candidate of state.candidates.candidates()) {
      const routeId = candidate.route.routeId;
      const provider = index.provider(candidate.model.providerId);
      if (provider !== undefined && stillOut(provider, at) && provider.reason === "endpoint_unreachable" && provider.until !== undefined) {
        onParkedEndpoint.push(routeId);
        if (provider.until < earliest) endpointWait = true;
        earliest = Math.min(earliest, provider.until);
        continue;
      }
      if (state.tried.has(routeId)) continue;
      const route = index.route(routeId);
      if (route !== undefined && stillOut(route, at) && route.until !== undefined && route.reason === "rate_limited") {
        if (route.until < earliest) endpointWait = false;
        earliest = Math.min(earliest, route.until);
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

  #succeed(state: RequestState, routeId: string, response?: unknown): void {
    const { trace } = state;
    trace.outcome = "success";
    trace.final = this.#finalOf(state, routeId);
    trace.endedAt = this.clock.now();
    if (this.events.wants("request-end")) {
      const answer = response !== undefined && this.events.capturePayloads ? { response } : {};
      this.events.emit({ type: "request-end", timestamp: trace.endedAt, requestId: state.requestId, ok: true, latencyMs: trace.endedAt - trace.startedAt, attempts: trace.attempts.length, trace, ...answer });
    }
  }

  #fail(state: RequestState, error: ModelMeshError): ModelMeshError {
    const { trace } = state;
    trace.outcome = "error";
    trace.endedAt = this.clock.now();
    if (!(error as { trace?: RoutingTrace }).trace) attachTrace(error, trace);
    if (this.events.wants("request-end")) this.events.emit({ type: "request-end", timestamp: trace.endedAt, requestId: state.requestId, ok: false, latencyMs: trace.endedAt - trace.startedAt, attempts: trace.attempts.length, code: error.code, trace });
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
    // A partial list (a large pool) names the listed exclusions and counts the others.
    const summary = trace.candidateSummary;
    const unlisted = summary ? summary.members - summary.listed : 0;
    const more = unlisted > 0 ? `; ${unlisted} more of the pool's ${summary!.members} members are not listed` : "";
    const detail = excluded.length > 0 ? excluded.map((c) => `${c.modelId}: ${c.excluded!.requirement ? `lacks ${c.excluded!.requirement} (${c.excluded!.reason})` : c.excluded!.reason}`).join("; ") + more : "the pool has no members";
    const requirementOnly = unlisted > 0 ? state.candidates.size === 0 : excluded.length > 0 && excluded.every((c) => c.excluded!.stage === "requirement" || c.excluded!.stage === "pool");
    // Every candidate out of service for a known time: say when the first comes back (the proxy's Retry-After).
    const back = requirementOnly ? undefined : this.#backAt(state);
    return new RoutingError({
      code: "MM_NO_CANDIDATES", category: "routing", retryable: false, status: requirementOnly ? 400 : 503, trace, attempts: state.errors,
      ...(back !== undefined ? { retryAfterMs: Math.max(0, back - this.clock.now()) } : {}),
      message: `[modelmesh] [pool ${pool.id}] no model can serve this request: ${detail}.${requirementOnly ? " Add a model with the missing capability to the pool, or drop the requirement from the request." : ""}`,
    });
  }

  /** If every candidate that passed the requirement filter was out of service until a known time, the earliest. */
  #backAt(state: RequestState): number | undefined {
    if (state.candidates.size === 0) return undefined;
    let earliest = Infinity;
    for (const routeId of state.candidates.keys()) {
      const until = state.outUntil?.get(routeId);
      if (until === undefined || !Number.isFinite(until)) return undefined;
      earliest = Math.min(earliest, until);
    }
    return earliest;
  }

  /** If every candidate that passed the requirement filter is out only for quota, the earliest reset. */
  #quotaOnly(state: RequestState): number | undefined {
    if (state.candidates.size === 0) return undefined;
    let earliest = Infinity;
    for (const routeId of state.candidates.keys()) {
      const until = state.quotaBlocked?.get(routeId);
      if (until === undefined) return undefined;
      earliest = Math.min(earliest, until);
    }
    return earliest;
  }
}


/** Reads the token usage of an answer. */
type UsageOf<T> = (value: T) => { prompt_tokens?: number; completion_tokens?: number } | undefined;

/** A non-streamed chat attempt: the request with the route's upstream model (module-level: no closure per request). */
function completeChat(provider: ProviderConnectorV1, model: RouterModel, call: CallOptions, request: Record<string, unknown>): Promise<ChatCompletion> {
  return provider.complete({ ...(request as unknown as ChatCompletionRequest), model: model.upstreamModel }, call);
}

function chatUsage(response: ChatCompletion): ChatCompletion["usage"] {
  return response.usage;
}

/** Notes that a route was out of service until `until` when considered (the map is created on first use). */
function noteOut(state: RequestState, routeId: string, until: number): void {
  (state.outUntil ??= new Map()).set(routeId, until);
}

/** Notes that a route is out for quota until `until` (the map is created on first use: most requests never need it). */
function blockForQuota(state: RequestState, routeId: string, until: number): void {
  (state.quotaBlocked ??= new Map()).set(routeId, until);
}

/**
 * Token usage of an image or transcription answer (`usage.input_tokens` / `output_tokens`, as token-billed
 * models such as gpt-image-1 and gpt-4o-transcribe report it), in the chat shape the ledger records.
 */
function mediaUsage(response: object): { prompt_tokens: number; completion_tokens: number; total_tokens: number } | undefined {
  const usage = (response as { usage?: { input_tokens?: unknown; output_tokens?: unknown; total_tokens?: unknown } }).usage;
  if (typeof usage !== "object" || usage === null) return undefined;
  const prompt = typeof usage.input_tokens === "number" ? usage.input_tokens : 0;
  const completion = typeof usage.output_tokens === "number" ? usage.output_tokens : 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: typeof usage.total_tokens === "number" ? usage.total_tokens : prompt + completion };
}

function sessionKeyOf(pool: RouterPool, request: Record<string, unknown>, options: RequestOptions): string | undefined {
  // `options.headers` is read only when the pool keys sessions by a header (a caller may build it on read).
  const headers = pool.session?.header ? options.headers : undefined;
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

/** A filter's verdict on a candidate, as the trace records it. */
type Exclusion = NonNullable<TraceCandidate["excluded"]>;

/** A provider's standby as a trace exclusion (and when it ends, for the candidate's route). */
function providerOut(state: RequestState, candidate: Candidate, out: OutOfService): Exclusion {
  const providerId = candidate.model.providerId;
  if (out.until !== undefined) noteOut(state, candidate.route.routeId, out.until);
  return { stage: "state", reason: `provider ${providerId} on standby (${out.reason ?? "unknown"})${out.until ? ` until ${new Date(out.until).toISOString()}` : ""}` };
}

/** What a strategy sees of a request; `unavailable` is made when a strategy reads it (priority selection does not). */
class RequestSelectionContext implements SelectionContext {
  #unavailable: ReadonlySet<string> | undefined;
  readonly #makeUnavailable: () => ReadonlySet<string>;

  constructor(
    readonly poolId: string,
    readonly request: Record<string, unknown>,
    readonly sessionKey: string | undefined,
    readonly now: number,
    readonly random: () => number,
    readonly estimatedPromptTokens: number,
    readonly tried: readonly string[],
    readonly requirementFiltered: number,
    makeUnavailable: () => ReadonlySet<string>,
  ) {
    this.#makeUnavailable = makeUnavailable;
  }

  get unavailable(): ReadonlySet<string> {
    return (this.#unavailable ??= this.#makeUnavailable());
  }
}

/** A read-only set whose membership test is cheap and whose members are listed only when asked for. */
class LazySet implements ReadonlySet<string> {
  readonly #has: (value: string) => boolean;
  readonly #fill: () => Set<string>;
  #all: Set<string> | undefined;

  constructor(has: (value: string) => boolean, fill: () => Set<string>) {
    this.#has = has;
    this.#fill = fill;
  }

  has(value: string): boolean {
    return this.#has(value);
  }
  get size(): number {
    return this.#members().size;
  }
  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void, thisArg?: unknown): void {
    for (const value of this.#members()) callback.call(thisArg, value, value, this);
  }
  entries(): SetIterator<[string, string]> {
    return this.#members().entries();
  }
  keys(): SetIterator<string> {
    return this.#members().keys();
  }
  values(): SetIterator<string> {
    return this.#members().values();
  }
  [Symbol.iterator](): SetIterator<string> {
    return this.#members()[Symbol.iterator]();
  }
  #members(): Set<string> {
    return (this.#all ??= this.#fill());
  }
}

function attachTrace(error: ModelMeshError, trace: RoutingTrace): void {
  Object.defineProperty(error, "trace", { value: trace, enumerable: false, configurable: true });
}

export type { RotationPolicySet };
