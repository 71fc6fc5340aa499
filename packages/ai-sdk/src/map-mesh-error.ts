/**
 * ModelMesh errors → the AI SDK's `APICallError`. ModelMesh has already classified the failure (core owns the
 * status → category table) and already retried and failed over, so the mapped error is never retryable: the
 * AI SDK's own retry loop would only repeat a whole routing run. The ModelMesh `code` is in the message and
 * in `data.code`; the attempts of the run are in `data.attempts`.
 */
import { APICallError } from "@ai-sdk/provider";
import { isModelMeshError, type ModelMeshError } from "@modelmesh/core";
import { routeMetadata, traceOf } from "./mesh-route-metadata.js";

/** Where the failed call went, for the error's `url` and `requestBodyValues`. */
export interface MeshCallContext {
  /** The ModelMesh name the call asked for. */
  modelId: string;
  /** The OpenAI-shaped body sent to the client. */
  body: unknown;
  /** The caller's abort signal, if any. */
  signal?: AbortSignal | undefined;
}

/** `data` of an APICallError raised from a ModelMesh error. */
export interface ModelMeshErrorData {
  /** The stable ModelMesh error code, e.g. `MM_ROUTING_EXHAUSTED`. */
  code: string;
  /** The routing category, e.g. `server`, `rate_limit`, `routing`. */
  category: string;
  provider: string | null;
  model: string | null;
  status: number | null;
  /** The attempts of the routing run (empty when the client gave no trace). */
  attempts: ReturnType<typeof routeMetadata>["attempts"];
}

/** The pseudo-URL of a call through ModelMesh (there is no single HTTP endpoint behind it). */
export function meshCallUrl(modelId: string): string {
  return `modelmesh:chat/completions?model=${encodeURIComponent(modelId)}`;
}

/**
 * What a failed call throws: the caller's abort reason when the caller aborted (what fetch-based providers
 * throw, so the AI SDK sees an abort); an `APICallError` for a ModelMesh error; anything else unchanged.
 */
export function mapMeshError(error: unknown, context: MeshCallContext): unknown {
  if (context.signal?.aborted && isErrorLike(context.signal.reason)) return context.signal.reason;
  if (!isModelMeshError(error)) return error;
  return toAPICallError(error, context);
}

function toAPICallError(error: ModelMeshError, context: MeshCallContext): APICallError {
  const trace = traceOf(error);
  const attempts = trace ? routeMetadata(trace).attempts : [];
  const lastStatus = [...attempts].reverse().find((a) => a.error?.status !== null && a.error?.status !== undefined)?.error?.status ?? undefined;
  const status = error.status ?? lastStatus ?? undefined;
  const data: ModelMeshErrorData = { code: error.code, category: error.category, provider: error.provider ?? null, model: error.model ?? null, status: status ?? null, attempts };
  return new APICallError({
    message: `${error.message} (ModelMesh code ${error.code})`,
    url: meshCallUrl(context.modelId),
    requestBodyValues: context.body,
    ...(status === undefined ? {} : { statusCode: status }),
    cause: error,
    isRetryable: false,
    data,
  });
}

function isErrorLike(value: unknown): value is Error {
  return typeof value === "object" && value !== null && typeof (value as { name?: unknown }).name === "string" && typeof (value as { message?: unknown }).message === "string";
}
