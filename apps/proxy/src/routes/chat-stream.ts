/**
 * Streaming chat completions over SSE (docs/routing-defaults.md, "Streams"). The router holds the stream until its commit
 * point, so response headers are written only then and name the committed route. Chunks follow as
 * `data: {json}`; a clean end adds `data: [DONE]`. A failure after the headers is sent as an SSE error event
 * and the response ends WITHOUT `[DONE]`: a truncated answer never looks complete. A client that disconnects
 * aborts the upstream call through the request's abort.
 */
import { parseStreamCommit, type ChatCompletionChunk, type ChatCompletionRequest, type CompletionUsage, type Routed, type StreamCommit } from "@modelmesh/core";
import { logMessage, ProxyHttpError, sseErrorEvent } from "../http/errors.js";
import { routingHeaders, sendError } from "../http/respond.js";
import { upstreamUrlOf } from "../log.js";
import { routeOptions, type RequestContext } from "../runtime.js";

const SHUTDOWN = new ProxyHttpError(503, "server_error", "shutdown", "[modelmesh] [proxy] the proxy is shutting down; the stream was ended before it completed.");

/** Waits until the response can take more data, or the request is aborted. */
function drained(ctx: RequestContext): Promise<void> {
  return new Promise<void>((resolve) => {
    if (ctx.abort.aborted) return resolve();
    let stop: (() => void) | undefined;
    const done = () => {
      ctx.res.off("drain", done);
      ctx.res.off("close", done);
      stop?.();
      resolve();
    };
    ctx.res.on("drain", done);
    ctx.res.on("close", done);
    stop = ctx.abort.onAbort(done);
  });
}

/** A usage-only chunk (`choices: []`) the client did not ask for (`stream_options.include_usage`). */
function unrequestedUsage(chunk: ChatCompletionChunk, includeUsage: boolean): boolean {
  return !includeUsage && chunk.usage != null && (chunk.choices?.length ?? 0) === 0;
}

/**
 * The request's `x-modelmesh-stream-commit` header (`first_token`, `complete`, `chars=N`, `ms=N`), which
 * overrides the pool's commit mode for this request; a malformed value is a 400.
 */
function streamCommitOf(ctx: RequestContext): { streamCommit?: StreamCommit } {
  const raw = ctx.req.headers["x-modelmesh-stream-commit"];
  if (raw === undefined) return {};
  const streamCommit = typeof raw === "string" ? parseStreamCommit(raw) : undefined;
  if (streamCommit === undefined) {
    throw new ProxyHttpError(400, "invalid_request_error", "invalid_stream_commit", "[modelmesh] [proxy] x-modelmesh-stream-commit must be first_token, complete, chars=N or ms=N (N a positive integer or a duration).");
  }
  return { streamCommit };
}

/**
 * Serves `POST /v1/chat/completions` with `stream: true`. Once the stream is committed this function returns
 * the relay's promise instead of awaiting it, so no frame of it stays suspended while the stream is open.
 */
export async function streamChat(ctx: RequestContext, body: ChatCompletionRequest): Promise<void> {
  const { res, runtime, mesh } = ctx;
  const release = runtime.acquireStream(mesh);
  let routed: Routed<AsyncIterable<ChatCompletionChunk>>;
  try {
    routed = await mesh.router.chatStream(body, Object.assign(routeOptions(ctx), streamCommitOf(ctx)));
  } catch (error) {
    release();
    if (!ctx.abort.aborted || ctx.flight.shutdown) sendError(res, ctx.requestId, ctx.flight.shutdown ? SHUTDOWN : error, ctx.cors, { secrets: runtime.secretsFor(mesh) });
    return;
  }
  try {
    res.writeHead(200, {
      ...ctx.cors,
      ...routingHeaders(ctx.requestId, routed.trace),
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    });
    res.flushHeaders();
  } catch (error) {
    release();
    throw error;
  }
  return relay(ctx, routed, body.stream_options?.include_usage === true, release);
}

/** Relays the committed stream's chunks; `release` frees the stream slot when it ends, however it ends. */
async function relay(ctx: RequestContext, routed: Routed<AsyncIterable<ChatCompletionChunk>>, includeUsage: boolean, release: () => void): Promise<void> {
  const { res } = ctx;
  let usage: CompletionUsage | undefined;
  try {
    for await (const chunk of routed.value) {
      if (chunk.usage) usage = chunk.usage;
      if (ctx.abort.aborted) break;
      if (unrequestedUsage(chunk, includeUsage)) continue;
      if (!res.write(`data: ${JSON.stringify(chunk)}\n\n`)) await drained(ctx);
    }
    // Leaving the loop early (client gone) returns the router's iterator, which aborts the upstream call.
    if (ctx.abort.aborted) {
      if (ctx.flight.shutdown) res.end(sseErrorEvent(SHUTDOWN));
      return;
    }
    res.end("data: [DONE]\n\n");
  } catch (error) {
    if (ctx.flight.shutdown) res.end(sseErrorEvent(SHUTDOWN));
    else if (!ctx.abort.aborted) res.end(sseErrorEvent(error, { secrets: ctx.runtime.secretsFor(ctx.mesh) }));
    if (!ctx.abort.aborted) {
      // The full message (secrets masked) stays here; the event sent to the client is shortened and stripped of addresses.
      const url = upstreamUrlOf(error);
      ctx.runtime.log.warn("stream ended with an error after commit", { requestId: ctx.requestId, error: logMessage(String((error as Error)?.message ?? error), ctx.runtime.secretsFor(ctx.mesh)), ...(url ? { url } : {}) });
    }
  } finally {
    release();
    const final = routed.trace.final;
    if (usage && final) ctx.runtime.metrics.recordStreamUsage(ctx.mesh, final.modelId, final.providerId, usage);
  }
}
