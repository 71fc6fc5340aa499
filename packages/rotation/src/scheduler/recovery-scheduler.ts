import type { Clock, DeactivationReason, MeshEventBus, RouterModel, StateLedger } from "@modelmesh/core";
import { callProbe, defaultProbeRequest } from "./probe.js";
import type { ProbeRequest } from "./probe.js";
import { detectProviderOutage, outageSettings } from "./provider-outage.js";
import { catalogRoutes } from "./route-catalog.js";
import type { SchedulerMesh, WatchedRoute } from "./route-catalog.js";

/** Standby reasons a probe may end early: the route was judged unhealthy, not out of quota or parked on purpose. */
export const PROBED_REASONS: ReadonlySet<DeactivationReason> = /* @__PURE__ */ new Set<DeactivationReason>(["error_threshold", "error_rate", "error_code"]);

/** What a scheduler needs: a running mesh (`createMesh(...)` returns all of it). */
export interface RecoveryMesh extends SchedulerMesh {
  readonly ledger: StateLedger;
  readonly events: MeshEventBus;
}

/** Options of {@link RecoveryScheduler}. Per-pool settings come from `pools.<id>.recovery` and `provider_*`. */
export interface RecoverySchedulerOptions {
  /** Pools whose routes are watched. Default: every configured pool. */
  pools?: readonly string[];
  /** Builds the probe request for a model. Default: `"ping"` with `max_tokens: 1` (an embedding for embedding models). */
  probeRequest?: (model: RouterModel) => ProbeRequest;
  /** Bound on one probe, in ms. Default 10 000. */
  probeTimeoutMs?: number;
  /** Probe a route the moment its cooldown ends instead of waiting for a request to do it. Default true. */
  probeOnCooldownEnd?: boolean;
  /** Time source. Default: the router's clock. */
  clock?: Clock;
}

/** How a probe came about: the half-open probe after a cooldown, an early probe of a standby route, or one at start-up. */
export type ProbeKind = "half-open" | "standby" | "startup" | "provider";

/** The result of one probe (or why none was sent). */
export interface ProbeReport {
  routeId: string;
  kind: ProbeKind;
  /** True when the probe was answered; the route (or provider) is back. */
  ok: boolean;
  /** Set when no request was sent: the route was not in a state to probe, or a probe was already in flight. */
  skipped?: string;
  /** Error category of a failed probe. */
  category?: string;
  status?: number;
}

/**
 * Drives the recovery triggers that need a clock rather than a request (docs/ARCHITECTURE.md §2.9):
 * - **cooldown**: when a route's standby ends (`route-deactivated` events carry the instant) it is probed at
 *   once through the ledger's half-open machinery (`acquire` grants exactly one probe lease across
 *   instances); success closes the circuit, failure re-opens it for a longer cooldown (the ledger raises the
 *   level);
 * - **periodic probe** (`recovery.probe_interval`): routes on standby for an error reason are probed early,
 *   one probe per route at a time; success reactivates the route;
 * - **startup probe** (`recovery.probe_on_start`): the same, once, in {@link start};
 * - **provider outage** (`provider_deactivation: on_api_outage`): when every watched route of a provider is on
 *   standby for an error reason the provider is parked; with `provider_recovery: on_probe_success` it is
 *   probed at each periodic pass (with `on_manual` it waits for `ledger.reactivateProvider`);
 * - **manual**: {@link probe} on demand; `ledger.reactivateRoute` / `reactivateProvider` directly.
 * Quota standby is left to the calendar (the reset instant the deactivation policy stored), and manual or
 * maintenance standby to its owner. Probes go straight to the provider connector. Timers come from the
 * clock as background timers (unref'd by the system clock), so the schedule never keeps a process alive; a probe
 * in flight does, for at most its own `probeTimeoutMs`.
 *
 * @example
 * const scheduler = new RecoveryScheduler(mesh);
 * await scheduler.start();
 * // … later
 * scheduler.stop();
 */
export class RecoveryScheduler {
  readonly #mesh: RecoveryMesh;
  readonly #clock: Clock;
  readonly #routes: Map<string, WatchedRoute>;
  readonly #probeRequest: (model: RouterModel) => ProbeRequest;
  readonly #timeoutMs: number;
  readonly #onCooldownEnd: boolean;
  readonly #cooldownTimers = new Map<string, () => void>();
  readonly #inFlight = new Set<string>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #lastProbeAt = new Map<string, number>();
  readonly #parkedProviders = new Set<string>();
  /** Last standby reason seen per route (a half-open snapshot no longer says why it was parked). */
  readonly #lastReason = new Map<string, DeactivationReason>();
  #stopPeriodic: (() => void) | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(mesh: RecoveryMesh, options: RecoverySchedulerOptions = {}) {
    this.#mesh = mesh;
    this.#clock = options.clock ?? mesh.router.clock;
    this.#routes = catalogRoutes(mesh, options.pools);
    this.#probeRequest = options.probeRequest ?? defaultProbeRequest;
    this.#timeoutMs = options.probeTimeoutMs ?? 10_000;
    this.#onCooldownEnd = options.probeOnCooldownEnd ?? true;
  }

  /** Route ids watched. */
  get routeIds(): string[] {
    return [...this.#routes.keys()];
  }

  /** True between {@link start} and {@link stop}. */
  get running(): boolean {
    return this.#unsubscribe !== undefined;
  }

  /** Subscribes to deactivations, arms the timers, and runs the start-up probes (`probe_on_start`). */
  async start(): Promise<ProbeReport[]> {
    if (this.running) return [];
    this.#unsubscribe = this.#mesh.events.on("route-deactivated", (event) => this.#onDeactivated(event.routeId, event.reason, event.until));
    const interval = Math.min(...[...this.#routes.values()].map((w) => w.pool.recovery.probe_interval ?? Infinity));
    if (Number.isFinite(interval)) this.#armPeriodic(interval);
    const reports: ProbeReport[] = [];
    for (const watched of this.#routes.values()) {
      const snapshot = await this.#mesh.ledger.snapshot(watched.route, watched.policies);
      if (snapshot.status !== "standby" || snapshot.reason === undefined || !PROBED_REASONS.has(snapshot.reason)) continue;
      if (watched.pool.recovery.probe_on_start) reports.push(await this.#track(this.#announce(this.#probeStandby(watched, "startup"))));
      else if (snapshot.standbyUntil !== undefined) this.#armCooldown(watched.route.routeId, snapshot.standbyUntil);
    }
    return reports;
  }

  /** Cancels every timer and the subscription. Probes in flight finish (await {@link idle}). */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#stopPeriodic?.();
    this.#stopPeriodic = undefined;
    for (const cancel of this.#cooldownTimers.values()) cancel();
    this.#cooldownTimers.clear();
  }

  /** One periodic pass now: early probes of standby routes whose `probe_interval` elapsed, and of parked providers. */
  async tick(): Promise<ProbeReport[]> {
    const now = this.#clock.now();
    const work: Array<Promise<ProbeReport>> = [];
    for (const watched of this.#routes.values()) {
      const interval = watched.pool.recovery.probe_interval;
      if (interval === undefined || now - (this.#lastProbeAt.get(watched.route.routeId) ?? -Infinity) < interval) continue;
      work.push(this.#track(this.#announce(this.#probeStandby(watched, "standby"))));
    }
    for (const providerId of this.#parkedProviders) {
      const watched = [...this.#routes.values()].find((w) => w.route.providerId === providerId);
      if (watched && outageSettings(this.#routes, providerId).recovery === "on_probe_success") work.push(this.#track(this.#announce(this.#probeProvider(watched))));
    }
    return (await Promise.all(work)).filter((r) => r.skipped === undefined);
  }

  /** Manual trigger: probes one route now (half-open when its cooldown is over, else an early standby probe). */
  async probe(routeId: string): Promise<ProbeReport> {
    const watched = this.#routes.get(routeId);
    if (watched === undefined) return { routeId, kind: "standby", ok: false, skipped: "not a watched route" };
    const snapshot = await this.#mesh.ledger.snapshot(watched.route, watched.policies);
    return this.#track(this.#announce(snapshot.circuit === "half-open" ? this.#probeHalfOpen(watched) : this.#probeStandby(watched, "standby")));
  }

  /** Resolves when no probe started by this scheduler is in flight (tests advance a fake clock, then await this). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #onDeactivated(routeId: string, reason: DeactivationReason, until: number | undefined): void {
    this.#lastReason.set(routeId, reason);
    if (!PROBED_REASONS.has(reason) || !this.#routes.has(routeId)) return;
    if (until !== undefined) this.#armCooldown(routeId, until);
    const providerId = this.#routes.get(routeId)!.route.providerId;
    void this.#track(detectProviderOutage(this.#mesh.ledger, this.#routes, providerId).then((parked) => parked && this.#parkedProviders.add(providerId)));
  }

  #armCooldown(routeId: string, until: number): void {
    if (!this.#onCooldownEnd || !this.running) return;
    this.#cooldownTimers.get(routeId)?.();
    const cancel = this.#clock.setTimer(() => {
      this.#cooldownTimers.delete(routeId);
      void this.#track(this.#announce(this.#probeHalfOpen(this.#routes.get(routeId)!)));
    }, Math.max(0, until - this.#clock.now()), { background: true });
    this.#cooldownTimers.set(routeId, cancel);
  }

  #armPeriodic(interval: number): void {
    this.#stopPeriodic = this.#clock.setTimer(() => {
      if (!this.running) return;
      void this.#track(this.tick());
      this.#armPeriodic(interval);
    }, interval, { background: true });
  }

  /** The half-open probe: takes the ledger's single probe lease, sends one request, records the outcome. */
  async #probeHalfOpen(watched: WatchedRoute): Promise<ProbeReport> {
    const { route, provider, policies } = watched;
    const ledger = this.#mesh.ledger;
    const base = { routeId: route.routeId, kind: "half-open" as const };
    const snapshot = await ledger.snapshot(route, policies);
    if (snapshot.status !== "active" || snapshot.circuit !== "half-open") return { ...base, ok: snapshot.circuit === "closed", skipped: `circuit ${snapshot.circuit}` };
    const ticket = await ledger.acquire(route, provider);
    if (!ticket.ok || !ticket.probe) {
      if (ticket.ok) await ledger.release(route);
      return { ...base, ok: false, skipped: ticket.ok ? "circuit closed meanwhile" : ticket.reason };
    }
    try {
      this.#lastProbeAt.set(route.routeId, this.#clock.now());
      const result = await callProbe(watched.providerEntry, watched.model, this.#probeRequest(watched.model), this.#clock, this.#timeoutMs);
      if (result.ok) {
        await ledger.recordSuccess(route, provider, result, policies);
        return { ...base, ok: true };
      }
      await ledger.recordFailure(route, provider, result, policies);
      return { ...base, ok: false, category: result.category, status: result.status };
    } finally {
      await ledger.release(route);
    }
  }

  /** An early probe of a route on standby for an error reason; success reactivates it. One at a time per route. */
  async #probeStandby(watched: WatchedRoute, kind: "standby" | "startup"): Promise<ProbeReport> {
    const { route, policies } = watched;
    const base = { routeId: route.routeId, kind };
    const snapshot = await this.#mesh.ledger.snapshot(route, policies);
    if (snapshot.circuit === "half-open") {
      // Only error standby is probed; a route back from a quota reset or maintenance waits for real traffic.
      const reason = this.#lastReason.get(route.routeId);
      return reason !== undefined && PROBED_REASONS.has(reason) ? this.#probeHalfOpen(watched) : { ...base, ok: false, skipped: "half-open after a non-error standby" };
    }
    if (snapshot.status !== "standby" || snapshot.reason === undefined || !PROBED_REASONS.has(snapshot.reason)) {
      return { ...base, ok: false, skipped: snapshot.status === "standby" ? `standby reason ${snapshot.reason ?? "manual"} is not probed` : "not on standby" };
    }
    // A parked provider is probed as a whole (see #probeProvider); probing each of its routes would be noise.
    if ((await this.#mesh.ledger.providerStatus(route.providerId)).status === "standby") return { ...base, ok: false, skipped: "provider on standby" };
    return this.#singleFlight(route.routeId, base, async () => {
      const result = await callProbe(watched.providerEntry, watched.model, this.#probeRequest(watched.model), this.#clock, this.#timeoutMs);
      if (!result.ok) return { ...base, ok: false, category: result.category, status: result.status };
      await this.#mesh.ledger.reactivateRoute(route.routeId, "probe_success");
      return { ...base, ok: true };
    });
  }

  /** Probes a provider parked for an outage through one of its routes; success brings both back. */
  async #probeProvider(watched: WatchedRoute): Promise<ProbeReport> {
    const { providerId, routeId } = watched.route;
    const base = { routeId, kind: "provider" as const };
    const status = await this.#mesh.ledger.providerStatus(providerId);
    if (status.status !== "standby") {
      this.#parkedProviders.delete(providerId);
      return { ...base, ok: true, skipped: "provider active" };
    }
    return this.#singleFlight(`provider:${providerId}`, base, async () => {
      const result = await callProbe(watched.providerEntry, watched.model, this.#probeRequest(watched.model), this.#clock, this.#timeoutMs);
      if (!result.ok) return { ...base, ok: false, category: result.category, status: result.status };
      this.#parkedProviders.delete(providerId);
      await this.#mesh.ledger.reactivateProvider(providerId, "probe_success");
      await this.#mesh.ledger.reactivateRoute(routeId, "probe_success");
      return { ...base, ok: true };
    });
  }

  async #singleFlight(key: string, base: Omit<ProbeReport, "ok">, run: () => Promise<ProbeReport>): Promise<ProbeReport> {
    if (this.#inFlight.has(key)) return { ...base, ok: false, skipped: "probe in flight" };
    this.#inFlight.add(key);
    this.#lastProbeAt.set(base.routeId, this.#clock.now());
    try {
      return await run();
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /** Emits a `route-probe` event for a probe that was sent (skipped ones say nothing). */
  #announce(probe: Promise<ProbeReport>): Promise<ProbeReport> {
    return probe.then((report) => {
      if (report.skipped === undefined) {
        this.#mesh.events.emit({
          type: "route-probe",
          timestamp: this.#clock.now(),
          routeId: report.routeId,
          kind: report.kind,
          ok: report.ok,
          ...(report.status !== undefined ? { status: report.status } : {}),
          ...(report.category !== undefined ? { category: report.category } : {}),
        });
      }
      return report;
    });
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    const tracked = promise.finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
    // Timer-driven work has no caller to report to; its failures must not become unhandled rejections.
    tracked.catch(() => {});
    return tracked;
  }
}
