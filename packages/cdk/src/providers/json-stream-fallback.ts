import type { ChatCompletion, ChatCompletionChunk, Clock } from "@modelmesh/core";
import { streamErrorFromPayload, streamTimeoutError } from "../sse/stream-errors.js";
import { withTimeout } from "../transport/timers.js";
import type { TransportResponse } from "../transport/types.js";
import { invalidResponseError, type ErrorContext } from "./provider-errors.js";
import { completionToChunk } from "./wire-helpers.js";

/**
 * Handles a streaming request answered with `application/json` instead of an event stream: an `{error}` body
 * (some upstreams report failures that way with a 200) throws a classified error; a plain completion (the
 * upstream ignored `stream: true`) becomes one chunk carrying the whole answer and its finish reason.
 */
export async function* streamFromJsonBody(
  response: TransportResponse,
  context: ErrorContext,
  clock: Clock,
  parseResponse: (json: unknown) => ChatCompletion,
  idleMs?: number,
): AsyncGenerator<ChatCompletionChunk> {
  const text = await withTimeout(response.text(), idleMs, () => streamTimeoutError("idle", idleMs ?? 0, context), {
    clock,
    onTimeout: () => void response.cancel(),
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidResponseError("expected an event stream, got a body that is neither SSE nor JSON", context, error);
  }
  if (typeof json === "object" && json !== null && (json as { error?: unknown }).error != null) {
    throw streamErrorFromPayload(json, context, clock.now());
  }
  yield completionToChunk(parseResponse(json));
}
