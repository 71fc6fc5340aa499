/** Writing responses: heads with accounting, error bodies, refusal faults and damaged non-streamed bodies. */
import type { ErrorInStreamFault, Fault } from "./fault-types.js";
import type { Exchange } from "./exchange.js";
import {
  contentPolicyViolation,
  contextLengthExceeded,
  insufficientQuota,
  invalidApiKey,
  openAIError,
  prefillRejected,
  rateLimitExceeded,
  serverError,
} from "./errors.js";
import type { OpenAIErrorBody } from "./wire.js";

/**
 * Sends the status line and headers, recording the status on the call and adding the `x-ratelimit-*`
 * headers. Every response goes through here so the recording and the quota count cannot drift.
 */
export function writeHead(
  exchange: Exchange,
  status: number,
  headers: Record<string, string | number>,
  tokens = 0,
): void {
  exchange.call.status = status;
  const limitHeaders = exchange.runtime.limits.onResponse(status, tokens);
  exchange.response.writeHead(status, { ...limitHeaders, ...headers });
}

/** Sends a complete body. */
export function sendBody(
  exchange: Exchange,
  status: number,
  body: Buffer,
  contentType: string,
  headers: Record<string, string> = {},
  tokens = 0,
): void {
  writeHead(exchange, status, { "content-type": contentType, "content-length": body.length, ...headers }, tokens);
  exchange.response.end(body);
}

/** Sends a complete JSON body. */
export function sendJson(
  exchange: Exchange,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  tokens = 0,
): void {
  sendBody(exchange, status, Buffer.from(JSON.stringify(body)), "application/json", headers, tokens);
}

/** Sends an OpenAI error envelope. */
export function sendError(
  exchange: Exchange,
  status: number,
  body: OpenAIErrorBody,
  headers: Record<string, string> = {},
): void {
  sendJson(exchange, status, body, headers);
}

/**
 * Drops the connection with a TCP RST and no response byte. A RST (not a FIN) is what a crashed upstream or a
 * load balancer produces, and clients surface it as ECONNRESET.
 */
export function resetConnection(exchange: Exchange): void {
  exchange.request.socket.resetAndDestroy();
}

/**
 * Closes the socket once everything written so far has reached the kernel, so the client receives the
 * partial body and then sees the connection end mid-message.
 */
export function cutAfterFlush(exchange: Exchange, lastChunk: Buffer | string): void {
  exchange.response.write(lastChunk, () => exchange.request.socket.destroy());
}

/** The error object an `error-in-stream` fault delivers inside a 200 response. */
export function streamErrorBody(fault: ErrorInStreamFault): OpenAIErrorBody {
  return openAIError(
    fault.error?.message ?? "The server had an error while processing your request. Sorry about that!",
    fault.error?.type ?? "server_error",
    fault.error?.code ?? null,
  );
}

/** Answers instead of the model according to a refusal fault (see `fault-types.ts`). */
export function sendRefusal(exchange: Exchange, fault: Fault): void {
  const model = exchange.call.model;
  switch (fault.kind) {
    case "rate-limit": {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
      return sendError(exchange, 429, rateLimitExceeded(model), headers);
    }
    case "quota-exhausted":
      return sendError(exchange, 429, insufficientQuota());
    case "status":
      return sendStatusFault(exchange, fault.status, fault.body, fault.headers);
    case "auth":
      return sendError(exchange, 401, invalidApiKey());
    case "reset-before-headers":
      return resetConnection(exchange);
    case "no-response":
      // Deliberately nothing: the socket stays open until the client gives up or `close()` destroys it.
      return;
    case "context-length":
      return sendError(exchange, 400, contextLengthExceeded());
    case "content-policy":
      return sendError(exchange, 400, contentPolicyViolation());
    case "reject-prefill":
      return sendError(exchange, 400, prefillRejected());
    case "down":
      return sendError(exchange, 503, serverError(503));
    default:
      throw new Error(`[modelmesh] [testing] ${fault.kind} is not a refusal fault.`);
  }
}

function sendStatusFault(
  exchange: Exchange,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (typeof body === "string") return sendBody(exchange, status, Buffer.from(body), "text/plain", headers);
  if (body !== undefined) return sendJson(exchange, status, body, headers);
  const fallback = status >= 500 ? serverError(status) : openAIError(`Mock status ${status}.`, "invalid_request_error");
  sendJson(exchange, status, fallback, headers);
}

/**
 * Sends a successful non-streamed body, damaged by the exchange's shaping fault if any: the JSON-body
 * counterpart of each stream fault, so the non-streaming code path can be tested against the same list.
 */
export async function sendSuccess(exchange: Exchange, body: Buffer, contentType: string, tokens: number): Promise<void> {
  const { response, fault } = exchange;
  const head = { "content-type": contentType, "content-length": body.length };
  switch (fault?.kind) {
    case "malformed-chunk":
      return sendBody(exchange, 200, Buffer.from("{not json"), "application/json", {}, tokens);
    case "error-in-stream":
      return sendJson(exchange, 200, streamErrorBody(fault), {}, tokens);
    case "cut-after":
    case "stall-after": {
      // `content-length` promises the whole body; only half arrives, so the client cannot mistake it for complete.
      writeHead(exchange, 200, head, tokens);
      const half = body.subarray(0, Math.floor(body.length / 2));
      if (fault.kind === "cut-after") cutAfterFlush(exchange, half);
      else response.write(half);
      return;
    }
    case "slow-first-token":
      writeHead(exchange, 200, head, tokens);
      response.flushHeaders();
      if (await exchange.runtime.delay(fault.delayMs, response)) response.end(body);
      return;
    default:
      return sendBody(exchange, 200, body, contentType, {}, tokens);
  }
}
