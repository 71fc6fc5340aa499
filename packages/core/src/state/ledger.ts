import type { AttemptOutcome, DeactivationDecision, DeactivationReason, RecoveryTrigger } from "../connectors/rotation.js";
import type { RateLimitInfo } from "../connectors/provider.js";
import type { MeshEventBus } from "../events/events.js";
import type { Clock } from "../internal/clock.js";
import { chain, isPending, promised } from "../internal/maybe.js";
import type { Maybe } from "../internal/maybe.js";
import type {
  AcquireResult,
  FailureReport,
  LedgerPolicies,
  LedgerRouteSnapshot,
  ProviderDescriptor,
  ProviderRecord,
  ProviderStatus,
  QuotaUsage,
  RecordResult,
  RouteDescriptor,
  RouteRecord,
  StateLedgerOptions,
  SuccessReport,
} from "./ledger-types.js";
import { AvailabilityIndex } from "./availability-index.js";
import { ProbeLeases } from "./probe-lease.js";
import { ProviderLedger } from "./provider-ledger.js";
import { QuotaMeter } from "./quota-meter.js";
import {
  CALLER_CATEGORIES,
  HEALTH_CATEGORIES,
  INITIAL_ROUTE_RECORD,
  applyFailure,
  applySuccess,
  learnedLimitUntil,
  parkRoute,
  reactivateRoute,
  recoverRoute,
  recoveryTriggerFor,
  routeRecoveryDue,
  toSnapshot,
} from "./route-record.js";
import type { LocalRouteState } from "./route-record.js";
import { decideStandby } from "./standby-decision.js";
import type { StandbyContext } from "./standby-decision.js";
import type { StateStore, VersionedValue } from "./state-store.js";
import { StoreAccess } from "./store-access.js";

export type {
  AcquireResult,
  FailureReport,
  LedgerPolicies,
  LedgerRouteSnapshot,
  ProviderDescriptor,
  ProviderStatus,
  QuotaLimits,
  QuotaUsage,
  RecordResult,
  RouteDescriptor,
  StateLedgerOptions,
  SuccessReport,
} from "./ledger-types.js";

const OK: AcquireResult = Object.freeze({ ok: true, probe: false });
const OK_PROBE: AcquireResult = Object.freeze({ ok: true, probe: true });
const RESOLVED: Promise<void> = Promise.resolve();

/** Longest age (ms) of a read `snapshot` sent for `acquire` ({@link StateLedger}'s prefetch) that `acquire` still uses. */
const PREFETCH_MS = 100;

/** The identity change: `#mutateRoute` with it applies lazy recovery only. */
const keep = (record: RouteRecord): RouteRecord => record;

/**
 * The per-route and per-provider state ledger the router consults and updates (docs/ARCHITECTURE.md §2.9).
 * All state lives in the {@link StateStore} as absolute instants, except two per-instance facts kept in
 * memory: in-flight counts and last-use times.
 *
 * Call order per attempt: `snapshot` (state filter) → `acquire` → call upstream → `recordSuccess` or
 * `recordFailure` → `release` (in `finally`). Recording before releasing is preferred; releasing first
 * also works, because a released probe lease lingers `probeReleaseGraceMs` so the outcome still lands
 * before another probe starts. Policies passed to `record*` must be pure: with a compare-and-set backend
 * they run inside the retry loop and may be evaluated more than once.
 *
 * The calls of every request (`snapshot`, `acquire`, `release`, `recordSuccess`) compose the store's
 * operations as {@link Maybe} values ({@link StoreAccess}): on the in-process memory store they run
 * synchronously and each call creates at most the one promise it returns; any other store is awaited step by
 * step as usual.
 *
 * @example
 * const ledger = new StateLedger({ store: new MemoryStateStore({ clock }), clock, events });
 * const ticket = await ledger.acquire(route, provider);
 * if (ticket.ok) try { … await ledger.recordSuccess(route, provider, report, policies) } finally { await ledger.release(route) }
 */
export class StateLedger {
  readonly #store: StateStore;
  /** The store as the hot path reads it: synchronous on the memory store. */
  readonly #access: StoreAccess;
  readonly #clock: Clock;
  readonly #events: MeshEventBus | undefined;
  readonly #prefix: string;
  readonly #window: number;
  readonly #minSamples: number;
  readonly #graceMs: number;
  readonly #onChange: (() => void) | undefined;
  readonly #meter: QuotaMeter;
  readonly #providers: ProviderLedger;
  readonly #probes: ProbeLeases;
  readonly #local = new Map<string, LocalRouteState>();
  readonly #index = new AvailabilityIndex();
  readonly #refreshMs: number;
  /** The first load of the index (then: a background re-read, for stores without `watch`). */
  #indexLoad: Promise<void> | undefined;
  #indexReady = false;
  #indexLoadedAt = 0;
  #unwatch: Array<() => void> = [];
  /** Ids noted while a (re-)read of the index is in flight: what the read brings back is older for them. */
  #notedDuringLoad: Set<string> | undefined;
  /** Route id → key of its record (the same string every time, see {@link #routeKey}). */
  readonly #routeKeys = new Map<string, string>();
  /**
   * Ordered async stores (Redis): the provider and route records `acquire` reads, sent by `snapshot` in the same
   * round trip as its own read, per route id. `acquire` takes them when they are younger than
   * {@link PREFETCH_MS} and nothing in this process wrote the route or a provider since; else it reads anew.
   */
  readonly #prefetched = new Map<string, { at: number; providerId: string; values: Promise<unknown[]> }>();
  /** Per quota-key list of a route (it changes when a window turns over): the keys {@link snapshot} reads. */
  readonly #snapshotKeyLists = new WeakMap<readonly string[], readonly string[]>();
  /** Per route descriptor: the keys {@link acquire} reads, and the route and provider ids they were made for. */
  readonly #acquireKeyLists = new WeakMap<RouteDescriptor, { routeId: string; providerId: string; keys: readonly string[] }>();

  constructor(options: StateLedgerOptions) {
    this.#store = options.store;
    this.#access = new StoreAccess(options.store);
    this.#clock = options.clock;
    this.#events = options.events;
    this.#prefix = options.keyPrefix ?? "mm:";
    this.#window = options.errorRateWindow ?? 20;
    this.#minSamples = options.errorRateMinSamples ?? 5;
    this.#graceMs = options.probeReleaseGraceMs ?? 1_000;
    this.#onChange = options.onChange;
    this.#meter = new QuotaMeter(this.#access, this.#prefix);
    const instanceId = options.instanceId ?? Math.random().toString(36).slice(2, 10);
    this.#probes = new ProbeLeases(this.#access, this.#clock, `${this.#prefix}probe:`, options.probeLeaseMs ?? 60_000, instanceId);
    this.#providers = new ProviderLedger(this.#store, `${this.#prefix}provider:`, options.events, options.onChange, (id, record) => this.#noteProvider(id, record));
    this.#refreshMs = options.availabilityRefreshMs ?? 5_000;
  }

  /**
   * The index of routes and providers out of service ({@link AvailabilityIndex}): what the router's state
   * filter subtracts from a pool's candidates instead of reading every candidate's state. The first call
   * reads the store's route and provider records (and subscribes to the store's `watch` feed when it has
   * one); later calls resolve at once, starting a background re-read when the store has no feed and the index
   * is older than `availabilityRefreshMs`.
   */
  async availability(): Promise<AvailabilityIndex> {
    this.availabilityIfLoaded();
    // The first load, or a re-read in flight: wait for it (the router's hot path uses availabilityIfLoaded).
    if (this.#indexLoad === undefined && !this.#indexReady) {
      const load = this.#loadIndex().finally(() => {
        if (this.#indexLoad === load) this.#indexLoad = undefined;
      });
      this.#indexLoad = load;
    }
    if (this.#indexLoad !== undefined) await this.#indexLoad;
    return this.#index;
  }

  /**
   * {@link availability} without waiting: the index once it has been loaded (a re-read it starts runs in the
   * background), else undefined.
   */
  availabilityIfLoaded(): AvailabilityIndex | undefined {
    if (!this.#indexReady) return undefined;
    if (this.#unwatch.length === 0 && this.#indexLoad === undefined && this.#clock.now() - this.#indexLoadedAt >= this.#refreshMs) {
      const reload = this.#loadIndex().finally(() => {
        if (this.#indexLoad === reload) this.#indexLoad = undefined;
      });
      this.#indexLoad = reload;
      reload.catch(() => {});
    }
    return this.#index;
  }

  /** The route's state, after lazy recovery (a standby route whose time passed turns half-open, once). */
  snapshot(route: RouteDescriptor, policies?: LedgerPolicies): Promise<LedgerRouteSnapshot> {
    const now = this.#clock.now();
    const id = route.routeId;
    if (!this.#access.batchesReads) return this.#snapshotApart(route, now, policies);
    try {
      // The record and the quota counters in one batch read, then a Maybe chain rather than an async frame:
      // this is the state read of every routed request.
      if (this.#access.pipelines) this.#prefetch(route, now);
      return promised(
        chain(this.#access.getMany(this.#snapshotKeys(route, now)), (values) => {
          const stored = values[0] as RouteRecord | undefined;
          this.#noteRoute(id, stored);
          const usage = this.#meter.usageOf(route, now, values as Array<number | undefined>, 1);
          if (!routeRecoveryDue(stored, now)) return toSnapshot(route, stored ?? INITIAL_ROUTE_RECORD, this.#local.get(id), usage, this.#minSamples);
          return chain(this.#mutateRoute(id, now, policies?.recovery.probe, keep), (recovered) => toSnapshot(route, recovered, this.#local.get(id), usage, this.#minSamples));
        }),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@link snapshot} for a store without batch reads: the record and the counters read side by side. */
  async #snapshotApart(route: RouteDescriptor, now: number, policies: LedgerPolicies | undefined): Promise<LedgerRouteSnapshot> {
    const [record, usage] = await Promise.all([this.#route(route.routeId, now, policies?.recovery.probe), this.#meter.usage(route, now)]);
    return toSnapshot(route, record, this.#local.get(route.routeId), usage, this.#minSamples);
  }

  /**
   * Snapshots of several routes, read in one batch where the store allows: what a strategy that weighs every
   * available candidate is handed. Same result as {@link snapshot} on each.
   */
  async snapshots(routes: readonly RouteDescriptor[], policies?: LedgerPolicies): Promise<LedgerRouteSnapshot[]> {
    if (routes.length === 0) return [];
    const now = this.#clock.now();
    const keys = routes.map((route) => this.#routeKey(route.routeId));
    const [stored, usages] = await Promise.all([
      this.#store.getMany ? this.#store.getMany<RouteRecord>(keys) : Promise.all(keys.map((key) => this.#store.get<RouteRecord>(key))),
      this.#meter.usageMany(routes, now),
    ]);
    const out = new Array<LedgerRouteSnapshot>(routes.length);
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i]!;
      let record = stored[i];
      this.#noteRoute(route.routeId, record);
      if (routeRecoveryDue(record, now)) record = await this.#route(route.routeId, now, policies?.recovery.probe);
      out[i] = toSnapshot(route, record ?? INITIAL_ROUTE_RECORD, this.#local.get(route.routeId), usages[i]!, this.#minSamples);
    }
    return out;
  }

  /** A provider's availability, after lazy recovery of a timed standby. */
  providerStatus(providerId: string): Promise<ProviderStatus> {
    return this.#providers.status(providerId, this.#clock.now());
  }

  /**
   * Admits one attempt on `route`, or says why not. Refuses while the provider or route is on standby, while
   * a learned rate limit is spent, while another instance or request holds the half-open probe (exactly one
   * at a time), or when a quota window is full (emitting `quota-exhausted` once per window). On admission
   * it counts the request in the quota windows and raises the in-flight count: call {@link release} after.
   */
  acquire(route: RouteDescriptor, provider: ProviderDescriptor, options?: { estimatedTokens?: number }): Promise<AcquireResult> {
    try {
      const now = this.#clock.now();
      const estimatedTokens = options?.estimatedTokens;
      if (!this.#access.batchesReads) {
        return this.#providers.status(provider.providerId, now).then((prov) => this.#acquireFor(route, provider, now, estimatedTokens, prov, false, undefined));
      }
      // Where the store reads in batches, the route's record is read with the provider's: it is used when reading
      // the provider changed nothing (no standby ended, no endpoint probe), else read again below as usual.
      const read = this.#takePrefetched(route.routeId, provider.providerId, now) ?? this.#access.getMany<unknown>(this.#acquireKeys(route, provider.providerId));
      return promised(
        chain(read, (values) => {
          const prov = this.#providers.statusFrom(provider.providerId, values[0] as ProviderRecord | undefined, now);
          if (isPending(prov)) return prov.then((ended) => this.#acquireFor(route, provider, now, estimatedTokens, ended, false, undefined));
          return this.#acquireFor(route, provider, now, estimatedTokens, prov, true, values[1] as RouteRecord | undefined);
        }),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * {@link acquire} once the provider's status is known: takes the endpoint probe lease when the provider is on
   * probation, then reads the route's record unless the batch read (`batched`) brought a still valid one.
   */
  #acquireFor(
    route: RouteDescriptor,
    provider: ProviderDescriptor,
    now: number,
    estimatedTokens: number | undefined,
    prov: ProviderStatus,
    batched: boolean,
    batchedRecord: RouteRecord | undefined,
  ): Maybe<AcquireResult> {
    if (prov.status === "standby") return { ok: false, kind: "provider", reason: `provider standby: ${prov.reason ?? "manual"}`, retryAt: prov.until };
    const routeKey = this.#routeKey(route.routeId);
    if (!prov.probing) return this.#acquireRoute(route, provider, now, estimatedTokens, undefined, batched ? batchedRecord : this.#access.get<RouteRecord>(routeKey));
    return chain(this.#probes.acquire(endpointLeaseId(provider.providerId), now), (taken): Maybe<AcquireResult> => {
      if (!taken) return { ok: false, kind: "probe", reason: "endpoint probe in flight" };
      return this.#acquireRoute(route, provider, now, estimatedTokens, provider.providerId, this.#access.get<RouteRecord>(routeKey));
    });
  }

  /**
   * {@link acquire} given the route's stored record: lazy recovery, then the route's own refusals (standby, a
   * spent learned limit, the half-open probe held elsewhere). `heldEndpoint` is the provider whose endpoint
   * lease this acquisition holds, to hand back on a refusal.
   */
  #acquireRoute(
    route: RouteDescriptor,
    provider: ProviderDescriptor,
    now: number,
    estimatedTokens: number | undefined,
    heldEndpoint: string | undefined,
    storedRecord: Maybe<RouteRecord | undefined>,
  ): Maybe<AcquireResult> {
    const id = route.routeId;
    return chain(storedRecord, (stored) => {
      this.#noteRoute(id, stored);
      const record = routeRecoveryDue(stored, now) ? this.#mutateRoute(id, now, undefined, keep) : (stored ?? INITIAL_ROUTE_RECORD);
      return chain(record, (record): Maybe<AcquireResult> => {
        if (record.status === "standby" || record.circuit === "open") {
          return this.#refuse({ ok: false, kind: "route", reason: `route standby: ${record.reason ?? "manual"}`, retryAt: record.standbyUntil }, id, false, heldEndpoint);
        }
        const limitedUntil = learnedLimitUntil(record.rateLimit, now);
        if (limitedUntil !== undefined) return this.#refuse({ ok: false, kind: "rate_limit", reason: "rate limit: spent per response headers", retryAt: limitedUntil }, id, false, heldEndpoint);
        if (record.circuit !== "half-open") return this.#admit(route, provider, now, estimatedTokens, heldEndpoint, false);
        return chain(this.#probes.acquire(id, now), (taken) =>
          taken ? this.#admit(route, provider, now, estimatedTokens, heldEndpoint, true) : this.#refuse({ ok: false, kind: "probe", reason: "probe in flight" }, id, false, heldEndpoint),
        );
      });
    });
  }

  /**
   * The last step of {@link acquire}: counts the request in the quota windows (refusing, and emitting
   * `quota-exhausted` once per window, when one is full) and raises the in-flight count.
   */
  #admit(route: RouteDescriptor, provider: ProviderDescriptor, now: number, estimatedTokens: number | undefined, heldEndpoint: string | undefined, probe: boolean): Maybe<AcquireResult> {
    const id = route.routeId;
    return chain(this.#meter.admit(route, provider, now, estimatedTokens), (full): Maybe<AcquireResult> => {
      if (full) {
        return chain(this.#refuse(OK, id, probe, heldEndpoint), () =>
          chain(this.#meter.markExhausted(full), (first): AcquireResult => {
            if (first) this.#events?.emit({ type: "quota-exhausted", timestamp: now, routeId: id, window: `${full.scope}:${full.window}`, resetsAt: full.resetsAt });
            return { ok: false, kind: "quota", reason: `quota: ${full.scope} ${full.window}`, retryAt: full.resetsAt };
          }),
        );
      }
      const local = this.#local.get(id);
      if (local) {
        local.inFlight++;
        local.lastUsedAt = now;
      } else this.#local.set(id, { inFlight: 1, lastUsedAt: now });
      this.#onChange?.();
      if (heldEndpoint !== undefined) return { ok: true, probe, endpointProbe: true };
      return probe ? OK_PROBE : OK;
    });
  }

  /**
   * Ends an admitted attempt: lowers in-flight. A probe lease still held (no outcome recorded yet, e.g. a
   * cancel or a caller error) is shortened to `probeReleaseGraceMs`, so an outcome recorded just after
   * still counts as the probe's and no second probe slips in meanwhile.
   */
  release(route: RouteDescriptor, ticket?: AcquireResult): Promise<void> {
    const local = this.#local.get(route.routeId);
    if (local && local.inFlight > 0) local.inFlight--;
    // Most attempts hold no lease: nothing to wait for then.
    if (!this.#probes.holds(route.routeId) && !(ticket?.ok && ticket.endpointProbe)) return RESOLVED;
    return this.#releaseLeases(route, ticket);
  }

  async #releaseLeases(route: RouteDescriptor, ticket: AcquireResult | undefined): Promise<void> {
    await this.#probes.release(route.routeId, this.#graceMs);
    if (ticket?.ok && ticket.endpointProbe) await this.#probes.release(endpointLeaseId(route.providerId), this.#graceMs);
  }

  /**
   * Hands back the leases an acquisition took before it was refused (the route's probe lease when `probe`, the
   * endpoint's of `endpointProvider` when given), and returns `result`.
   */
  #refuse(result: AcquireResult, routeId: string, probe: boolean, endpointProvider: string | undefined): Maybe<AcquireResult> {
    return chain(probe ? this.#probes.release(routeId, 0) : undefined, () =>
      endpointProvider === undefined ? result : chain(this.#probes.release(endpointLeaseId(endpointProvider), 0), () => result),
    );
  }

  /**
   * Parks a provider's endpoint after a connection-level failure (refused, reset before the response, DNS,
   * TLS, connect timeout): every model of the provider drops out at once, for a cooldown that grows with each
   * failed probe (5 s, 10 s, … at most 5 min). Once it is over, one request at a time probes the endpoint.
   * Returns the standby's end, or undefined when the provider was already parked.
   */
  async parkEndpoint(providerId: string): Promise<number | undefined> {
    const now = this.#clock.now();
    this.#prefetched.clear();
    const until = await this.#providers.parkEndpoint(providerId, now);
    await this.#probes.release(endpointLeaseId(providerId), 0);
    return until;
  }

  /** The endpoint answered (any HTTP answer counts) after probation: the provider is back in full. */
  async endpointReachable(providerId: string): Promise<void> {
    this.#prefetched.clear();
    await this.#providers.endpointReachable(providerId, this.#clock.now());
    await this.#probes.release(endpointLeaseId(providerId), 0);
  }

  /** Records a success: streak reset, circuit closed (probe success), EWMA, tokens/cost, learned limits, caps. */
  recordSuccess(route: RouteDescriptor, provider: ProviderDescriptor, report: SuccessReport, policies: LedgerPolicies): Promise<RecordResult> {
    // Maybe chains rather than async frames: this runs for every successful request.
    try {
      const now = this.#clock.now();
      const tokens = report.promptTokens + report.completionTokens;
      // On an ordered async store (Redis) the route's record is read in the same round trip as the counters;
      // the compare-and-set that follows starts from that read.
      const routeRead = this.#access.pipelines ? this.#store.getVersioned<RouteRecord>(this.#routeKey(route.routeId)) : undefined;
      routeRead?.catch(() => {});
      return promised(chain(this.#meter.consume(route, provider, now, tokens, report.costUsd), (usage) => this.#recordSuccessWith(route, report, policies, now, tokens, usage, routeRead)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@link recordSuccess} once the consumption is counted and the usage read. */
  #recordSuccessWith(
    route: RouteDescriptor,
    report: SuccessReport,
    policies: LedgerPolicies,
    now: number,
    tokens: number,
    usage: QuotaUsage,
    routeRead: Promise<VersionedValue<RouteRecord>> | undefined,
  ): Maybe<RecordResult> {
    const id = route.routeId;
    const outcome: AttemptOutcome = { ok: true, latencyMs: report.latencyMs, tokens, costUsd: report.costUsd };
    const context = this.#standbyContext(route, usage, outcome, now, policies);
    let closed = false;
    let decision: DeactivationDecision | null = null;
    const result = (after: RouteRecord): RecordResult => {
      const stateChanges: string[] = [];
      if (closed && after.circuit === "closed") {
        this.#events?.emit({ type: "route-recovered", timestamp: now, routeId: id, trigger: "probe_success", halfOpen: false });
        stateChanges.push("route recovered: probe_success");
      }
      return this.#finish(id, after, decision, now, stateChanges);
    };
    const written = this.#mutateRoute(id, now, policies.recovery.probe, (record) => {
      // Runs once per CAS attempt; the flags of the last run describe the committed write.
      closed = record.status === "active" && record.circuit === "half-open";
      const next = decideStandby(applySuccess(record, report, now, this.#window), context, false);
      decision = next.decision;
      return next.record;
    }, routeRead);
    return chain(written, (after) => (this.#probes.holds(id) ? chain(this.#probes.release(id, 0), () => result(after)) : result(after)));
  }

  /**
   * Records a failure. Caller errors change nothing; `auth` parks the whole provider until
   * `reactivateProvider`; anything else updates the counters and asks the deactivation policy. A failed
   * half-open probe always re-opens the circuit, for a longer cooldown (the level grew at the last standby).
   */
  async recordFailure(route: RouteDescriptor, provider: ProviderDescriptor, report: FailureReport, policies: LedgerPolicies): Promise<RecordResult> {
    const id = route.routeId;
    // Caller errors count against nothing; a probe lease is left to `release()`, since the failing request
    // may be an older one that is not the probe.
    if (CALLER_CATEGORIES.has(report.category)) return { stateChanges: [] };
    const now = this.#clock.now();
    if (report.category === "auth") {
      await this.#probes.release(id, 0);
      this.#prefetched.clear();
      const parked = await this.#providers.park(provider.providerId, "auth_failure", undefined, now, true);
      return { stateChanges: parked ? ["provider standby: auth_failure"] : [] };
    }
    const usage = await this.#meter.usage(route, now);
    const outcome: AttemptOutcome = {
      ok: false,
      category: report.category,
      status: report.status,
      retryAfterMs: report.retryAfterMs,
      latencyMs: report.latencyMs,
      tokens: 0,
      costUsd: 0,
    };
    const context = this.#standbyContext(route, usage, outcome, now, policies);
    let decision: DeactivationDecision | null = null;
    const after = await this.#mutateRoute(id, now, policies.recovery.probe, (record) => {
      const probeFailed = record.status === "active" && record.circuit === "half-open" && HEALTH_CATEGORIES.has(report.category);
      const result = decideStandby(applyFailure(record, report, now, this.#window), context, probeFailed);
      decision = result.decision;
      return result.record;
    });
    await this.#probes.release(id, 0);
    return this.#finish(id, after, decision, now, []);
  }

  /** Stores limits read from response headers; `acquire` honours a spent limit until its reset. */
  async learnRateLimit(route: RouteDescriptor, info: RateLimitInfo): Promise<void> {
    const now = this.#clock.now();
    await this.#mutateRoute(route.routeId, now, undefined, (record) => ({ ...record, rateLimit: { ...info, observedAt: now } }));
    this.#onChange?.();
  }

  /** Manually parks a route (reason usually `manual` or `maintenance_window`) until `until`, or until reactivated. */
  async deactivateRoute(routeId: string, reason: DeactivationReason, until?: number): Promise<void> {
    const now = this.#clock.now();
    const after = await this.#mutateRoute(routeId, now, undefined, (record) => parkRoute(record, reason, until, now, { bumpLevel: false }));
    this.#finish(routeId, after, { reason, until }, now, []);
  }

  /** Manually brings a route back: active, circuit closed, streak, rolling window and cooldown level reset. */
  async reactivateRoute(routeId: string, trigger: RecoveryTrigger = "manual"): Promise<void> {
    const now = this.#clock.now();
    let wasOut = false;
    await this.#mutateRoute(routeId, now, undefined, (record) => {
      wasOut = record.status === "standby" || record.circuit !== "closed";
      return reactivateRoute(record);
    });
    await this.#probes.clear(routeId);
    if (wasOut) this.#emitRecovered(routeId, trigger, false, now);
    this.#onChange?.();
  }

  /** Parks a whole provider (all its routes drop out) until `until`, or until {@link reactivateProvider}. */
  async deactivateProvider(providerId: string, reason: DeactivationReason, until?: number): Promise<void> {
    this.#prefetched.clear();
    await this.#providers.park(providerId, reason, until, this.#clock.now(), false);
  }

  /** Brings a provider back (trigger `manual`). */
  async reactivateProvider(providerId: string, trigger: RecoveryTrigger = "manual"): Promise<void> {
    this.#prefetched.clear();
    await this.#providers.reactivate(providerId, this.#clock.now(), trigger);
  }

  /** The route's counters in its current quota windows, with their reset instants. */
  quotaUsage(route: RouteDescriptor): Promise<QuotaUsage> {
    return this.#meter.usage(route, this.#clock.now());
  }

  /** Stops following the store's change feed; the next {@link availability} reads the store again. Idempotent. */
  close(): void {
    for (const stop of this.#unwatch) stop();
    this.#unwatch = [];
    this.#indexReady = false;
  }

  /** True for keys that must not be persisted in snapshots (probe leases belong to live processes). */
  isEphemeralKey(key: string): boolean {
    return this.#probes.isLeaseKey(key);
  }

  #standbyContext(route: RouteDescriptor, usage: QuotaUsage, outcome: AttemptOutcome, now: number, policies: LedgerPolicies): StandbyContext {
    return { route, local: this.#local.get(route.routeId), usage, outcome, now, policies, errorRateMinSamples: this.#minSamples };
  }

  #finish(routeId: string, after: RouteRecord, decision: DeactivationDecision | null, now: number, stateChanges: string[]): RecordResult {
    this.#onChange?.();
    if (!decision) return { stateChanges };
    this.#events?.emit({
      type: "route-deactivated",
      timestamp: now,
      routeId,
      reason: decision.reason,
      until: decision.until,
      cooldownLevel: after.cooldownLevel,
    });
    stateChanges.push(`route standby: ${decision.reason}`);
    return { stateChanges, standbyUntil: decision.until };
  }

  /** Reads a route record, applying lazy recovery through CAS when its standby is over. */
  async #route(routeId: string, now: number, probeDefault?: boolean): Promise<RouteRecord> {
    const stored = await this.#store.get<RouteRecord>(this.#routeKey(routeId));
    this.#noteRoute(routeId, stored);
    const record = stored ?? INITIAL_ROUTE_RECORD;
    if (!routeRecoveryDue(record, now)) return record;
    return this.#mutateRoute(routeId, now, probeDefault, keep);
  }

  /**
   * Read-modify-write of a route record with lazy recovery applied first. `change` runs inside the CAS
   * loop; the last run is the committed one, which is why callers capture their flags in closures.
   * Emits `route-recovered` when THIS write performed the recovery (exactly once across instances).
   */
  #mutateRoute(
    routeId: string,
    now: number,
    probeDefault: boolean | undefined,
    change: (record: RouteRecord) => RouteRecord,
    firstRead?: Promise<VersionedValue<RouteRecord>>,
  ): Maybe<RouteRecord> {
    let recoveredFrom: RouteRecord | undefined;
    if (this.#prefetched.size > 0) this.#prefetched.delete(routeId);
    // A Maybe chain rather than an async frame: this runs for every recorded outcome.
    const result = this.#access.update<RouteRecord>(
      this.#routeKey(routeId),
      (current) => {
        const base = current ?? INITIAL_ROUTE_RECORD;
        const recovered = recoverRoute(base, now, probeDefault);
        recoveredFrom = recovered === base ? undefined : base;
        const next = change(recovered);
        return next === base ? current : next;
      },
      undefined,
      firstRead,
    );
    return chain(result, (result) => {
      this.#noteRoute(routeId, result.value);
      const after = result.value ?? INITIAL_ROUTE_RECORD;
      if (result.written && recoveredFrom) {
        this.#emitRecovered(routeId, recoveryTriggerFor(recoveredFrom.reason), after.circuit === "half-open", now);
      }
      return after;
    });
  }

  #emitRecovered(routeId: string, trigger: RecoveryTrigger, halfOpen: boolean, now: number): void {
    this.#events?.emit({ type: "route-recovered", timestamp: now, routeId, trigger, halfOpen });
  }

  #routeKey(routeId: string): string {
    let key = this.#routeKeys.get(routeId);
    if (key === undefined) {
      // Bounded: route ids come from config, but the manual operations accept any id.
      if (this.#routeKeys.size >= 10_000) this.#routeKeys.clear();
      key = `${this.#prefix}route:${routeId}`;
      this.#routeKeys.set(routeId, key);
    }
    return key;
  }

  /** The keys {@link acquire} reads in one batch: the provider's record, then the route's. */
  /** Sends `acquire`'s read together with `snapshot`'s (ordered stores only; see {@link #prefetched}). */
  #prefetch(route: RouteDescriptor, now: number): void {
    const values = this.#access.getMany<unknown>(this.#acquireKeys(route, route.providerId)) as Promise<unknown[]>;
    values.catch(() => {});
    if (this.#prefetched.size >= 10_000) this.#prefetched.clear();
    this.#prefetched.set(route.routeId, { at: now, providerId: route.providerId, values });
  }

  /** The prefetched read of `acquire`, when still fresh; taken once. */
  #takePrefetched(routeId: string, providerId: string, now: number): Promise<unknown[]> | undefined {
    if (this.#prefetched.size === 0) return undefined;
    const early = this.#prefetched.get(routeId);
    if (early === undefined) return undefined;
    this.#prefetched.delete(routeId);
    return early.providerId === providerId && now - early.at <= PREFETCH_MS ? early.values : undefined;
  }

  #acquireKeys(route: RouteDescriptor, providerId: string): readonly string[] {
    const cached = this.#acquireKeyLists.get(route);
    if (cached !== undefined && cached.routeId === route.routeId && cached.providerId === providerId) return cached.keys;
    const keys = Object.freeze([this.#providers.key(providerId), this.#routeKey(route.routeId)]);
    this.#acquireKeyLists.set(route, { routeId: route.routeId, providerId, keys });
    return keys;
  }

  /** The keys {@link snapshot} reads in one batch: the route's record, then its quota counters. */
  #snapshotKeys(route: RouteDescriptor, now: number): readonly string[] {
    const usageKeys = this.#meter.usageKeys(route, now);
    let keys = this.#snapshotKeyLists.get(usageKeys);
    if (keys === undefined) {
      keys = Object.freeze([this.#routeKey(route.routeId), ...usageKeys]);
      this.#snapshotKeyLists.set(usageKeys, keys);
    }
    return keys;
  }

  #noteRoute(routeId: string, record: RouteRecord | undefined): void {
    this.#notedDuringLoad?.add(`r${routeId}`);
    this.#index.noteRoute(routeId, record);
  }

  #noteProvider(providerId: string, record: ProviderRecord | undefined): void {
    this.#notedDuringLoad?.add(`p${providerId}`);
    this.#index.noteProvider(providerId, record);
  }

  /**
   * (Re-)reads every route and provider record into the index. Subscribes to the store's change feed first,
   * when it has one, so that no write falls between the read and the subscription. Records noted while the
   * read is in flight are newer than what it returns and are kept.
   */
  async #loadIndex(): Promise<void> {
    const routePrefix = `${this.#prefix}route:`;
    const providerPrefix = `${this.#prefix}provider:`;
    if (this.#store.watch && this.#unwatch.length === 0) {
      this.#unwatch = [
        this.#store.watch(routePrefix, (key, value) => this.#noteRoute(key.slice(routePrefix.length), value as RouteRecord | undefined)),
        this.#store.watch(providerPrefix, (key, value) => this.#noteProvider(key.slice(providerPrefix.length), value as ProviderRecord | undefined)),
      ];
    }
    const noted = new Set<string>();
    this.#notedDuringLoad = noted;
    const startedAt = this.#clock.now();
    try {
      const [routeKeys, providerKeys] = await Promise.all([this.#store.keys(routePrefix), this.#store.keys(providerPrefix)]);
      const keys = [...routeKeys, ...providerKeys];
      const values = this.#store.getMany ? await this.#store.getMany<unknown>(keys) : await Promise.all(keys.map((key) => this.#store.get<unknown>(key)));
      const routes = new Set<string>();
      const providers = new Set<string>();
      keys.forEach((key, i) => {
        const isRoute = i < routeKeys.length;
        const id = key.slice(isRoute ? routePrefix.length : providerPrefix.length);
        (isRoute ? routes : providers).add(id);
        if (noted.has(isRoute ? `r${id}` : `p${id}`)) return;
        if (isRoute) this.#index.noteRoute(id, values[i] as RouteRecord | undefined);
        else this.#index.noteProvider(id, values[i] as ProviderRecord | undefined);
      });
      // Entries whose record is gone (and was not just written) are stale.
      for (const id of noted) (id[0] === "r" ? routes : providers).add(id.slice(1));
      this.#index.retain(routes, providers);
      this.#indexReady = true;
      this.#indexLoadedAt = startedAt;
    } finally {
      if (this.#notedDuringLoad === noted) this.#notedDuringLoad = undefined;
    }
  }
}

/** The probe-lease key of a provider's endpoint (route ids always contain a `/`, so these never clash). */
function endpointLeaseId(providerId: string): string {
  return `endpoint:${providerId}`;
}
