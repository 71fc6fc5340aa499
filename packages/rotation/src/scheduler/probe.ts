import { ModelMeshError, isModelMeshError } from "@modelmesh/core";
import type { CallOptions, ChatCompletionRequest, Clock, ErrorCategory, RateLimitInfo, RouterModel, RouterProvider } from "@modelmesh/core";

/** The request a probe sends: a chat completion (default) or an embedding, for models that only embed. */
export type ProbeRequest = { kind: "chat"; request: Pick<ChatCompletionRequest, "messages"> & Partial<ChatCompletionRequest> } | { kind: "embeddings"; input: string };

/** What one probe call found. */
export type ProbeCallResult =
  | { ok: true; latencyMs: number; promptTokens: number; completionTokens: number; costUsd: number; rateLimit?: RateLimitInfo }
  | { ok: false; latencyMs: number; category: ErrorCategory; status?: number; retryAfterMs?: number; message: string };

/** The default probe: one short user message, at most one output token. */
export function defaultProbeRequest(model: RouterModel): ProbeRequest {
  if (model.capabilities.length > 0 && model.capabilities.every((c) => c.startsWith("representation."))) return { kind: "embeddings", input: "ping" };
  return { kind: "chat", request: { messages: [{ role: "user", content: "ping" }], max_tokens: 1 } };
}

let probeCounter = 0;

/**
 * Sends one probe straight to the provider connector (bypassing routing, which would refuse a standby
 * route), bounded by `timeoutMs` on `clock`. Never throws: failures come back classified.
 */
export async function callProbe(providerEntry: RouterProvider, model: RouterModel, probe: ProbeRequest, clock: Clock, timeoutMs: number): Promise<ProbeCallResult> {
  const controller = new AbortController();
  const startedAt = clock.now();
  // Request-scoped, not background: a manual `probe()` is awaited by its caller, and a scheduled probe is a
  // request in flight (its socket keeps the process alive anyway). The timer is bounded by `timeoutMs` and
  // cancelled in `finally`, so it never outlives the probe.
  const cancel = clock.setTimer(() => controller.abort(timeoutError(model, timeoutMs)), timeoutMs);
  let rateLimit: RateLimitInfo | undefined;
  const call: CallOptions = {
    signal: controller.signal,
    deadline: startedAt + timeoutMs,
    timeouts: { connectMs: timeoutMs, firstTokenMs: timeoutMs, idleMs: timeoutMs },
    requestId: `mm-probe-${(++probeCounter).toString(36)}`,
    attempt: 1,
    onResponse: (meta) => {
      if (meta.rateLimit) rateLimit = meta.rateLimit;
    },
  };
  const connector = providerEntry.connector;
  try {
    let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
    if (probe.kind === "embeddings") {
      if (typeof connector.embed !== "function") throw new ModelMeshError({ code: "MM_NOT_SUPPORTED", category: "invalid_request", message: `[modelmesh] [${model.providerId}] cannot probe ${model.id}: the provider does not embed` });
      usage = (await connector.embed({ model: model.upstreamModel, input: probe.input }, call)).usage;
    } else {
      usage = (await connector.complete({ ...probe.request, model: model.upstreamModel }, call)).usage ?? undefined;
    }
    const promptTokens = usage?.prompt_tokens ?? 0;
    const completionTokens = usage?.completion_tokens ?? 0;
    const pricing = model.pricing;
    const costUsd = pricing ? (promptTokens * pricing.inputPerMillion + completionTokens * pricing.outputPerMillion) / 1_000_000 + (pricing.perRequest ?? 0) : 0;
    return { ok: true, latencyMs: clock.now() - startedAt, promptTokens, completionTokens, costUsd, rateLimit };
  } catch (thrown) {
    const error = controller.signal.aborted ? controller.signal.reason : thrown;
    const latencyMs = clock.now() - startedAt;
    if (isModelMeshError(error)) return { ok: false, latencyMs, category: error.category, status: error.status, retryAfterMs: error.retryAfterMs, message: error.message };
    try {
      const c = connector.classifyError(error);
      return { ok: false, latencyMs, category: c.category, status: c.status, retryAfterMs: c.retryAfterMs, message: c.message };
    } catch {
      return { ok: false, latencyMs, category: "network", message: String((error as Error)?.message ?? error) };
    }
  } finally {
    cancel();
  }
}

function timeoutError(model: RouterModel, timeoutMs: number): ModelMeshError {
  return new ModelMeshError({ code: "MM_TIMEOUT_RESPONSE", category: "timeout", message: `[modelmesh] [${model.providerId}] probe of ${model.id} got no answer within ${timeoutMs} ms`, provider: model.providerId, model: model.id });
}
