/**
 * The demo's script: which mock providers exist, how the mesh is configured over them, which requests are
 * sent, and what goes wrong when. Everything the story depends on is in this file; times are story
 * milliseconds (see story-clock.ts).
 */
import type { MeshConfigInput } from "modelmesh";
import type { MockProvider } from "@modelmesh/testing/server";

/** One mock provider of the story. */
export interface ProviderSpec {
  /** Provider name in the config (and in the route id `<name>/<name>.<model>`). */
  name: string;
  /** Model id the mock serves. */
  model: string;
  /** One-line role, printed in the intro. */
  role: string;
  /** Pause between stream chunks in paced mode (0 in fast mode). */
  chunkDelayMs: number;
  /** Requests per day, declared in the config (`quota.requests_per_day`) and enforced by the mock too. */
  requestsPerDay?: number;
}

/** In pool priority order: the free tier first (it costs nothing), then primary, secondary, reserve. */
export const PROVIDERS: readonly ProviderSpec[] = [
  { name: "free-tier", model: "gratis-mini", role: "free, 5 requests/day", chunkDelayMs: 25, requestsPerDay: 5 },
  { name: "primary", model: "swift-1", role: "fast, paid", chunkDelayMs: 10 },
  { name: "secondary", model: "steady-2", role: "paid, rate-limited", chunkDelayMs: 25 },
  { name: "reserve", model: "reserve-xl", role: "slow, last resort", chunkDelayMs: 45 },
];

/** The pool every request goes to (the OpenAI `model` field). */
export const POOL = "chat";

/** Number of requests in the story. */
export const REQUEST_COUNT = 25;

/** Story time between two requests. Request n (1-based) starts at `(n - 1) * STEP_MS`. */
export const STEP_MS = 600;

/** Requests sent with `stream: true` (1-based). */
export const STREAMED: ReadonlySet<number> = new Set([3, 8, 12, 15, 17, 21, 24]);

/** Outage of the primary: starts just before request 11, lasts this long. */
export const OUTAGE_MS = 3500;

/** Retry-After (seconds) of the secondary's single 429, just before request 13: longer than `retry.max_delay`. */
export const RETRY_AFTER_S = 2;

/** A scripted incident, applied just before request `before` is sent. */
export interface ScriptStep {
  before: number;
  /** What the viewer is told. */
  say: string;
  act(mocks: Readonly<Record<string, MockProvider>>): void;
}

/** The incidents of the story, in order. */
export const SCRIPT: readonly ScriptStep[] = [
  {
    before: 11,
    say: `primary goes down for ${OUTAGE_MS / 1000} s (every request gets 503)`,
    act: (mocks) => void mocks.primary!.fault({ fault: { kind: "down", forMs: OUTAGE_MS } }),
  },
  {
    before: 13,
    say: `secondary will answer its next request with 429, Retry-After: ${RETRY_AFTER_S}`,
    act: (mocks) => void mocks.secondary!.fault({ times: 1, fault: { kind: "rate-limit", retryAfter: RETRY_AFTER_S } }),
  },
];

/** The prompt of request n; the mocks answer `echo: <prompt>`. */
export function promptOf(n: number): string {
  return `request ${n}: say something short`;
}

/** Config id of a provider's model (`<provider>.<model>`). */
export function modelIdOf(spec: ProviderSpec): string {
  return `${spec.name}.${spec.model}`;
}

/**
 * The mesh config over the running mocks: one pool, highest-priority-available selection, one same-route
 * retry, standby after 2 consecutive failures, a 1.3 s cooldown that doubles when a probe fails.
 */
export function meshConfig(urls: Readonly<Record<string, string>>): MeshConfigInput {
  const providers = Object.fromEntries(
    PROVIDERS.map((spec) => [
      spec.name,
      {
        connector: "openai-compatible",
        config: { base_url: urls[spec.name]!, api_key: `sk-demo-${spec.name}` },
        models: [{ id: spec.model, capabilities: ["chat-completion"] }],
        ...(spec.requestsPerDay !== undefined ? { quota: { requests_per_day: spec.requestsPerDay, reset_time: "00:00", time_zone: "UTC" } } : {}),
      },
    ]),
  );
  return {
    providers,
    pools: {
      [POOL]: {
        capability: "chat-completion",
        strategy: "priority-selection",
        model_priority: PROVIDERS.map(modelIdOf),
        // Retry-After above max_delay is not waited for: the request rotates at once.
        retry: { max_attempts: 1, backoff: "fixed", initial_delay: "100ms", max_delay: "1s" },
        deactivation: { retry_limit: 2 },
        recovery: { cooldown: "1300ms", cooldown_growth: 2 },
      },
    },
    routing: { deadline: "10s" },
  };
}
