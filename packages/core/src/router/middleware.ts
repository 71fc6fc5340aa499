/**
 * Router middleware (docs/ARCHITECTURE.md §2.16): hooks around every routed request — `beforeRequest` (change the
 * request, or answer it without routing: a cache), `afterResponse` (change or record the answer: PII scrubbing of
 * output), `onError` (turn a failure into an answer: a custom fallback). Middleware compose as an onion: the first
 * one listed sees the request first and the answer last. A hook that throws fails the request with what it threw
 * (wrapped as `MM_MIDDLEWARE` when it is not a ModelMesh error).
 */
import { isModelMeshError, ModelMeshError } from "../errors/model-mesh-error.js";
import type { Kind } from "./candidates.js";
import type { RequestOptions, Routed } from "./types.js";

/** What every hook of one request sees. */
export interface MiddlewareContext<TRequest = unknown> {
  /** `chat`, `embeddings`, `images`, `speech` or `transcription`. */
  readonly kind: Kind;
  /** True for a streamed chat (the answer's `value` is then an async iterable of chunks). */
  readonly stream: boolean;
  /** The request as it stands (after the `beforeRequest` hooks that ran so far). */
  readonly request: TRequest;
  /** The caller's request options (request id, deadline, signal). */
  readonly options: RequestOptions;
  /** Scratch space shared by the hooks of this request (e.g. a cache key from `beforeRequest` to `afterResponse`). */
  readonly state: Map<string, unknown>;
}

/** What `beforeRequest` may return: a replaced request, or an answer that skips routing (and inner middleware). */
export type BeforeRequestResult<TRequest = unknown> = { request: TRequest } | { response: Routed<unknown> } | void | undefined;

/** One middleware: any subset of the three hooks, each sync or async. */
export interface RouterMiddleware {
  /** Shown in errors and traces. */
  readonly name: string;
  beforeRequest?(context: MiddlewareContext): BeforeRequestResult | Promise<BeforeRequestResult>;
  /** Returns a replacement answer, or nothing to keep it. */
  afterResponse?(context: MiddlewareContext, response: Routed<unknown>): Routed<unknown> | void | undefined | Promise<Routed<unknown> | void | undefined>;
  /** Returns `{ response }` to answer instead of failing, or nothing to let the error through (or throws another). */
  onError?(context: MiddlewareContext, error: ModelMeshError): { response: Routed<unknown> } | void | undefined | Promise<{ response: Routed<unknown> } | void | undefined>;
}

/** A hook's own failure: a ModelMesh error passes as it is, anything else becomes `MM_MIDDLEWARE`. */
function hookError(middleware: RouterMiddleware, hook: string, error: unknown): ModelMeshError {
  if (isModelMeshError(error)) return error;
  return new ModelMeshError({
    code: "MM_MIDDLEWARE",
    category: "internal",
    retryable: false,
    message: `[modelmesh] [middleware ${middleware.name}] ${hook} failed: ${(error as Error)?.message ?? String(error)}`,
    cause: error,
  });
}

/** Checks a middleware object at registration, so a typo fails when it is added, not at the first request. */
export function checkMiddleware(middleware: RouterMiddleware): RouterMiddleware {
  if (typeof middleware !== "object" || middleware === null || typeof middleware.name !== "string" || middleware.name === "") {
    throw new TypeError("[modelmesh] a router middleware needs a non-empty `name`");
  }
  for (const hook of ["beforeRequest", "afterResponse", "onError"] as const) {
    if (middleware[hook] !== undefined && typeof middleware[hook] !== "function") throw new TypeError(`[modelmesh] middleware ${middleware.name}: ${hook} must be a function`);
  }
  if (middleware.beforeRequest === undefined && middleware.afterResponse === undefined && middleware.onError === undefined) {
    throw new TypeError(`[modelmesh] middleware ${middleware.name} has none of beforeRequest, afterResponse, onError`);
  }
  return middleware;
}

/**
 * Runs `route` for `request` through the middleware list (onion order). `route` is the router's own method for
 * the request's kind.
 */
export async function runMiddleware<TRequest, TValue>(
  list: readonly RouterMiddleware[],
  head: { kind: Kind; stream: boolean; request: TRequest; options: RequestOptions },
  route: (request: TRequest) => Promise<Routed<TValue>>,
): Promise<Routed<TValue>> {
  const context = { kind: head.kind, stream: head.stream, request: head.request as unknown, options: head.options, state: new Map<string, unknown>() };
  const layer = async (index: number): Promise<Routed<unknown>> => {
    if (index === list.length) return route(context.request as TRequest);
    const middleware = list[index]!;
    if (middleware.beforeRequest) {
      let before: BeforeRequestResult;
      try {
        before = await middleware.beforeRequest(context);
      } catch (error) {
        throw hookError(middleware, "beforeRequest", error);
      }
      if (before && "response" in before) return before.response;
      if (before && "request" in before) context.request = before.request;
    }
    let result: Routed<unknown>;
    try {
      result = await layer(index + 1);
    } catch (thrown) {
      const error = isModelMeshError(thrown) ? thrown : hookError(middleware, "routing", thrown);
      if (!middleware.onError) throw error;
      let recovered: { response: Routed<unknown> } | void | undefined;
      try {
        recovered = await middleware.onError(context, error);
      } catch (replaced) {
        throw hookError(middleware, "onError", replaced);
      }
      if (!recovered) throw error;
      result = recovered.response;
    }
    if (!middleware.afterResponse) return result;
    try {
      return (await middleware.afterResponse(context, result)) ?? result;
    } catch (error) {
      throw hookError(middleware, "afterResponse", error);
    }
  };
  return layer(0) as Promise<Routed<TValue>>;
}
