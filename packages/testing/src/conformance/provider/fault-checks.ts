/**
 * The fault list, driven through the provider directly with `CallOptions` (signal and timeouts): every
 * upstream failure the mock can inject must be thrown (never hang, never end a stream cleanly when it is
 * incomplete) and classified into the routing category of docs/ARCHITECTURE.md §2.6 by the provider's own
 * `classifyError`.
 */
import { isModelMeshError, type ErrorCategory, type ProviderConnectorV1 } from "@modelmesh/core";
import type { Fault } from "../../server/fault-types.js";
import { check, codeOf, equal, rejection, show, within } from "../assert.js";
import { checkClassificationShape, type ProviderCheck } from "./contract-checks.js";
import { callOptions, chatRequest, collect, expectedUsage, REPLY, withProvider } from "./environment.js";
import type { ProviderCheckContext } from "./types.js";

/** Slack added to a timeout before a late error counts as "did not honour the timeout". */
const SLACK_MS = 1_500;
/** The short timeout used by the timeout checks. */
const SHORT_MS = 250;

/**
 * Installs a fault on the suite's model for the duration of one step; returns its remover (call it in
 * `finally`). Not one-shot on purpose: under load a request the client already gave up on can reach the
 * server late, and must not use up the fault meant for the next request.
 */
function inject(context: ProviderCheckContext, fault: Fault): () => void {
  return context.mock.fault({ model: context.model, path: "/chat/completions", fault });
}

/** Classifies `error` with the provider and checks the expected category (and retryability / code). */
function expectCategory(
  provider: ProviderConnectorV1,
  error: unknown,
  expected: { category: ErrorCategory | readonly ErrorCategory[]; retryable?: boolean; code?: string },
  what: string,
) {
  const classification = checkClassificationShape(provider, error, what);
  const categories = typeof expected.category === "string" ? [expected.category] : expected.category;
  check(categories.includes(classification.category), `${what} must be classified ${categories.join(" or ")}, got ${show(classification.category)} (${show(error)})`);
  if (expected.retryable !== undefined) equal(classification.retryable, expected.retryable, `retryable of ${what}`);
  if (expected.code !== undefined) equal(codeOf(error) ?? classification.code, expected.code, `code of ${what}`);
  return classification;
}

/** Runs `complete()` against one injected fault and returns what it threw. */
async function completeFailure(context: ProviderCheckContext, provider: ProviderConnectorV1, fault: Fault, timeouts = {}): Promise<unknown> {
  const remove = inject(context, fault);
  try {
    return await rejection(() => provider.complete(chatRequest(context.model), callOptions({ timeouts })), 8_000, `complete() under ${fault.kind}`);
  } finally {
    remove();
  }
}

/** Reads a stream under one injected fault (bounded); `onWarning` receives the provider's warnings. */
async function streamUnder(context: ProviderCheckContext, provider: ProviderConnectorV1, fault: Fault, timeouts = {}, onWarning?: (message: string) => void) {
  const remove = inject(context, fault);
  try {
    const options = { ...callOptions({ timeouts }), ...(onWarning ? { onWarning } : {}) };
    return await within(collect(provider.stream(chatRequest(context.model), options)), 8_000, `the stream under ${fault.kind}`);
  } finally {
    remove();
  }
}

/** A refusal check: one fault on `complete()`, one expected classification. */
function refusal(name: string, fault: Fault, expected: Parameters<typeof expectCategory>[2]): ProviderCheck {
  return {
    name,
    group: "faults",
    run: (context) =>
      withProvider(context, async (provider) => {
        expectCategory(provider, await completeFailure(context, provider, fault), expected, `the error of ${fault.kind}`);
      }),
  };
}

/** The fault checks. */
export const providerFaultChecks: readonly ProviderCheck[] = [
  {
    name: "429 with Retry-After in seconds → rate_limit with retryAfterMs",
    group: "faults",
    run: (context) =>
      withProvider(context, async (provider) => {
        const error = await completeFailure(context, provider, { kind: "rate-limit", retryAfter: 7 });
        const classification = expectCategory(provider, error, { category: "rate_limit", retryable: true }, "a 429");
        equal(classification.retryAfterMs, 7_000, "retryAfterMs of `Retry-After: 7`");
      }),
  },
  {
    name: "429 with Retry-After as an HTTP-date → rate_limit with retryAfterMs",
    group: "faults",
    run: (context) =>
      withProvider(context, async (provider) => {
        const date = new Date(Date.now() + 30_000).toUTCString();
        const error = await completeFailure(context, provider, { kind: "rate-limit", retryAfter: date });
        const { retryAfterMs } = expectCategory(provider, error, { category: "rate_limit", retryable: true }, "a 429 with an HTTP-date");
        check(retryAfterMs !== undefined && retryAfterMs > 25_000 && retryAfterMs <= 31_000, `retryAfterMs of an HTTP-date 30 s ahead must be about 30000, got ${show(retryAfterMs)}`);
      }),
  },
  {
    name: "500, 502, 503 and 529 → server, retryable",
    group: "faults",
    run: (context) =>
      withProvider(context, async (provider) => {
        for (const status of [500, 502, 503, 529]) {
          const error = await completeFailure(context, provider, { kind: "status", status });
          expectCategory(provider, error, { category: "server", retryable: true }, `an HTTP ${status}`);
        }
      }),
  },
  refusal("other 400 → invalid_request, not retryable", { kind: "status", status: 400, body: { error: { message: "Invalid value for 'temperature'.", type: "invalid_request_error", param: "temperature", code: "invalid_value" } } }, { category: "invalid_request", retryable: false }),
  refusal("400 context_length_exceeded → context_length", { kind: "context-length" }, { category: "context_length", retryable: false }),
  refusal("400 content_policy_violation → content_filter", { kind: "content-policy" }, { category: "content_filter", retryable: false }),
  refusal("401 → auth, not retryable", { kind: "auth" }, { category: "auth", retryable: false }),
  refusal("429 insufficient_quota → quota_exhausted, not retryable", { kind: "quota-exhausted" }, { category: "quota_exhausted", retryable: false }),
  refusal("TCP reset before headers → network, retryable", { kind: "reset-before-headers" }, { category: "network", retryable: true }),
  {
    name: "no response → a timeout ProviderError within connectMs (never hangs)",
    group: "faults",
    run: (context) =>
      withProvider(context, async (provider) => {
        const started = Date.now();
        const error = await completeFailure(context, provider, { kind: "no-response" }, { connectMs: SHORT_MS, firstTokenMs: SHORT_MS });
        const elapsed = Date.now() - started;
        check(isModelMeshError(error), `a timeout must be thrown as a ModelMesh ProviderError, got ${show(error)}`);
        expectCategory(provider, error, { category: "timeout", retryable: false }, "a connect timeout");
        check(elapsed < SHORT_MS + SLACK_MS, `the connect timeout of ${SHORT_MS} ms fired only after ${elapsed} ms`);
      }),
  },
  {
    name: "abort via the signal rejects promptly (complete and stream)",
    group: "faults",
    run: (context) =>
      withProvider(context, async (provider) => {
        for (const mode of context.capabilities.stream ? ["complete", "stream"] : ["complete"]) {
          const remove = inject(context, { kind: "no-response" });
          const controller = new AbortController();
          const started = Date.now();
          const call = callOptions({ signal: controller.signal });
          const timer = setTimeout(() => controller.abort(), 100);
          try {
            const action = mode === "complete" ? () => provider.complete(chatRequest(context.model), call) : () => collect(provider.stream(chatRequest(context.model), call)).then((r) => {
              if (r.error !== undefined) throw r.error;
              return r;
            });
            await rejection(action, 3_000, `${mode}() after its signal was aborted`);
          } finally {
            clearTimeout(timer);
            remove();
          }
          const elapsed = Date.now() - started;
          check(elapsed < 100 + SLACK_MS, `${mode}() rejected ${elapsed} ms after the start, ${elapsed - 100} ms after the abort`);
        }
      }),
  },
  {
    name: "stream: an HTTP error surfaces before any chunk",
    group: "faults",
    requires: ["stream"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const result = await streamUnder(context, provider, { kind: "status", status: 503 });
        check(result.error !== undefined, "a 503 stream must throw");
        equal(result.chunks.length, 0, "chunks yielded before the HTTP error");
        expectCategory(provider, result.error, { category: "server", retryable: true }, "a 503 stream");
      }),
  },
  {
    name: "stream: no response → timeout within connectMs",
    group: "faults",
    requires: ["stream"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const result = await streamUnder(context, provider, { kind: "no-response" }, { connectMs: SHORT_MS, firstTokenMs: SHORT_MS });
        check(result.error !== undefined, "a stream without response must throw");
        expectCategory(provider, result.error, { category: "timeout" }, "a stream connect timeout");
        check(result.elapsedMs < SHORT_MS + SLACK_MS, `the connect timeout of ${SHORT_MS} ms fired after ${result.elapsedMs} ms`);
      }),
  },
  {
    name: "stream: slow first token → first-token timeout",
    group: "faults",
    requires: ["stream"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const result = await streamUnder(context, provider, { kind: "slow-first-token", delayMs: 5_000 }, { firstTokenMs: SHORT_MS });
        check(result.error !== undefined, `a first token later than firstTokenMs must throw; the stream ended with ${show(result.text)}`);
        expectCategory(provider, result.error, { category: "timeout", retryable: false }, "a first-token timeout");
        check(result.elapsedMs < SHORT_MS + SLACK_MS, `the first-token timeout of ${SHORT_MS} ms fired after ${result.elapsedMs} ms`);
      }),
  },
  {
    name: "stream: cut after N tokens → the iterator throws, never ends cleanly",
    group: "faults",
    requires: ["stream"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const result = await streamUnder(context, provider, { kind: "cut-after", tokens: 2 });
        check(result.error !== undefined, `a cut stream must throw, it ended cleanly with ${show(result.text)}`);
        check(REPLY.startsWith(result.text), `content before the cut must be a prefix of the answer, got ${show(result.text)}`);
        expectCategory(provider, result.error, { category: ["network", "stream_interrupted"] }, "a cut stream");
      }),
  },
  {
    name: "stream: stall → idle timeout",
    group: "faults",
    requires: ["stream"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const result = await streamUnder(context, provider, { kind: "stall-after", tokens: 2 }, { idleMs: SHORT_MS });
        check(result.error !== undefined, "a stalled stream must throw");
        expectCategory(provider, result.error, { category: "timeout", retryable: false }, "a stall");
        check(result.elapsedMs < SHORT_MS + SLACK_MS, `the idle timeout of ${SHORT_MS} ms fired after ${result.elapsedMs} ms`);
      }),
  },
  {
    name: "stream: one malformed event → skipped with a warning, the answer completes",
    group: "faults",
    requires: ["stream"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const warnings: string[] = [];
        const result = await streamUnder(context, provider, { kind: "malformed-chunk", afterTokens: 2 }, {}, (message) => warnings.push(message));
        check(result.error === undefined, `one malformed event must be skipped, the stream threw ${show(result.error)}`);
        equal(result.text, REPLY, "content of a stream with one malformed event");
        check(warnings.length > 0, "the skipped event must be reported through CallOptions.onWarning");
        // The mock's malformed payload is `{not json`: a warning must describe the event, never quote it.
        check(warnings.every((warning) => !warning.includes("{not")), `a warning must not quote the payload, got ${show(warnings)}`);
      }),
  },
  {
    name: "stream: repeated malformed events → throws MM_INVALID_RESPONSE",
    group: "faults",
    requires: ["stream"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const result = await streamUnder(context, provider, { kind: "malformed-chunk", afterTokens: 2, count: 3 });
        check(result.error !== undefined, `three malformed events must break the stream, it ended cleanly with ${show(result.text)}`);
        expectCategory(provider, result.error, { category: ["stream_interrupted", "server"], retryable: false, code: "MM_INVALID_RESPONSE" }, "a stream of malformed events");
      }),
  },
  {
    name: "stream: missing [DONE] after a finish_reason → ends cleanly, at once, with usage",
    group: "faults",
    requires: ["stream"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const result = await streamUnder(context, provider, { kind: "missing-done" });
        check(result.error === undefined, `a complete stream without [DONE] must end cleanly, it threw ${show(result.error)}`);
        equal(result.text, REPLY, "content of a stream without [DONE]");
        check(result.elapsedMs < 2_500, `a stream whose body ended must finish at once, it took ${result.elapsedMs} ms`);
        if (context.capabilities.streamUsage) {
          const usage = result.chunks.map((chunk) => chunk.usage).filter((u) => u != null).at(-1);
          equal(usage?.total_tokens, expectedUsage(context).total_tokens, "usage.total_tokens of a stream without [DONE]");
        }
      }),
  },
  {
    name: "stream: an error object inside a 200 stream throws, classified",
    group: "faults",
    requires: ["stream"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const result = await streamUnder(context, provider, { kind: "error-in-stream", afterTokens: 1 });
        check(result.error !== undefined, "an error event inside a stream must throw");
        expectCategory(provider, result.error, { category: "server", retryable: true }, "a server_error event inside a stream");
      }),
  },
];
