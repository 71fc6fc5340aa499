/**
 * Bearer-token authentication of incoming requests and per-token pool permissions.
 *
 * Tokens come from `proxy.auth.tokens` after the mesh resolved `${secrets:…}`. The presented token and every
 * configured token are hashed (SHA-256, so lengths never differ) and compared with `crypto.timingSafeEqual`
 * against ALL configured tokens, without stopping at a match: the time taken does not depend on which token
 * matched, on how much of a token was right, or on its length.
 */
import { hash, timingSafeEqual } from "node:crypto";
import { type Mesh, type ProxyConfig } from "@modelmesh/core";
import { ProxyHttpError } from "./http/errors.js";

/** One accepted token, as the proxy keeps it (the token itself is kept only as a hash). */
export interface Principal {
  /** Position in `proxy.auth.tokens` (for logs; never the token). */
  index: number;
  /** Pools this token may use; undefined = all. */
  pools: readonly string[] | undefined;
  /** May call `/admin/*`: only tokens configured with `admin: true` (or everyone while auth is off). */
  admin: boolean;
}

/** The principal of an open proxy (auth absent or disabled): everything allowed. */
export const OPEN_PRINCIPAL: Principal = Object.freeze({ index: -1, pools: undefined, admin: true });

/** Compares two equal-length digests; injectable so tests can observe that every token is compared. */
export type DigestEqual = (a: Buffer, b: Buffer) => boolean;

/** One-shot `crypto.hash` (no Hash object per request; Node ≥ 20.12, the repository needs ≥ 20.19). */
const sha256 = (value: string): Buffer => hash("sha256", value, "buffer");

/** Checks `Authorization: Bearer …` headers against the configured tokens in constant time. */
export class TokenAuth {
  readonly #entries: Array<{ digest: Buffer; principal: Principal }>;
  readonly #enabled: boolean;
  readonly #equal: DigestEqual;
  readonly #hasAdmin: boolean;
  readonly #publicMetrics: boolean;

  constructor(auth: ProxyConfig["auth"], options: { equal?: DigestEqual } = {}) {
    this.#enabled = auth !== undefined && auth.enabled !== false && auth.tokens.length > 0;
    const tokens = (auth?.tokens ?? []) as Array<{ token: string; pools?: string[]; admin?: boolean }>;
    // Admin is an explicit role: a token without `pools` may use every pool, but it is not an admin token.
    this.#entries = tokens.map((t, index) => ({ digest: sha256(t.token), principal: Object.freeze({ index, pools: t.pools, admin: t.admin === true }) }));
    this.#hasAdmin = tokens.some((t) => t.admin === true);
    this.#publicMetrics = auth?.public_metrics === true;
    this.#equal = options.equal ?? timingSafeEqual;
  }

  /** True when requests must carry a token. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** True when some token has `admin: true` (otherwise, with auth on, `/admin/*` is closed to everyone). */
  get hasAdmin(): boolean {
    return this.#hasAdmin;
  }

  /** True when `GET /metrics` needs a token: auth is on and `public_metrics` is not set. */
  get metricsNeedToken(): boolean {
    return this.#enabled && !this.#publicMetrics;
  }

  /**
   * The principal for an `Authorization` header value.
   * @throws ProxyHttpError 401 when auth is on and the token is missing or wrong.
   */
  authenticate(header: string | undefined): Principal {
    if (!this.#enabled) return OPEN_PRINCIPAL;
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
    if (!match) throw unauthorized("missing bearer token: send `Authorization: Bearer <token>`");
    const presented = sha256(match[1]!);
    let found: Principal | undefined;
    for (const entry of this.#entries) {
      // No early exit: every configured token is compared on every request.
      if (this.#equal(presented, entry.digest) && found === undefined) found = entry.principal;
    }
    if (!found) throw unauthorized("invalid bearer token");
    return found;
  }
}

function unauthorized(what: string): ProxyHttpError {
  return new ProxyHttpError(401, "invalid_request_error", "invalid_api_key", `[modelmesh] [proxy] ${what}.`);
}

/** The admin check of `/admin/*`. @throws ProxyHttpError 403. */
export function requireAdmin(principal: Principal): void {
  if (!principal.admin) throw new ProxyHttpError(403, "invalid_request_error", "admin_required", "[modelmesh] [proxy] this token may not call admin endpoints (only tokens with admin: true may).");
}

/** True when a principal sees every pool (admin, or a token without `pools`). */
export function seesAllPools(principal: Principal): boolean {
  return principal.admin || principal.pools === undefined;
}

/**
 * The check of `GET /metrics` while it needs a token: metrics name every pool, model and provider, so a
 * pool-restricted token may not read them. @throws ProxyHttpError 403.
 */
export function requireMetricsAccess(principal: Principal): void {
  if (!seesAllPools(principal)) {
    throw new ProxyHttpError(403, "invalid_request_error", "metrics_not_allowed", "[modelmesh] [proxy] a pool-restricted token may not read /metrics (it names every pool); use an admin token or one without pools.");
  }
}

/**
 * The pool a requested name routes to, with the router's own name resolution (pool id → capability or alias
 * → concrete model): `model:<id>` and `capability:<node>` are the router's on-demand pools.
 * @throws ModelMeshError `MM_UNKNOWN_MODEL` / `MM_AMBIGUOUS_NAME` exactly as the router would.
 */
export function resolvedPool(mesh: Mesh, requested: string): { poolId: string; modelId?: string } {
  const poolId = mesh.router.resolvePoolId(requested);
  const pool = mesh.router.pools.get(poolId);
  // A single-model route (`model:<id>`) has exactly that model as its only member.
  const modelId = poolId.startsWith("model:") ? pool?.members[0] : undefined;
  return modelId !== undefined ? { poolId, modelId } : { poolId };
}

/**
 * Enforces a token's pool list. A pool name must be listed; a concrete model is allowed when it is a member
 * of a listed pool (it could be reached through that pool anyway); an on-demand capability pool only when
 * its id is listed.
 * @throws ProxyHttpError 403 when the request resolves outside the token's pools.
 */
export function checkPoolAccess(principal: Principal, mesh: Mesh, requested: string): void {
  const allowed = principal.pools;
  if (allowed === undefined) return;
  const { poolId, modelId } = resolvedPool(mesh, requested);
  if (allowed.includes(poolId)) return;
  if (modelId !== undefined && allowed.some((id) => mesh.router.pools.get(id)?.members.includes(modelId))) return;
  throw new ProxyHttpError(403, "invalid_request_error", "pool_not_allowed", `[modelmesh] [proxy] this token may not use "${requested}" (pool ${poolId}); allowed pools: ${allowed.join(", ") || "none"}.`);
}
