/**
 * Names used on spans and metrics: the OpenTelemetry GenAI semantic conventions (status: development) where
 * they name a thing, `modelmesh.*` for what only the mesh knows (pools, routes, attempts, failovers).
 */
import type { RoutingTrace } from "@modelmesh/core";

/** GenAI semantic-convention attribute names. */
export const GEN_AI = {
  operationName: "gen_ai.operation.name",
  providerName: "gen_ai.provider.name",
  requestModel: "gen_ai.request.model",
  responseModel: "gen_ai.response.model",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  tokenType: "gen_ai.token.type",
  timeToFirstChunk: "gen_ai.response.time_to_first_chunk",
  responseId: "gen_ai.response.id",
  finishReasons: "gen_ai.response.finish_reasons",
  inputMessages: "gen_ai.input.messages",
  outputMessages: "gen_ai.output.messages",
  errorType: "error.type",
  httpStatus: "http.response.status_code",
} as const;

/** The mesh's own attribute names. */
export const MODELMESH = {
  requestId: "modelmesh.request.id",
  stream: "modelmesh.stream",
  poolId: "modelmesh.pool.id",
  routeId: "modelmesh.route.id",
  modelId: "modelmesh.model.id",
  attempt: "modelmesh.attempt",
  attempts: "modelmesh.attempts",
  attemptOutcome: "modelmesh.attempt.outcome",
  attemptAction: "modelmesh.attempt.action",
  strategy: "modelmesh.selection.strategy",
  selectionReason: "modelmesh.selection.reason",
  errorCategory: "modelmesh.error.category",
  costUsd: "modelmesh.cost_usd",
  chunks: "modelmesh.stream.chunks",
  rotationReason: "modelmesh.rotation.reason",
} as const;

/** Metric instrument names. */
export const METRICS = {
  /** GenAI convention: histogram, seconds, one record per request. */
  operationDuration: "gen_ai.client.operation.duration",
  /** GenAI convention: histogram, {token}, one record per token type of a request that reported usage. */
  tokenUsage: "gen_ai.client.token.usage",
  /** GenAI convention: histogram, seconds, streamed requests only. */
  timeToFirstChunk: "gen_ai.client.operation.time_to_first_chunk",
  /** Upstream attempts by outcome (`success` / `error`) and the router's action after each. */
  attempts: "modelmesh.client.attempts",
  /** Moves of a request from one route to another. */
  failovers: "modelmesh.client.failovers",
  /** Cost in USD of the requests reported through `log()`. */
  cost: "modelmesh.client.cost",
} as const;

/** Bucket boundaries the GenAI conventions recommend for the duration histograms (seconds). */
export const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

/** Bucket boundaries the GenAI conventions recommend for `gen_ai.client.token.usage`. */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** `error.type` of a request span ended because it was evicted (its `request-end` never came) or the connector closed. */
export const INCOMPLETE_ERROR_TYPE = "modelmesh.incomplete";

/**
 * `gen_ai.operation.name` of an endpoint kind: the convention's `chat` and `embeddings`; the kinds it has no
 * value for keep the mesh's name (`images`, `speech`, `transcription`).
 */
export function operationName(kind: RoutingTrace["kind"] | string | undefined): string {
  return typeof kind === "string" && kind !== "" ? kind : "chat";
}
