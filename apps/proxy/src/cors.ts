/**
 * CORS origins given at start (`modelmesh serve --cors-origin`, `ProxyOptions.corsOrigins`) and how they combine
 * with the config's `proxy.cors`: the start-time origins turn CORS on and are added to the config's
 * `origins` (union). They belong to the process, not to the file, so a reload that changes or drops
 * `proxy.cors` keeps them.
 */
import { CORS_ORIGIN, type ProxyConfig } from "@modelmesh/core";

type CorsConfig = ProxyConfig["cors"];


/** A `--cors-origin` / `corsOrigins` value that is not an origin. */
export class CorsOriginError extends Error {
  readonly code = "invalid_cors_origin";

  constructor(readonly value: string) {
    super(
      `[modelmesh] [proxy] --cors-origin ${JSON.stringify(value)} is not an origin: expected "*" or scheme://host[:port] such as https://app.example.com (http or https; no path, no trailing slash)`,
    );
    this.name = "CorsOriginError";
  }
}

/**
 * Splits comma-separated values, trims them and checks each one. Each origin is written the way browsers send
 * it in `Origin` (host in lower case, no default port: `https://App.example:443` → `https://app.example`), so
 * that the exact comparison of each request matches. Duplicates are dropped; order is kept.
 * @throws CorsOriginError naming the first value that is not `*` or an exact origin (an empty item included).
 */
export function parseCorsOrigins(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const raw of value.split(",")) {
      const trimmed = raw.trim();
      const origin = CORS_ORIGIN.test(trimmed) ? serialised(trimmed) : undefined;
      if (origin === undefined) throw new CorsOriginError(trimmed === "" ? value : trimmed);
      if (!out.includes(origin)) out.push(origin);
    }
  }
  return out;
}

/** `*`, or the origin as browsers serialise it; undefined when the URL parser refuses it (e.g. port 99999). */
function serialised(origin: string): string | undefined {
  if (origin === "*") return origin;
  try {
    return new URL(origin).origin;
  } catch {
    return undefined;
  }
}

/**
 * The CORS settings a proxy applies: the config's `proxy.cors` when no start-time origins are given; otherwise
 * CORS on with the start-time origins plus the config's origins (the config's list counts only while its
 * block is enabled: `enabled: false` leaves just the start-time origins).
 */
export function effectiveCors(config: CorsConfig, extra: readonly string[]): CorsConfig {
  if (extra.length === 0) return config;
  const fromConfig = config && config.enabled !== false ? (config.origins ?? []) : [];
  const origins = [...extra];
  for (const origin of fromConfig) if (!origins.includes(origin)) origins.push(origin);
  return { enabled: true, origins };
}

/** The origins CORS is on for, or `[]` when CORS is off. */
export function allowedOrigins(cors: CorsConfig): readonly string[] {
  return cors && cors.enabled !== false ? (cors.origins ?? []) : [];
}
