import { createStickUntilFailure } from "@modelmesh/core";
import type { RouteSnapshot, SelectionContext, SelectionResult, SelectionStrategyV1 } from "@modelmesh/core";
import { HashRing } from "./hash-ring.js";

/** Connector id of {@link createSessionStickiness}. */
export const SESSION_STICKINESS_ID = "modelmesh.session-stickiness.v1";

/** Options of {@link createSessionStickiness}. Config: `pools.<id>.session` (`header`, `field`, `ttl`). */
export interface SessionStickinessOptions {
  /** How long a session stays pinned to its home model after its last request, in ms. Default 3 600 000 (1 h). */
  ttlMs?: number;
  /** Points per model on the hash ring. Default 100. */
  virtualNodes?: number;
  /** Most sessions remembered; the least recently used is forgotten first. Default 100 000. */
  maxSessions?: number;
  /** Strategy for requests without a session key. Default: a fresh stick-until-failure. */
  fallback?: SelectionStrategyV1;
}

interface Pin {
  home: string;
  expiresAt: number;
}

/** Rings kept per distinct candidate set (pool members rarely vary; requirement filters make a few sets). */
const MAX_RINGS = 16;

/**
 * Same session → same model, via consistent hashing. The router derives the session key (the configured
 * header, else the configured body field, else `user`, else `metadata.session_id`). A new session is homed on
 * the owner of its key on a ring of the current candidates (100 virtual nodes each) and pinned there for
 * `ttlMs` after its last request. While its home is unavailable the session walks the ring to the next
 * candidate (so a failed model's sessions spread over the others) without moving the pin, and it returns
 * home as soon as the home is a candidate again. Requests without a session key use `fallback`.
 *
 * @example
 * const strategy = createSessionStickiness({ ttlMs: 30 * 60_000 });
 */
export function createSessionStickiness(options: SessionStickinessOptions = {}): SelectionStrategyV1 {
  const ttlMs = options.ttlMs ?? 3_600_000;
  const virtualNodes = options.virtualNodes ?? 100;
  const maxSessions = options.maxSessions ?? 100_000;
  const fallback = options.fallback ?? createStickUntilFailure();
  /** Insertion order = last use, so expired and least recently used pins sit at the front. */
  const pins = new Map<string, Pin>();
  const rings = new Map<string, HashRing>();

  const ringOf = (candidates: readonly RouteSnapshot[]): HashRing => {
    const ids = candidates.map((c) => c.routeId).sort();
    const key = ids.join("\u0000");
    let ring = rings.get(key);
    if (ring === undefined) {
      if (rings.size >= MAX_RINGS) rings.delete(rings.keys().next().value!);
      ring = new HashRing(ids, virtualNodes);
      rings.set(key, ring);
    }
    return ring;
  };

  const touch = (session: string, home: string, now: number): void => {
    pins.delete(session);
    pins.set(session, { home, expiresAt: now + ttlMs });
    for (const [key, pin] of pins) {
      if (pin.expiresAt > now && pins.size <= maxSessions) break;
      pins.delete(key);
    }
  };

  return {
    specificationVersion: "v1",
    id: SESSION_STICKINESS_ID,
    select(candidates: readonly RouteSnapshot[], context: SelectionContext): SelectionResult | null {
      const session = context.sessionKey;
      if (session === undefined || session === "") {
        const pick = fallback.select(candidates, context);
        return pick ? { ...pick, reason: `no session key; ${fallback.id}: ${pick.reason}` } : null;
      }
      if (candidates.length === 0) return null;
      const ring = ringOf(candidates);
      const pinned = pins.get(session);
      const home = pinned !== undefined && pinned.expiresAt > context.now ? pinned.home : ring.owner(session)!;
      touch(session, home, context.now);
      const byId = new Map(candidates.map((c) => [c.routeId, c] as const));
      if (byId.has(home)) return { routeId: home, reason: pinned ? "session pinned to its home model" : "new session homed by consistent hash" };
      const next = ring.walk(session, (id) => byId.has(id))!;
      return { routeId: next, reason: `session home ${home} unavailable; next on the hash ring` };
    },
    observe(outcome) {
      fallback.observe?.(outcome);
    },
  };
}
