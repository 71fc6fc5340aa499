/**
 * `proxy` (the OpenAI-compatible server, reference §2.9 / §6.5) and `routing` (our global per-request time
 * bounds, ARCHITECTURE decision 5).
 */
import { z } from "zod";
import { isRecord } from "./schema-checks.js";
import { duration, firstTokenSetting, flag, idList, port, positiveInt, size, streamCommit, text } from "./schema-primitives.js";

/** One accepted bearer token, optionally limited to some pools. A bare string means "all pools". */
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
    /** Accepted tokens (use `${secrets:…}`); each a string or `{token, pools}`. Normalised to objects. */
    tokens: z.array(proxyTokenSchema).default([]),
  })
  .check(tokensWhenEnabled);

/** CORS for browser clients. */
export const proxyCorsSchema = z.strictObject({
  /** Send CORS headers. Default true when the block is present. */
  enabled: flag().default(true),
  /** Allowed origins (`*` for any). Unset: the proxy's own default. */
  origins: idList().optional(),
});

/** Request limits of the proxy. */
export const proxyLimitsSchema = z.strictObject({
  /** Largest request body; size string, output bytes. Default 10MB. */
  max_body_size: size().default(10 * 1024 * 1024),
  /** Largest request header block; output bytes. Default: the HTTP server's own. */
  max_header_size: size().optional(),
  /** Concurrent streaming responses. Unlimited when unset. */
  max_concurrent_streams: positiveInt().optional(),
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
  /** Resume a cut stream on another model via assistant prefill (decision 8). Default false. */
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
