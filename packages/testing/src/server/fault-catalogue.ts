import type { Fault, FaultKind } from "./fault-types.js";

/** One named fault of the catalogue. */
export interface CatalogueFault {
  name: string;
  fault: Fault;
}

/**
 * Fault kinds that strike a stream after output has begun (the only ones that may end in an interruption).
 * `malformed-chunk` is one only with repeated malformed events (`count` 3, the catalogue's second variant): a
 * single malformed event is skipped with a warning and the answer completes (cdk's `chatStream`).
 */
export const POST_COMMIT_FAULT_KINDS: readonly FaultKind[] = Object.freeze(["cut-after", "stall-after", "malformed-chunk", "error-in-stream"]);

/**
 * Every fault kind of the mock provider, with the variants worth telling apart (Retry-After in seconds and as
 * an HTTP-date, 500/503/529…). Suites that promise "every fault ends in a complete answer or a typed error"
 * iterate this list, so a fault kind added to the mock is covered everywhere at once.
 * @param options.slowFirstTokenMs delay of the slow-first-token fault; keep it above the first-token timeout
 *   of the client under test (default 10 s; the mock cancels the delay when it closes).
 */
export function faultCatalogue(options: { slowFirstTokenMs?: number; now?: number } = {}): CatalogueFault[] {
  const now = options.now ?? Date.now();
  const byKind: Record<FaultKind, CatalogueFault[]> = {
    "rate-limit": [
      { name: "429 with Retry-After seconds", fault: { kind: "rate-limit", retryAfter: 1 } },
      { name: "429 with Retry-After HTTP-date", fault: { kind: "rate-limit", retryAfter: new Date(now + 3_600_000).toUTCString() } },
      { name: "429 without Retry-After", fault: { kind: "rate-limit" } },
    ],
    "quota-exhausted": [{ name: "quota exhausted", fault: { kind: "quota-exhausted" } }],
    status: [
      { name: "500", fault: { kind: "status", status: 500 } },
      { name: "503", fault: { kind: "status", status: 503 } },
      { name: "529 overloaded", fault: { kind: "status", status: 529 } },
    ],
    auth: [{ name: "401", fault: { kind: "auth" } }],
    "reset-before-headers": [{ name: "TCP reset before headers", fault: { kind: "reset-before-headers" } }],
    "no-response": [{ name: "no response at all", fault: { kind: "no-response" } }],
    "slow-first-token": [{ name: "slow first token", fault: { kind: "slow-first-token", delayMs: options.slowFirstTokenMs ?? 10_000 } }],
    "cut-after": [{ name: "stream cut after 2 tokens", fault: { kind: "cut-after", tokens: 2 } }],
    "stall-after": [{ name: "stall after 2 tokens", fault: { kind: "stall-after", tokens: 2 } }],
    "malformed-chunk": [
      { name: "one malformed chunk (skipped)", fault: { kind: "malformed-chunk", afterTokens: 1 } },
      { name: "three malformed chunks (the stream is broken)", fault: { kind: "malformed-chunk", afterTokens: 1, count: 3 } },
    ],
    "missing-done": [{ name: "missing [DONE]", fault: { kind: "missing-done" } }],
    "error-in-stream": [{ name: "error object in a 200 stream", fault: { kind: "error-in-stream", afterTokens: 1 } }],
    "context-length": [{ name: "context_length_exceeded", fault: { kind: "context-length" } }],
    "content-policy": [{ name: "content_policy_violation", fault: { kind: "content-policy" } }],
    "reject-prefill": [{ name: "prefill rejected (inert without a prefill)", fault: { kind: "reject-prefill" } }],
    down: [{ name: "down for 60 s", fault: { kind: "down", forMs: 60_000 } }],
  };
  return Object.values(byKind).flat();
}
