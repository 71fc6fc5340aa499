/**
 * `proxy` (the OpenAI-compatible server, docs/security.md) and `routing` (the global per-request time
 * bounds, docs/ARCHITECTURE.md §2.5).
 */
import { z } from "zod";
import { isRecord } from "./schema-checks.js";
import { duration, firstTokenSetting, flag, idList, port, positiveInt, size, streamCommit, text } from "./schema-primitives.js";
import { CORS_ORIGIN } from "./validators.js";

/**
 * One accepted bearer token, optionally limited to some pools. A bare string means "all pools, not admin":
 * only `admin: true` lets a token call `/admin/*` (and the dashboard's data endpoints).
 */
export const proxyTokenSchema = z
  .union([text(), z.strictObject({ token: text(), pools: idList().optional(), admin: flag().optional() })], {
    error: "expected a token string or {token, pools, admin}",
  })
  .transform((entry): { token: string; pools?: string[]; admin?: boolean } => (typeof entry === "string" ? { token: entry } : entry));

/** Requires at least one token while auth is enabled (an empty list would reject every request). */
const tokensWhenEnabled = z.superRefine(
  (value: unknown, ctx) => {
    if (!isRecord(value) || value.enabled === false || value.enabled === "false") return;
    if (Array.isArray(value.tokens) && value.tokens.length === 0) {
      ctx.addIssue({ code: "custom", path: ["tokens"], message: "at least one token is required while auth is enabled" });
    }
  },
  { when: () => true },
);

/** Authentication of incoming requests. */
export const proxyAuthSchema = z
  .strictObject({
    /** Only `bearer` (`Authorization: Bearer <token>`). Default `bearer`. */
    method: z.literal("bearer").default("bearer"),
    /** Enforce auth. Default true when the block is present. */
    enabled: flag().default(true),
    /** Accepted tokens (use `${secrets:…}`); each a string or `{token, pools, admin}`. Normalised to objects. */
    tokens: z.array(proxyTokenSchema).default([]),
    /**
     * Serve `GET /metrics` without a token while auth is on. Unset (false): the proxy asks for an admin token
     * or a token without `pools` (metrics name every pool, model and provider).
     */
    public_metrics: flag().optional(),
  })
  .check(tokensWhenEnabled);

/** A browser origin for CORS: `*`, or `scheme://host[:port]` with no path (browsers send exactly that). */
const proxyOrigin = () =>
  z.string().regex(CORS_ORIGIN, {
    error: 'expected "*" or an origin such as https://app.example.com (scheme, host and optional port; no path, no trailing slash)',
  });

/** CORS for browser clients. Never covers `/admin/*`; never allows credentials. */
export const proxyCorsSchema = z
  .strictObject({
    /** Send CORS headers. Default true when the block is present. */
    enabled: flag().default(true),
    /** Allowed origins: an allow-list, or `*` for any origin (the OpenAI endpoints only). Required while enabled. */
    origins: z.array(proxyOrigin()).optional(),
  })
  .check(
    z.superRefine(
      (value: unknown, ctx) => {
        if (!isRecord(value) || value.enabled === false || value.enabled === "false") return;
        if (value.origins === undefined || (Array.isArray(value.origins) && value.origins.length === 0)) {
          ctx.addIssue({ code: "custom", path: ["origins"], message: 'list the allowed origins (e.g. [https://app.example.com]), or ["*"] for any origin, while CORS is enabled' });
        }
      },
      { when: () => true },
    ),
  );

/** An IPv4 or IPv6 address literal (no brackets, no port). */
const proxyIpAddress = () =>
  z.string().regex(/^(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]*(?::[0-9A-Fa-f.]*)+)$/, { error: "expected an IP address such as 127.0.0.1 or ::1" });

/**
 * Request and connection limits of the proxy. The connection, timeout and JSON depth keys have no schema
 * default: unset means the proxy's own default (docs/security.md lists them), so a config reads back exactly
 * as written.
 */
export const proxyLimitsSchema = z
  .strictObject({
    /** Largest request body; size string, output bytes. Default 10MB. */
    max_body_size: size().default(10 * 1024 * 1024),
    /** Largest request header block; output bytes. Default: the HTTP server's own. */
    max_header_size: size().optional(),
    /** Concurrent streaming responses. Unlimited when unset. */
    max_concurrent_streams: positiveInt().optional(),
    /** Deepest nesting of `{`/`[` in a JSON body (400 `json_too_deep` beyond), 1–1000. Proxy default 128. */
    max_json_depth: z.preprocess((v) => (typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v), z.number().int().min(1).max(1000)).optional(),
    /** Open client connections; more get a fast 503 `server_busy`. Proxy default 512. */
    max_connections: positiveInt().optional(),
    /** Open connections per client IP address; more get a fast 429 `too_many_connections`. Proxy default 64. */
    max_connections_per_ip: positiveInt().optional(),
    /** Client addresses the per-IP cap does not apply to (still counted in max_connections). Proxy default [127.0.0.1, ::1]. */
    per_ip_exempt: z.array(proxyIpAddress()).optional(),
    /** Time to receive a request's headers; 408 `request_timeout` after it. Output ms. Proxy default 10s. */
    headers_timeout: duration().optional(),
    /** Time to receive a whole request (headers and body); 408 after it. Output ms. Proxy default 60s. */
    request_timeout: duration().optional(),
  })
  .check(
    z.superRefine(
      (value: unknown, ctx) => {
        if (!isRecord(value)) return;
        const headers = typeof value.headers_timeout === "number" ? value.headers_timeout : undefined;
        const request = typeof value.request_timeout === "number" ? value.request_timeout : undefined;
        for (const [key, ms] of [["headers_timeout", headers], ["request_timeout", request]] as const) {
          if (ms !== undefined && (ms < 1 || ms > 3_600_000)) ctx.addIssue({ code: "custom", path: [key], message: "must lie between 1ms and 1h" });
        }
        if ((headers ?? 10_000) > (request ?? 60_000)) {
          ctx.addIssue({ code: "custom", path: ["headers_timeout"], message: "must not be longer than request_timeout (default 60s)" });
        }
      },
      { when: () => true },
    ),
  );

/** A Host header the proxy accepts besides its loopback names: `name`, `name:port`, `*` (no Host check). */
const proxyAllowedHost = () =>
  z.string().regex(/^(?:\*|(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?)$/, {
    error: 'expected a host name as clients send it in Host (e.g. proxy.example.com or proxy.example.com:8443), or "*"',
  });

/** The OpenAI-compatible proxy server. */
export const proxySchema = z.strictObject({
  /** Bind address. Default `127.0.0.1` (never `0.0.0.0` unless asked). */
  host: text().default("127.0.0.1"),
  /** Listen port, 1–65535. Default 8080. */
  port: port().default(8080),
  /** Served endpoint paths (e.g. `/v1/chat/completions`). Default: all supported. */
  endpoints: z.array(z.string().regex(/^\/\S*$/, { error: "expected a path starting with /" })).optional(),
  /** Incoming-request authentication. None when unset. */
  auth: proxyAuthSchema.optional(),
  /** CORS settings. No CORS headers when unset. */
  cors: proxyCorsSchema.optional(),
  /**
   * Host headers accepted besides `localhost` / loopback addresses on the listening port (DNS rebinding
   * protection; 403 `host_not_allowed` otherwise). Checked whenever the proxy is bound to loopback or this
   * list is set; `*` turns the check off.
   */
  allowed_hosts: z.array(proxyAllowedHost()).optional(),
  /** Request limits (defaults applied). */
  limits: proxyLimitsSchema.prefault({}),
});

/** Global per-attempt timeouts; output ms. Providers may override each one. */
export const routingTimeoutsSchema = z.strictObject({
  /** Connect + response headers. Default 10s. */
  connect: duration().default(10_000),
  /**
   * Time to the first token of a stream: `auto` (default: learned per route from its observed first-token
   * times; 15s without history, 60s for models with the `reasoning` feature) or a fixed duration.
   */
  first_token: firstTokenSetting().default("auto"),
  /** Longest silence between two stream chunks. Default 30s. */
  idle: duration().default(30_000),
  /** Whole non-streaming response (headers + body). Unset: bounded only by the deadline. */
  response: duration().optional(),
});

/** Streaming behaviour. */
export const routingStreamSchema = z.strictObject({
  /** Resume a cut stream on another model via assistant prefill (docs/ARCHITECTURE.md §2.8). Default false. */
  resume: flag().default(false),
  /**
   * When a stream's output is released: `first_token` (default), `complete` (hold the whole answer; any
   * failure fails over invisibly), or a bounded buffer `{ chars: N }` / `{ ms: N }`.
   */
  commit: streamCommit().default("first_token"),
});

/** Global routing defaults (ours). */
export const routingSchema = z.strictObject({
  /** End-to-end deadline per request, shared by all attempts; output ms. Default 60s. */
  deadline: duration().default(60_000),
  /** Per-attempt timeouts (defaults applied). */
  timeouts: routingTimeoutsSchema.prefault({}),
  /** Streaming behaviour (defaults applied). */
  stream: routingStreamSchema.prefault({}),
});
