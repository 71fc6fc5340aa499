/**
 * The route a request took, from ModelMesh's routing trace, as `providerMetadata.modelmesh`: which provider
 * and model answered, and every attempt before it (so a failover is visible to AI SDK code).
 */
import type { JSONObject, SharedV4ProviderMetadata, SharedV4Warning } from "@ai-sdk/provider";
import { getTrace, type RoutingTrace } from "@modelmesh/core";
import { PROVIDER_OPTIONS_KEY } from "./build-mesh-chat-request.js";

/** `providerMetadata.modelmesh` of a call (all plain JSON). */
export interface ModelMeshRouteMetadata extends JSONObject {
  /** ModelMesh request id. */
  requestId: string;
  /** The name the call asked for (the AI SDK model id). */
  requested: string;
  /** The pool it resolved to. */
  pool: string | null;
  /** The route that answered, null when none did. */
  route: { routeId: string; provider: string; model: string; upstreamModel: string } | null;
  /** How many upstream attempts were made. */
  attemptCount: number;
  /** True when an answer came from a route other than the first one tried. */
  failover: boolean;
  /** The model's refusal text, when it refused (OpenAI `refusal`). */
  refusal?: string;
  /** Every attempt, in order. */
  attempts: Array<{ attempt: number; routeId: string; provider: string; model: string; ok: boolean; action: string; latencyMs: number; error: { code: string; category: string; status: number | null; message: string } | null }>;
}

/** The routing trace of a MeshClient result, stream or error, if the client exposes one. */
export function traceOf(value: unknown): RoutingTrace | undefined {
  return getTrace(value);
}

/** Builds `providerMetadata.modelmesh` from a trace. */
export function routeMetadata(trace: RoutingTrace): ModelMeshRouteMetadata {
  const attempts = trace.attempts.map((a) => ({
    attempt: a.attempt,
    routeId: a.routeId,
    provider: a.providerId,
    model: a.modelId,
    ok: a.ok,
    action: a.action,
    latencyMs: a.latencyMs,
    error: a.error ? { code: a.error.code, category: a.error.category, status: a.error.status ?? null, message: a.error.message } : null,
  }));
  const final = trace.final;
  const firstRoute = trace.attempts[0]?.routeId;
  return {
    requestId: trace.requestId,
    requested: trace.requested,
    pool: trace.resolution?.poolId ?? null,
    route: final ? { routeId: final.routeId, provider: final.providerId, model: final.modelId, upstreamModel: final.upstreamModel } : null,
    attemptCount: attempts.length,
    failover: final !== undefined && firstRoute !== undefined && final.routeId !== firstRoute,
    attempts,
  };
}

/**
 * `providerMetadata` for a result: the route (when the client gave a trace) and the model's refusal text (an
 * OpenAI `refusal`, which has no V4 content part), or undefined when there is neither.
 */
export function providerMetadataOf(trace: RoutingTrace | undefined, refusal?: string | null): SharedV4ProviderMetadata | undefined {
  if (!trace && !refusal) return undefined;
  return { [PROVIDER_OPTIONS_KEY]: { ...(trace ? routeMetadata(trace) : {}), ...(refusal ? { refusal } : {}) } };
}

/** The trace's non-fatal notes (e.g. fields a route ignored) as AI SDK warnings. */
export function traceWarnings(trace: RoutingTrace | undefined): SharedV4Warning[] {
  return (trace?.warnings ?? []).map((message) => ({ type: "other", message: `[modelmesh] ${message}` }));
}
