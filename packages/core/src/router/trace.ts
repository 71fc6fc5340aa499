import type { ErrorCategory, ModelMeshErrorCode } from "../errors/model-mesh-error.js";

/** How a requested name was resolved to a pool. */
export type ResolutionKind = "pool" | "capability" | "alias" | "model";

/** Which filter stage removed a candidate. */
export type FilterStage = "pool" | "requirement" | "state" | "tried";

/** One model considered for a request, with why it was (not) eligible. */
export interface TraceCandidate {
  routeId: string;
  modelId: string;
  providerId: string;
  /** Set when a filter removed it. */
  excluded?: { stage: FilterStage; requirement?: string; reason: string };
}

/** What the router did after an attempt. */
export type AttemptAction =
  | "success"
  | "retry-same-route"
  | "rotate"
  | "surface"
  | "deadline"
  | "cancelled";

/** One upstream attempt. */
export interface TraceAttempt {
  /** 1-based. */
  attempt: number;
  routeId: string;
  modelId: string;
  providerId: string;
  /** Strategy that chose it and why. */
  selectedBy: string;
  reason: string;
  startedAt: number;
  latencyMs: number;
  ok: boolean;
  error?: { code: ModelMeshErrorCode; category: ErrorCategory; status?: number; message: string; retryAfterMs?: number };
  action: AttemptAction;
  /** Backoff before the next attempt. */
  delayMs?: number;
  /** State changes caused by this attempt (e.g. `route standby: error_threshold`, `provider standby: auth_failure`). */
  stateChanges?: string[];
}

/** The full routing story of one request. Returned with every result and every failure. */
export interface RoutingTrace {
  requestId: string;
  /** Name the caller asked for (OpenAI `model` field). */
  requested: string;
  /** Endpoint kind. */
  kind: "chat" | "embeddings" | "images" | "speech" | "transcription";
  stream: boolean;
  resolution?: { kind: ResolutionKind; poolId: string; node?: string };
  /** Requirements derived from the request (e.g. `tool_calling`, `context_window>=9000`). */
  requirements: string[];
  /**
   * The pool members considered, in pool order, with why each was (not) eligible. `explain()` lists every
   * member; a real request lists the first 50 and those it touched beyond them (its pick, refusals), and
   * counts the rest in {@link candidateSummary}.
   */
  candidates: TraceCandidate[];
  /**
   * Present when `candidates` lists only part of the pool: how many members there are, how many are listed,
   * and how many each filter stage excluded (`state`: out of service when the pick was made).
   */
  candidateSummary?: { members: number; listed: number; excluded: { pool: number; requirement: number; state: number } };
  attempts: TraceAttempt[];
  /** Non-fatal notes (e.g. unsupported but harmless fields). */
  warnings: string[];
  startedAt: number;
  endedAt?: number;
  deadlineMs: number;
  outcome?: "success" | "error";
  /** The route that produced the answer. */
  final?: { routeId: string; modelId: string; providerId: string; upstreamModel: string };
}
