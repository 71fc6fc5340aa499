import { chain } from "../internal/maybe.js";
import type { Maybe } from "../internal/maybe.js";
import type { IncrementOp } from "./state-store.js";
import type { StoreAccess } from "./store-access.js";
import type { ProviderDescriptor, QuotaLimits, QuotaUsage, RouteDescriptor } from "./ledger-types.js";
import { windowBounds } from "./quota-windows.js";
import type { QuotaClock, QuotaWindow, QuotaWindowKind } from "./quota-windows.js";

/** A counted quantity and the window it is counted in. */
interface Metric {
  /** Position in {@link ALL_METRICS} (and in a plan's `keys` and `windows`). */
  index: number;
  /** Short key segment. */
  code: string;
  /** Name used in refusals and `quota-exhausted` events. */
  name: string;
  window: QuotaWindowKind;
  limit: keyof QuotaLimits;
  /** Whether the metric counts tokens (else requests or cost). */
  tokens: boolean;
}

const REQ_MIN: Metric = { index: 0, code: "rm", name: "requests-per-minute", window: "minute", limit: "requestsPerMinute", tokens: false };
const REQ_DAY: Metric = { index: 1, code: "rd", name: "requests-per-day", window: "day", limit: "requestsPerDay", tokens: false };
const TOK_MIN: Metric = { index: 2, code: "tm", name: "tokens-per-minute", window: "minute", limit: "tokensPerMinute", tokens: true };
const TOK_DAY: Metric = { index: 3, code: "td", name: "tokens-per-day", window: "day", limit: "tokensPerDay", tokens: true };
const COST_DAY: Metric = { index: 4, code: "cd", name: "cost-per-day", window: "day", limit: "costPerDay", tokens: false };
const COST_MONTH: Metric = { index: 5, code: "cm", name: "cost-per-month", window: "month", limit: "costPerMonth", tokens: false };
const REQUEST_METRICS = [REQ_MIN, REQ_DAY] as const;
const CONSUMPTION_METRICS = [TOK_MIN, TOK_DAY, COST_DAY, COST_MONTH] as const;
const ALL_METRICS = [REQ_MIN, REQ_DAY, TOK_MIN, TOK_DAY, COST_DAY, COST_MONTH] as const;

/**
 * The counters of one scope (a route or a provider) in the windows current during `[from, until)`: their keys
 * and windows, indexed like {@link ALL_METRICS}. Keys embed the window start, so a plan holds until the
 * earliest of its windows turns over, and is rebuilt then; meanwhile every request reuses the same key
 * strings and objects instead of building them anew.
 */
interface WindowPlan {
  kind: "route" | "provider";
  /** Route or provider id the keys embed. */
  id: string;
  /** The quota clock the day and month windows follow. */
  clock: QuotaClock | undefined;
  from: number;
  until: number;
  keys: readonly string[];
  windows: ReadonlyArray<Readonly<QuotaWindow>>;
  /** Route plans: the two request-counter increments (+1), and their rollback (-1). Never mutated. */
  admitOps: readonly IncrementOp[];
  rollbackOps: readonly IncrementOp[];
  /** The usage from the values read at `keys` (made once per plan, so a read needs no closure of its own). */
  toUsage: (values: ReadonlyArray<number | undefined>) => QuotaUsage;
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
 * Routes are always metered (strategies read usage); providers only for the caps they declare.
 *
 * Admission is exact under concurrency: the request counters are incremented first and the increment is
 * rolled back when the returned value exceeds the cap, so N concurrent admissions with k slots left admit
 * exactly k (each atomic increment returns a distinct value). Under contention a rollback may briefly make
 * a competitor see "full"; it errs on refusing, never on over-admitting. Tokens and cost are only known
 * afterwards, so for them admission checks headroom (`used < cap`, or `used + estimate ≤ cap`).
 */
export class QuotaMeter {
  readonly #store: StoreAccess;
  readonly #prefix: string;
  /** The current window plan of each route descriptor. */
  readonly #routePlans = new WeakMap<RouteDescriptor, WindowPlan>();
  /** The current window plan of each provider id (provider descriptors may be built per request). */
  readonly #providerPlans = new Map<string, WindowPlan>();

  constructor(store: StoreAccess, prefix: string) {
    this.#store = store;
    this.#prefix = prefix;
  }

  /** Counts one request against the route and provider windows, or refuses without counting. */
  admit(route: RouteDescriptor, provider: ProviderDescriptor, now: number, estimatedTokens = 0): Maybe<QuotaRefusal | undefined> {
    // Not `async`: on the common path (nothing caps tokens or cost) no async frame, and no promise at all on
    // the memory store.
    const routePlan = this.#routePlan(route, now);
    const providerLimits = provider.limits;
    const providerPlan = providerLimits === undefined ? undefined : this.#providerPlan(provider, now);
    if (hasCap(route.limits, CONSUMPTION_METRICS) || hasCap(providerLimits, CONSUMPTION_METRICS)) {
      return this.#checkThenCount(route, routePlan, providerPlan, providerLimits, estimatedTokens);
    }
    return this.#count(route, routePlan, providerPlan, providerLimits);
  }

  async #checkThenCount(
    route: RouteDescriptor,
    routePlan: WindowPlan,
    providerPlan: WindowPlan | undefined,
    providerLimits: QuotaLimits | undefined,
    estimatedTokens: number,
  ): Promise<QuotaRefusal | undefined> {
    const full = await this.#checkConsumption(routePlan, route.limits, providerPlan, providerLimits, estimatedTokens);
    if (full) return full;
    return this.#count(route, routePlan, providerPlan, providerLimits);
  }

  /** Counts the request in its windows, or rolls the count back and refuses when a window is over its cap. */
  #count(route: RouteDescriptor, routePlan: WindowPlan, providerPlan: WindowPlan | undefined, providerLimits: QuotaLimits | undefined): Maybe<QuotaRefusal | undefined> {
    // The route's two counters always; the provider's only for the caps it declares (rare: built per call).
    let ops = routePlan.admitOps;
    let rollback = routePlan.rollbackOps;
    if (providerPlan !== undefined && hasCap(providerLimits, REQUEST_METRICS)) {
      const more: IncrementOp[] = [];
      const less: IncrementOp[] = [];
      for (const metric of REQUEST_METRICS) {
        if (providerLimits![metric.limit] === undefined) continue;
        const window = providerPlan.windows[metric.index]!;
        more.push({ key: providerPlan.keys[metric.index]!, by: 1, expireAt: window.end });
        less.push({ key: providerPlan.keys[metric.index]!, by: -1, expireAt: window.end });
      }
      ops = [...ops, ...more];
      rollback = [...rollback, ...less];
    }
    const counted = ops.length;
    // Nothing caps requests (the common case): the counts need no look.
    if (counted === 2 && !hasCap(route.limits, REQUEST_METRICS)) return chain(this.#store.incrementMany(ops), noRefusal);
    return chain(this.#store.incrementMany(ops), (counts) => {
      const refused = overCap(counts, 0, routePlan, route.limits) ?? (counted > 2 ? overCap(counts, 2, providerPlan!, providerLimits) : undefined);
      if (refused === undefined) return undefined;
      return chain(this.#store.incrementMany(rollback), () => refused);
    });
  }

  /** Adds tokens and cost of a finished request to the route's (and metered provider's) windows. */
  async addConsumption(route: RouteDescriptor, provider: ProviderDescriptor, now: number, tokens: number, costUsd: number): Promise<void> {
    if (!(tokens > 0) && !(costUsd > 0)) return;
    await this.#store.incrementMany(this.#consumptionOps(route, provider, now, tokens, costUsd));
  }

  /** The token and cost increments of a finished request (at least one of `tokens`, `costUsd` is positive). */
  #consumptionOps(route: RouteDescriptor, provider: ProviderDescriptor, now: number, tokens: number, costUsd: number): IncrementOp[] {
    const ops: IncrementOp[] = [];
    pushConsumption(ops, this.#routePlan(route, now), undefined, tokens, costUsd);
    const limits = provider.limits;
    if (hasCap(limits, CONSUMPTION_METRICS)) pushConsumption(ops, this.#providerPlan(provider, now), limits, tokens, costUsd);
    return ops;
  }

  /**
   * {@link addConsumption}, then {@link usage}: the same store operations in the same order, in one call (what
   * recording a success needs).
   */
  consume(route: RouteDescriptor, provider: ProviderDescriptor, now: number, tokens: number, costUsd: number): Maybe<QuotaUsage> {
    const plan = this.#routePlan(route, now);
    if ((tokens > 0 || costUsd > 0) && this.#store.pipelines) {
      // An ordered store applies the read after the increments although both leave together: one round trip.
      const counted = this.#store.incrementMany(this.#consumptionOps(route, provider, now, tokens, costUsd)) as Promise<number[]>;
      const read = this.#store.getMany<number>(plan.keys) as Promise<Array<number | undefined>>;
      return Promise.all([counted, read]).then(([, values]) => plan.toUsage(values));
    }
    if (tokens > 0 || costUsd > 0) return chain(this.#store.incrementMany(this.#consumptionOps(route, provider, now, tokens, costUsd)), () => chain(this.#store.getMany<number>(plan.keys), plan.toUsage));
    return chain(this.#store.getMany<number>(plan.keys), plan.toUsage);
  }

  /** The route's counters in the current windows. */
  async usage(route: RouteDescriptor, now: number): Promise<QuotaUsage> {
    const plan = this.#routePlan(route, now);
    return usageOf(plan, await this.#store.getMany<number>(plan.keys), 0);
  }

  /**
   * The counter keys {@link usage} reads for the route, for a caller that batches them with other keys; the
   * same array while the windows stay current. Turn the values read into usage with {@link usageOf}.
   */
  usageKeys(route: RouteDescriptor, now: number): readonly string[] {
    return this.#routePlan(route, now).keys;
  }

  /** The route's usage from the values of its {@link usageKeys}, read into `values` from index `at` on. */
  usageOf(route: RouteDescriptor, now: number, values: ReadonlyArray<number | undefined>, at: number): QuotaUsage {
    return usageOf(this.#routePlan(route, now), values, at);
  }

  /** The counters of several routes in their current windows, in one batch read. */
  async usageMany(routes: readonly RouteDescriptor[], now: number): Promise<QuotaUsage[]> {
    const plans = new Array<WindowPlan>(routes.length);
    const keys = new Array<string>(routes.length * ALL_METRICS.length);
    for (let r = 0; r < routes.length; r++) {
      const plan = this.#routePlan(routes[r]!, now);
      plans[r] = plan;
      for (let m = 0; m < ALL_METRICS.length; m++) keys[r * ALL_METRICS.length + m] = plan.keys[m]!;
    }
    const values = await this.#store.getMany<number>(keys);
    const out = new Array<QuotaUsage>(routes.length);
    for (let r = 0; r < routes.length; r++) out[r] = usageOf(plans[r]!, values, r * ALL_METRICS.length);
    return out;
  }

  /** True exactly once per full window (across instances sharing the store): gates `quota-exhausted` events. */
  markExhausted(refusal: QuotaRefusal): Maybe<boolean> {
    const key = `${this.#prefix}qx:${refusal.scope === "route" ? "r" : "p"}:${refusal.scopeId}:${refusal.window}:${refusal.windowStart}`;
    return this.#store.setIfAbsent(key, 1, { expireAt: refusal.resetsAt });
  }

  /** Headroom of the capped token and cost windows (route first, then provider): the first full one, if any. */
  async #checkConsumption(
    routePlan: WindowPlan,
    routeLimits: QuotaLimits | undefined,
    providerPlan: WindowPlan | undefined,
    providerLimits: QuotaLimits | undefined,
    estimatedTokens: number,
  ): Promise<QuotaRefusal | undefined> {
    const checks: Array<{ plan: WindowPlan; metric: Metric; cap: number }> = [];
    for (const [plan, limits] of [[routePlan, routeLimits], [providerPlan, providerLimits]] as const) {
      if (plan === undefined || limits === undefined) continue;
      for (const metric of CONSUMPTION_METRICS) {
        const cap = limits[metric.limit];
        if (cap !== undefined) checks.push({ plan, metric, cap });
      }
    }
    const used = await this.#store.getMany<number>(checks.map((c) => c.plan.keys[c.metric.index]!));
    for (let i = 0; i < checks.length; i++) {
      const { plan, metric, cap } = checks[i]!;
      const extra = metric.tokens ? estimatedTokens : 0;
      const value = used[i] ?? 0;
      if (value >= cap || (extra > 0 && value + extra > cap)) return refusal(plan, metric);
    }
    return undefined;
  }

  #routePlan(route: RouteDescriptor, now: number): WindowPlan {
    const plan = this.#routePlans.get(route);
    if (plan !== undefined && now >= plan.from && now < plan.until && plan.id === route.routeId && plan.clock === route.quotaClock) return plan;
    const next = buildPlan(this.#prefix, "route", route.routeId, route.quotaClock, now);
    this.#routePlans.set(route, next);
    return next;
  }

  #providerPlan(provider: ProviderDescriptor, now: number): WindowPlan {
    const plan = this.#providerPlans.get(provider.providerId);
    if (plan !== undefined && now >= plan.from && now < plan.until && plan.clock === provider.quotaClock) return plan;
    const next = buildPlan(this.#prefix, "provider", provider.providerId, provider.quotaClock, now);
    this.#providerPlans.set(provider.providerId, next);
    return next;
  }

}

const NO_OPS: readonly IncrementOp[] = Object.freeze([]);

function buildPlan(prefix: string, kind: "route" | "provider", id: string, clock: QuotaClock | undefined, now: number): WindowPlan {
  const bounds: Record<QuotaWindowKind, Readonly<QuotaWindow>> = {
    minute: windowBounds("minute", now, clock),
    day: windowBounds("day", now, clock),
    month: windowBounds("month", now, clock),
  };
  const windows = Object.freeze(ALL_METRICS.map((metric) => bounds[metric.window]));
  const keys = Object.freeze(ALL_METRICS.map((metric) => `${prefix}q:${kind === "route" ? "r" : "p"}:${id}:${metric.code}:${bounds[metric.window].start}`));
  const requestOps = (by: number): readonly IncrementOp[] =>
    Object.freeze(REQUEST_METRICS.map((metric) => Object.freeze({ key: keys[metric.index]!, by, expireAt: windows[metric.index]!.end })));
  const plan: WindowPlan = {
    kind,
    id,
    clock,
    from: Math.max(bounds.minute.start, bounds.day.start, bounds.month.start),
    until: Math.min(bounds.minute.end, bounds.day.end, bounds.month.end),
    keys,
    windows,
    admitOps: kind === "route" ? requestOps(1) : NO_OPS,
    rollbackOps: kind === "route" ? requestOps(-1) : NO_OPS,
    toUsage: (values) => usageOf(plan, values, 0),
  };
  return plan;
}

/** What a count no cap applies to resolves to: no refusal. */
function noRefusal(): undefined {
  return undefined;
}

/** Whether `limits` caps any of `metrics`. */
function hasCap(limits: QuotaLimits | undefined, metrics: readonly Metric[]): boolean {
  if (limits === undefined) return false;
  for (const metric of metrics) if (limits[metric.limit] !== undefined) return true;
  return false;
}

/**
 * The first request window over its cap, reading `counts` from `at` on: one count per request metric the
 * scope counts (both for a route; the capped ones for a provider, whose `limits` are then given).
 */
function overCap(counts: readonly number[], at: number, plan: WindowPlan, limits: QuotaLimits | undefined): QuotaRefusal | undefined {
  let i = at;
  for (const metric of REQUEST_METRICS) {
    const cap = limits?.[metric.limit];
    if (plan.kind === "provider" && cap === undefined) continue;
    if (cap !== undefined && counts[i]! > cap) return refusal(plan, metric);
    i++;
  }
  return undefined;
}

/** Adds the token and cost increments of one scope (a provider's only for its caps, given its `limits`). */
function pushConsumption(ops: IncrementOp[], plan: WindowPlan, limits: QuotaLimits | undefined, tokens: number, costUsd: number): void {
  for (const metric of CONSUMPTION_METRICS) {
    const by = metric.tokens ? tokens : costUsd;
    if (!(by > 0) || (plan.kind === "provider" && limits?.[metric.limit] === undefined)) continue;
    ops.push({ key: plan.keys[metric.index]!, by, expireAt: plan.windows[metric.index]!.end });
  }
}

/** A route's usage from the counters read for its plan's keys, starting at `at`. */
function usageOf(plan: WindowPlan, v: ReadonlyArray<number | undefined>, at: number): QuotaUsage {
  const windows = plan.windows;
  return {
    requestsMinute: v[at] ?? 0,
    requestsDay: v[at + 1] ?? 0,
    tokensMinute: v[at + 2] ?? 0,
    tokensDay: v[at + 3] ?? 0,
    costDay: v[at + 4] ?? 0,
    costMonth: v[at + 5] ?? 0,
    resetsAt: { minute: windows[REQ_MIN.index]!.end, day: windows[REQ_DAY.index]!.end, month: windows[COST_MONTH.index]!.end },
  };
}

function refusal(plan: WindowPlan, metric: Metric): QuotaRefusal {
  const window = plan.windows[metric.index]!;
  return { scope: plan.kind, scopeId: plan.id, window: metric.name, windowStart: window.start, resetsAt: window.end };
}
