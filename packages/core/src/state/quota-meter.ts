import type { IncrementOp, StateStore } from "./state-store.js";
import type { ProviderDescriptor, QuotaLimits, QuotaUsage, RouteDescriptor } from "./ledger-types.js";
import { windowBounds } from "./quota-windows.js";
import type { QuotaClock, QuotaWindow, QuotaWindowKind } from "./quota-windows.js";

/** A counted quantity and the window it is counted in. */
interface Metric {
  /** Short key segment. */
  code: string;
  /** Name used in refusals and `quota-exhausted` events. */
  name: string;
  window: QuotaWindowKind;
  limit: keyof QuotaLimits;
}

const REQ_MIN: Metric = { code: "rm", name: "requests-per-minute", window: "minute", limit: "requestsPerMinute" };
const REQ_DAY: Metric = { code: "rd", name: "requests-per-day", window: "day", limit: "requestsPerDay" };
const TOK_MIN: Metric = { code: "tm", name: "tokens-per-minute", window: "minute", limit: "tokensPerMinute" };
const TOK_DAY: Metric = { code: "td", name: "tokens-per-day", window: "day", limit: "tokensPerDay" };
const COST_DAY: Metric = { code: "cd", name: "cost-per-day", window: "day", limit: "costPerDay" };
const COST_MONTH: Metric = { code: "cm", name: "cost-per-month", window: "month", limit: "costPerMonth" };
const REQUEST_METRICS = [REQ_MIN, REQ_DAY] as const;
const CONSUMPTION_METRICS = [TOK_MIN, TOK_DAY, COST_DAY, COST_MONTH] as const;
const ALL_METRICS = [REQ_MIN, REQ_DAY, TOK_MIN, TOK_DAY, COST_DAY, COST_MONTH] as const;

/** A scope whose usage is counted: a route (`r`) or a provider (`p`). */
interface Scope {
  kind: "route" | "provider";
  /** The route's descriptor (route scopes): what its counter keys are cached on. */
  route?: RouteDescriptor;
  id: string;
  limits: QuotaLimits | undefined;
  clock: QuotaClock | undefined;
  /** Routes are always metered (strategies read usage); providers only for the caps they declare. */
  always: boolean;
}

/** A full window: no headroom until `resetsAt`. */
export interface QuotaRefusal {
  /** `route` or `provider`. */
  scope: "route" | "provider";
  /** Route or provider id. */
  scopeId: string;
  /** Metric name, e.g. `requests-per-day`. */
  window: string;
  /** Start of the full window (epoch ms); identifies it for "once per window" markers. */
  windowStart: number;
  /** When it resets (epoch ms). */
  resetsAt: number;
}

/**
 * Quota counters of routes and providers in the store. Keys embed the window start
 * (`<prefix>q:r:<routeId>:rd:<start>`), so a new window starts from zero without any reset job, and each
 * counter expires at its window's end.
 *
 * Admission is exact under concurrency: the request counters are incremented first and the increment is
 * rolled back when the returned value exceeds the cap, so N concurrent admissions with k slots left admit
 * exactly k (each atomic increment returns a distinct value). Under contention a rollback may briefly make
 * a competitor see "full"; it errs on refusing, never on over-admitting. Tokens and cost are only known
 * afterwards, so for them admission checks headroom (`used < cap`, or `used + estimate ≤ cap`).
 */
export class QuotaMeter {
  readonly #store: StateStore;
  readonly #prefix: string;
  /** Per route descriptor, the latest counter key of each metric (see {@link #key}). */
  readonly #routeKeys = new WeakMap<RouteDescriptor, Map<Metric, { start: number; id: string; key: string }>>();

  constructor(store: StateStore, prefix: string) {
    this.#store = store;
    this.#prefix = prefix;
  }

  /** Counts one request against the route and provider windows, or refuses without counting. */
  async admit(route: RouteDescriptor, provider: ProviderDescriptor, now: number, estimatedTokens = 0): Promise<QuotaRefusal | undefined> {
    const scopes = [routeScope(route), providerScope(provider)];
    const full = await this.#checkConsumption(scopes, now, estimatedTokens);
    if (full) return full;
    const ops: IncrementOp[] = [];
    const caps: Array<{ scope: Scope; metric: Metric; window: Readonly<QuotaWindow>; cap: number | undefined }> = [];
    for (const scope of scopes) {
      for (const metric of REQUEST_METRICS) {
        const cap = scope.limits?.[metric.limit];
        if (!scope.always && cap === undefined) continue;
        const window = windowBounds(metric.window, now, scope.clock);
        ops.push({ key: this.#key(scope, metric, window.start), by: 1, expireAt: window.end });
        caps.push({ scope, metric, window, cap });
      }
    }
    if (ops.length === 0) return undefined;
    const counts = await this.#incrementAll(ops);
    for (let i = 0; i < counts.length; i++) {
      const { scope, metric, window, cap } = caps[i]!;
      if (cap !== undefined && counts[i]! > cap) {
        for (const op of ops) op.by = -1;
        await this.#incrementAll(ops);
        return refusal(scope, metric, window);
      }
    }
    return undefined;
  }

  /** Adds tokens and cost of a finished request to the route's (and metered provider's) windows. */
  async addConsumption(route: RouteDescriptor, provider: ProviderDescriptor, now: number, tokens: number, costUsd: number): Promise<void> {
    const ops: IncrementOp[] = [];
    for (const scope of [routeScope(route), providerScope(provider)]) {
      for (const metric of CONSUMPTION_METRICS) {
        const by = metric === TOK_MIN || metric === TOK_DAY ? tokens : costUsd;
        if (!(by > 0) || (!scope.always && scope.limits?.[metric.limit] === undefined)) continue;
        const window = windowBounds(metric.window, now, scope.clock);
        ops.push({ key: this.#key(scope, metric, window.start), by, expireAt: window.end });
      }
    }
    if (ops.length > 0) await this.#incrementAll(ops);
  }

  /** The route's counters in the current windows. */
  async usage(route: RouteDescriptor, now: number): Promise<QuotaUsage> {
    return (await this.usageMany([route], now))[0]!;
  }

  /** The counters of several routes in their current windows, in one batch read. */
  async usageMany(routes: readonly RouteDescriptor[], now: number): Promise<QuotaUsage[]> {
    const keys = new Array<string>(routes.length * ALL_METRICS.length);
    const bounds = new Array<Record<QuotaWindowKind, Readonly<QuotaWindow>>>(routes.length);
    let previous: { clock: QuotaClock | undefined; bounds: Record<QuotaWindowKind, Readonly<QuotaWindow>> } | undefined;
    for (let r = 0; r < routes.length; r++) {
      const scope = routeScope(routes[r]!);
      // Routes of one provider share a quota clock: its windows are computed once per batch.
      if (previous === undefined || previous.clock !== scope.clock) {
        previous = { clock: scope.clock, bounds: { minute: windowBounds("minute", now, scope.clock), day: windowBounds("day", now, scope.clock), month: windowBounds("month", now, scope.clock) } };
      }
      bounds[r] = previous.bounds;
      for (let m = 0; m < ALL_METRICS.length; m++) keys[r * ALL_METRICS.length + m] = this.#key(scope, ALL_METRICS[m]!, previous.bounds[ALL_METRICS[m]!.window].start);
    }
    const v = await this.#getAll(keys);
    return routes.map((_, r) => {
      const at = r * ALL_METRICS.length;
      const b = bounds[r]!;
      return {
        requestsMinute: v[at] ?? 0,
        requestsDay: v[at + 1] ?? 0,
        tokensMinute: v[at + 2] ?? 0,
        tokensDay: v[at + 3] ?? 0,
        costDay: v[at + 4] ?? 0,
        costMonth: v[at + 5] ?? 0,
        resetsAt: { minute: b.minute.end, day: b.day.end, month: b.month.end },
      };
    });
  }

  /** True exactly once per full window (across instances sharing the store): gates `quota-exhausted` events. */
  markExhausted(refusal: QuotaRefusal): Promise<boolean> {
    const key = `${this.#prefix}qx:${refusal.scope === "route" ? "r" : "p"}:${refusal.scopeId}:${refusal.window}:${refusal.windowStart}`;
    return this.#store.setIfAbsent(key, 1, { expireAt: refusal.resetsAt });
  }

  async #checkConsumption(scopes: Scope[], now: number, estimatedTokens: number): Promise<QuotaRefusal | undefined> {
    const checks: Array<{ scope: Scope; metric: Metric; window: Readonly<QuotaWindow>; cap: number }> = [];
    for (const scope of scopes) {
      for (const metric of CONSUMPTION_METRICS) {
        const cap = scope.limits?.[metric.limit];
        if (cap !== undefined) checks.push({ scope, metric, window: windowBounds(metric.window, now, scope.clock), cap });
      }
    }
    if (checks.length === 0) return undefined;
    const used = await this.#getAll(checks.map((c) => this.#key(c.scope, c.metric, c.window.start)));
    for (let i = 0; i < checks.length; i++) {
      const { scope, metric, window, cap } = checks[i]!;
      const extra = metric === TOK_MIN || metric === TOK_DAY ? estimatedTokens : 0;
      const value = used[i] ?? 0;
      if (value >= cap || (extra > 0 && value + extra > cap)) return refusal(scope, metric, window);
    }
    return undefined;
  }

  #key(scope: Scope, metric: Metric, start: number): string {
    const route = scope.route;
    if (route === undefined) return `${this.#prefix}q:${scope.kind === "route" ? "r" : "p"}:${scope.id}:${metric.code}:${start}`;
    // A route's keys change only when a window turns over: the same string is reused meanwhile, so the store's
    // lookups hash it once instead of building and hashing a new key on every read and write.
    let keys = this.#routeKeys.get(route);
    if (keys === undefined) {
      keys = new Map();
      this.#routeKeys.set(route, keys);
    }
    const cached = keys.get(metric);
    if (cached !== undefined && cached.start === start && cached.id === route.routeId) return cached.key;
    const key = `${this.#prefix}q:r:${route.routeId}:${metric.code}:${start}`;
    keys.set(metric, { start, id: route.routeId, key });
    return key;
  }

  #incrementAll(ops: IncrementOp[]): Promise<number[]> {
    const store = this.#store;
    if (store.incrementMany) return store.incrementMany(ops);
    return Promise.all(ops.map((op) => store.increment(op.key, op.by, { expireAt: op.expireAt })));
  }

  #getAll(keys: string[]): Promise<Array<number | undefined>> {
    const store = this.#store;
    if (store.getMany) return store.getMany<number>(keys);
    return Promise.all(keys.map((key) => store.get<number>(key)));
  }
}

function routeScope(route: RouteDescriptor): Scope {
  return { kind: "route", id: route.routeId, limits: route.limits, clock: route.quotaClock, always: true, route };
}

function providerScope(provider: ProviderDescriptor): Scope {
  return { kind: "provider", id: provider.providerId, limits: provider.limits, clock: provider.quotaClock, always: false };
}

function refusal(scope: Scope, metric: Metric, window: Readonly<QuotaWindow>): QuotaRefusal {
  return { scope: scope.kind, scopeId: scope.id, window: metric.name, windowStart: window.start, resetsAt: window.end };
}
