/**
 * The proxy's limits with their defaults applied. The config schema leaves the connection, timeout and JSON
 * depth keys unset when they are not written (so a config reads back as written); this file is the one
 * place their defaults live. docs/security.md lists every limit and why its default is what it is.
 */
import type { ProxyConfig } from "@modelmesh/core";

/** Defaults of the `proxy.limits` keys that have no schema default. */
export const LIMIT_DEFAULTS = Object.freeze({
  /** Deepest `{`/`[` nesting of a JSON body. OpenAI requests with nested tool schemas stay far below it. */
  maxJsonDepth: 128,
  /**
   * Open client connections. With the hard stop at twice this (connections.ts) and one upstream socket per
   * request in flight, the proxy stays under a 4096 file-descriptor limit (Node raises its soft limit to the
   * hard one at start).
   */
  maxConnections: 1024,
  /** Open connections from one client address (addresses in `perIpExempt` excepted). */
  maxConnectionsPerIp: 64,
  /** Addresses the per-IP cap skips: loopback, where a same-host TLS terminator connects from. */
  perIpExempt: Object.freeze(["127.0.0.1", "::1"]) as readonly string[],
  /** Time to receive the request headers (Node's own default is 60 s). */
  headersTimeoutMs: 10_000,
  /** Time to receive the whole request, headers and body (Node's own default is 300 s). */
  requestTimeoutMs: 60_000,
});

/** Largest message the proxy sends to a client in an error body or SSE error event (an ellipsis marks a cut). */
export const MAX_CLIENT_MESSAGE = 1_000;

/** Every limit of a `proxy` section, defaults applied. */
export interface EffectiveLimits {
  maxBodySize: number;
  maxHeaderSize: number | undefined;
  maxConcurrentStreams: number | undefined;
  maxJsonDepth: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  perIpExempt: ReadonlySet<string>;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

const cache = new WeakMap<object, EffectiveLimits>();

/** The limits of a `proxy` config section (computed once per config object). */
export function limitsOf(proxy: ProxyConfig): EffectiveLimits {
  let limits = cache.get(proxy);
  if (limits) return limits;
  const l = proxy.limits;
  limits = {
    maxBodySize: l.max_body_size,
    maxHeaderSize: l.max_header_size,
    maxConcurrentStreams: l.max_concurrent_streams,
    maxJsonDepth: l.max_json_depth ?? LIMIT_DEFAULTS.maxJsonDepth,
    maxConnections: l.max_connections ?? LIMIT_DEFAULTS.maxConnections,
    maxConnectionsPerIp: l.max_connections_per_ip ?? LIMIT_DEFAULTS.maxConnectionsPerIp,
    perIpExempt: new Set((l.per_ip_exempt ?? LIMIT_DEFAULTS.perIpExempt).map(normaliseAddress)),
    headersTimeoutMs: l.headers_timeout ?? LIMIT_DEFAULTS.headersTimeoutMs,
    requestTimeoutMs: l.request_timeout ?? LIMIT_DEFAULTS.requestTimeoutMs,
  };
  cache.set(proxy, limits);
  return limits;
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) → `1.2.3.4`; IPv6 lower-cased. */
export function normaliseAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith("::ffff:") && lower.includes(".") ? lower.slice(7) : lower;
}
