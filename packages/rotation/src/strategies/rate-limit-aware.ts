import type { RouteSnapshot, SelectionContext, SelectionResult, SelectionStrategyV1 } from "@modelmesh/core";

/** Connector id of {@link createRateLimitAware}. */
export const RATE_LIMIT_AWARE_ID = "modelmesh.rate-limit-aware.v1";

/** Limits known from elsewhere than response headers (e.g. a vendor's documented RPM), per model or route id. */
export interface KnownRateLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/** Options of {@link createRateLimitAware}. Config: `pools.<id>.rate_limit` (`threshold`, `max_rpm`, `min_delta`). */
export interface RateLimitAwareOptions {
  /** Fraction (0–1) of a known limit at which a model is skipped. Default 0.8. */
  threshold?: number;
  /** Self-imposed requests per minute per model. */
  maxRpm?: number;
  /** Minimum spacing between two requests to one model, in ms. */
  minDeltaMs?: number;
  /** Extra known limits by model id or route id. */
  limits?: Readonly<Record<string, KnownRateLimits>>;
}

/** This process's picks of one route in the current minute, and since the last header it saw. */
interface Local {
  minute: number;
  requests: number;
  tokens: number;
  lastPickAt?: number;
  /** Identity of the last header seen for this route (`observedAt` and the remaining counts). */
  header?: string;
  requestsSinceHeader: number;
  tokensSinceHeader: number;
}

const MINUTE = 60_000;

/**
 * Switches away from a model before it hits its limits, without deactivating anything. Per model it
 * estimates the use of the current window from the larger of
 * - the learned `x-ratelimit-*` headers in the ledger snapshot (`limit − remaining` at the last response,
 *   plus this process's picks since; a header whose reset has passed counts as a fresh window), and
 * - the per-minute counts: the ledger's (shared by instances) and this process's own picks, which are counted
 *   synchronously at selection so that concurrent requests see each other.
 * A model is skipped when its use of a known limit (headers, or `limits`) is ≥ `threshold` × limit, when its
 * minute count reached `maxRpm`, or when it was picked less than `minDeltaMs` ago. Among the rest the first in
 * pool order wins; when every model is skipped, the one with the most headroom does.
 *
 * @example
 * const strategy = createRateLimitAware({ threshold: 0.8, maxRpm: 60 });
 */
export function createRateLimitAware(options: RateLimitAwareOptions = {}): SelectionStrategyV1 {
  const threshold = options.threshold ?? 0.8;
  const locals = new Map<string, Local>();

  const localOf = (candidate: RouteSnapshot, now: number): Local => {
    const minute = now - (now % MINUTE);
    let local = locals.get(candidate.routeId);
    if (local === undefined) {
      local = { minute, requests: 0, tokens: 0, requestsSinceHeader: 0, tokensSinceHeader: 0 };
      locals.set(candidate.routeId, local);
    } else if (local.minute !== minute) {
      local.minute = minute;
      local.requests = 0;
      local.tokens = 0;
    }
    const info = candidate.rateLimit;
    const header = info && `${info.observedAt}|${info.remainingRequests}|${info.remainingTokens}`;
    if (header !== undefined && header !== local.header) {
      // A new header reflects every request answered before it; requests still in flight are not in it yet.
      local.header = header;
      local.requestsSinceHeader = candidate.inFlight;
      local.tokensSinceHeader = 0;
    }
    return local;
  };

  /** Used fraction (0…∞) of the tightest known limit (headers, `limits`); 0 when nothing is known. */
  const usedFraction = (candidate: RouteSnapshot, local: Local, context: SelectionContext): number => {
    const known = options.limits?.[candidate.modelId] ?? options.limits?.[candidate.routeId];
    const minuteRequests = Math.max(local.requests, candidate.usage.requestsMinute);
    const minuteTokens = Math.max(local.tokens, candidate.usage.tokensMinute);
    let fraction = 0;
    const consider = (used: number, limit: number | undefined) => {
      if (limit !== undefined && limit > 0) fraction = Math.max(fraction, used / limit);
    };
    consider(minuteRequests, known?.requestsPerMinute);
    consider(minuteTokens, known?.tokensPerMinute);
    const header = candidate.rateLimit;
    if (header) {
      const fresh = (resetMs: number | undefined) => header.observedAt + (resetMs ?? MINUTE) > context.now;
      if (header.limitRequests !== undefined && header.remainingRequests !== undefined) {
        const used = fresh(header.resetRequestsMs) ? header.limitRequests - header.remainingRequests + local.requestsSinceHeader : local.requestsSinceHeader;
        consider(used, header.limitRequests);
      }
      if (header.limitTokens !== undefined && header.remainingTokens !== undefined) {
        const used = fresh(header.resetTokensMs) ? header.limitTokens - header.remainingTokens + local.tokensSinceHeader : local.tokensSinceHeader;
        consider(used, header.limitTokens);
      }
    }
    return fraction;
  };

  /** Headroom ranking when every model is near: the tightest of the known limits and `maxRpm`. */
  const pressure = (candidate: RouteSnapshot, local: Local, context: SelectionContext): number => {
    const limits = usedFraction(candidate, local, context);
    if (options.maxRpm === undefined || options.maxRpm <= 0) return limits;
    return Math.max(limits, Math.max(local.requests, candidate.usage.requestsMinute) / options.maxRpm);
  };

  return {
    specificationVersion: "v1",
    id: RATE_LIMIT_AWARE_ID,
    select(candidates, context): SelectionResult | null {
      let chosen: { candidate: RouteSnapshot; local: Local; fraction: number } | undefined;
      let roomiest: typeof chosen;
      for (const candidate of candidates) {
        const local = localOf(candidate, context.now);
        const fraction = usedFraction(candidate, local, context);
        const load = pressure(candidate, local, context);
        const minuteRequests = Math.max(local.requests, candidate.usage.requestsMinute);
        const lastUsed = Math.max(local.lastPickAt ?? -Infinity, candidate.lastUsedAt ?? -Infinity);
        const tooSoon = options.minDeltaMs !== undefined && context.now - lastUsed < options.minDeltaMs;
        const overRpm = options.maxRpm !== undefined && minuteRequests >= options.maxRpm;
        const near = fraction >= threshold || overRpm || tooSoon;
        if (!near && chosen === undefined) chosen = { candidate, local, fraction: load };
        if (roomiest === undefined || load < roomiest.fraction) roomiest = { candidate, local, fraction: load };
      }
      const pick = chosen ?? roomiest;
      if (pick === undefined) return null;
      const { candidate, local, fraction } = pick;
      local.requests++;
      local.requestsSinceHeader++;
      local.tokens += context.estimatedPromptTokens;
      local.tokensSinceHeader += context.estimatedPromptTokens;
      local.lastPickAt = context.now;
      const used = `${Math.round(fraction * 100)}% of its tightest known limit`;
      return {
        routeId: candidate.routeId,
        score: 1 - fraction,
        reason: chosen ? `below the rate-limit threshold (${used})` : `every model is near a limit; most headroom (${used})`,
      };
    },
    score(candidate, context) {
      return 1 - pressure(candidate, localOf(candidate, context.now), context);
    },
  };
}
