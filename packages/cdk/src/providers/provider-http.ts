import { isModelMeshError, readRateLimitHeaders, type AbortWatch, type AttemptTimeouts, type CallOptions, type Clock, type ProviderError, type ResponseMeta } from "@modelmesh/core";
import { responseTooLargeError, streamTimeoutError } from "../sse/stream-errors.js";
import { redactHeaders } from "../transport/redact-headers.js";
import { decodeChunks, readWholeText } from "../transport/read-body.js";
import { hasLimit, linkAbort, withTimeout } from "../transport/timers.js";
import { classifyLowLevelError, toTransportError } from "../transport/transport-errors.js";
import type { Transport, TransportRequest, TransportResponse } from "../transport/types.js";
import { invalidResponseError, responseTimeoutError, withProviderContext, type ErrorContext } from "./provider-errors.js";
import { declaredLength, effectiveLimits, effectiveMaxResponseBytes, limitResponse, type EffectiveLimits } from "./response-limits.js";

/**
 * The HTTP exchange of a provider: sends through the transport, reads rate-limit headers into `onResponse`'s
 * `rateLimit`, turns non-2xx responses into classified errors, and bounds each exchange by the attempt's budget
 * and by the call's size limits (`response-limits.ts`). Routed calls carry no first-token or idle limit: the
 * router's attempt scope owns those and aborts `call.signal` (docs/ARCHITECTURE.md §2.5), so no timer or linked
 * signal is created here; a provider called directly applies `firstTokenMs` to the whole exchange (or the time
 * until a stream opens) and `idleMs` to the gaps of a body. Either way a 2xx body is read only up to
 * `maxResponseBytes` (a stream's events are bounded one by one by the SSE parser).
 */

/** Call options after defaults: timeouts always present. */
export interface ResolvedCall extends Partial<Omit<CallOptions, "timeouts">> {
  timeouts: AttemptTimeouts;
}

/** What the exchange helper needs from its provider. */
export interface ProviderHttpDeps {
  transport: () => Transport;
  clock: Clock;
  errorContext: (model: string | undefined) => ErrorContext;
  toProviderError: (status: number, headers: Record<string, string>, body: string, model?: string) => ProviderError;
}

/** One outgoing request, before the signal and timeouts are attached. */
export type ExchangeInit = Pick<TransportRequest, "method" | "url" | "headers" | "body">;

/**
 * A transport request that follows `watch` (`abort`) and offers the call's AbortSignal only to a transport that
 * reads `signal` (the router creates that signal on first read: docs/ARCHITECTURE.md §2.5).
 */
function lazySignalRequest(init: ExchangeInit, call: ResolvedCall, watch: AbortWatch): TransportRequest {
  const request = { method: init.method, url: init.url, headers: init.headers, abort: watch, [REQUEST_CALL]: call } as TransportRequest;
  // An own enumerable accessor (a spread of the request still copies the signal) with a getter shared by every
  // request: one written in the object literal costs a fresh accessor pair and hidden class per request (~1 µs).
  Object.defineProperty(request, "signal", SIGNAL_OF_CALL);
  return request;
}

/** Where a request's `signal` accessor finds its call. */
const REQUEST_CALL: unique symbol = /* @__PURE__ */ Symbol("modelmesh.requestCall");

/** The `signal` of a request that follows its call's abort (see {@link lazySignalRequest}). */
const SIGNAL_OF_CALL: PropertyDescriptor = {
  get(this: { [REQUEST_CALL]: ResolvedCall }): AbortSignal | undefined {
    return this[REQUEST_CALL].signal;
  },
  enumerable: true,
  configurable: true,
};

/**
 * What `onResponse` listeners get: the status, the rate limits read from the headers, and the headers redacted
 * on first read. The raw headers stay in a private field (never listed, copied or printed); `headers` is an own
 * enumerable accessor with a getter shared by every response (see {@link lazySignalRequest}).
 */
class RedactedResponseMeta implements ResponseMeta {
  static readonly #HEADERS: PropertyDescriptor = {
    get(this: RedactedResponseMeta): Record<string, string> {
      return (this.#redacted ??= redactHeaders(this.#raw));
    },
    enumerable: true,
    configurable: true,
  };

  readonly status: number;
  declare readonly headers: Record<string, string>;
  declare rateLimit?: ResponseMeta["rateLimit"];
  readonly #raw: Record<string, string>;
  #redacted: Record<string, string> | undefined;

  constructor(status: number, raw: Record<string, string>) {
    this.status = status;
    this.#raw = raw;
    Object.defineProperty(this, "headers", RedactedResponseMeta.#HEADERS);
  }
}

/** Longest error body kept for classification (bytes of text); the rest is discarded. */
const MAX_ERROR_BODY = 64 * 1024;

/** Sends provider requests; see the module comment. */
export class ProviderHttp {
  readonly #deps: ProviderHttpDeps;

  constructor(deps: ProviderHttpDeps) {
    this.#deps = deps;
  }

  /** The size limits of a call (`call.responseLimits`, else the defaults: 32 MiB per body, 1 MiB per event). */
  limits(call: ResolvedCall): EffectiveLimits {
    return effectiveLimits(call.responseLimits);
  }

  /**
   * Sends one request; rejects with a classified `ProviderError` for non-2xx statuses. `signal` is the
   * exchange's own (a timed exchange links one); undefined means the call's abort (`call.abort`, else
   * `call.signal`). A 2xx response comes back size-limited: `text()` always, and `body` too unless `streamed`
   * (see the module comment); a non-streamed one whose `content-length` already exceeds the limit is refused
   * without reading it.
   */
  async send(init: ExchangeInit, call: ResolvedCall, model: string | undefined, signal: AbortSignal | undefined, streamed = false): Promise<TransportResponse> {
    // The transport owns `timeouts.connect`: connecting, and the wait for the response headers.
    const connectMs = hasLimit(call.timeouts.connectMs) ? call.timeouts.connectMs : undefined;
    // Built field by field (no spreads): only the fields that have a value, as the transport expects them.
    // The exchange's own signal (a timed exchange's) wins; else the call's abort: its cheap watch, with the
    // AbortSignal left to transports that read `signal` (created only then).
    const watch = signal === undefined ? call.abort : undefined;
    const request: TransportRequest = watch === undefined ? { method: init.method, url: init.url, headers: init.headers } : lazySignalRequest(init, call, watch);
    if ("body" in init) request.body = init.body;
    if (watch === undefined) {
      const own = signal ?? call.signal;
      if (own) request.signal = own;
    }
    if (connectMs !== undefined) {
      request.connectTimeoutMs = connectMs;
      request.headersTimeoutMs = connectMs;
    }
    let response: TransportResponse;
    try {
      response = await this.#deps.transport()(request);
    } catch (error) {
      // A custom transport may reject with a raw socket error: classify it as the built-in transports do.
      if (!isModelMeshError(error) && classifyLowLevelError(error) !== undefined) throw toTransportError(error, { url: init.url, phase: "connect", signal: watch ?? request.signal });
      throw error;
    }
    if (call.onResponse) {
      // Limits are reported, never kept here: the router records them in the mesh's state ledger.
      const rateLimit = readRateLimitHeaders(response.headers, this.#deps.clock.now());
      // Headers are redacted only if a listener reads them (the router reads just `rateLimit`): this runs on
      // every successful response, so it stays off the hot path.
      const meta = new RedactedResponseMeta(response.status, response.headers);
      if (rateLimit) meta.rateLimit = rateLimit;
      call.onResponse(meta);
    }
    if (response.status < 200 || response.status > 299) {
      const body = await readErrorBody(response);
      throw this.#deps.toProviderError(response.status, response.headers, body, model);
    }
    const maxResponseBytes = effectiveMaxResponseBytes(call.responseLimits);
    const tooLarge = () => responseTooLargeError("body", maxResponseBytes, this.#deps.errorContext(model));
    const declared = declaredLength(response.headers);
    if (!streamed && declared !== undefined && declared > maxResponseBytes) {
      await response.cancel();
      throw tooLarge();
    }
    return limitResponse(response, maxResponseBytes, !streamed, tooLarge);
  }

  /**
   * Sends a request and reads its response with `read`, all within `firstTokenMs` (the non-streamed budget).
   * When the budget runs out the request is aborted and `MM_TIMEOUT_RESPONSE` is thrown.
   */
  exchange<T>(init: ExchangeInit, call: ResolvedCall, model: string | undefined, read: (response: TransportResponse) => Promise<T>): Promise<T> {
    // Two paths, so the routed one (no budget) is a small async frame without the timer's state and closures.
    const budget = call.timeouts?.firstTokenMs;
    return hasLimit(budget) ? this.#timedExchange(init, call, model, read, budget) : this.#untimedExchange(init, call, model, read);
  }

  /** An exchange bounded by the caller (the router's attempt scope), which aborts the call: no timer here. */
  async #untimedExchange<T>(init: ExchangeInit, call: ResolvedCall, model: string | undefined, read: (response: TransportResponse) => Promise<T>): Promise<T> {
    try {
      return await read(await this.send(init, call, model, undefined));
    } catch (error) {
      throw this.contextualize(error, model);
    }
  }

  /** An exchange within `budget` ms: past it the request is aborted and `MM_TIMEOUT_RESPONSE` thrown. */
  async #timedExchange<T>(init: ExchangeInit, call: ResolvedCall, model: string | undefined, read: (response: TransportResponse) => Promise<T>, budget: number): Promise<T> {
    const link = linkAbort(call.signal);
    let timeoutError: unknown;
    let response: TransportResponse | undefined;
    const run = async () => {
      response = await this.send(init, call, model, link.signal);
      return read(response);
    };
    try {
      return await withTimeout(run(), budget, () => timeoutError, {
        clock: this.#deps.clock,
        onTimeout: () => {
          timeoutError = responseTimeoutError(budget, this.#deps.errorContext(model));
          link.controller.abort(timeoutError);
          void response?.cancel();
        },
      });
    } catch (error) {
      throw this.contextualize(error, model);
    } finally {
      link.dispose();
    }
  }

  /** POSTs JSON and parses a JSON response (invalid JSON → `MM_INVALID_RESPONSE`). */
  postJson(url: string, headers: Record<string, string>, payload: unknown, call: ResolvedCall, model: string | undefined): Promise<unknown> {
    return this.#exchangeJson({ method: "POST", url, headers, body: JSON.stringify(payload) }, call, model);
  }

  /** GETs a JSON document. */
  getJson(url: string, headers: Record<string, string>, call: ResolvedCall): Promise<unknown> {
    return this.#exchangeJson({ method: "GET", url, headers }, call, undefined);
  }

  /** {@link ProviderHttp.exchange} reading JSON; the routed (untimed) case needs no read callback. */
  #exchangeJson(init: ExchangeInit, call: ResolvedCall, model: string | undefined): Promise<unknown> {
    const budget = call.timeouts?.firstTokenMs;
    if (hasLimit(budget)) return this.#timedExchange(init, call, model, (response) => this.#json(response, call, model), budget);
    return this.#untimedJsonExchange(init, call, model);
  }

  /** `#untimedExchange` with `#json` inlined: one async frame for the whole exchange. */
  async #untimedJsonExchange(init: ExchangeInit, call: ResolvedCall, model: string | undefined): Promise<unknown> {
    try {
      const response = await this.send(init, call, model, undefined);
      return this.#parseJson(await this.#jsonText(response, call, model), model);
    } catch (error) {
      throw this.contextualize(error, model);
    }
  }

  /**
   * POSTs a streaming request and resolves once the response headers arrived with a 2xx status. The time
   * until then counts toward the first-token budget. `dispose()` must be called when the stream is done.
   */
  async openStream(
    url: string,
    headers: Record<string, string>,
    payload: unknown,
    call: ResolvedCall,
    model: string,
  ): Promise<{ response: TransportResponse; startedAt: number; dispose: () => void }> {
    const startedAt = this.#deps.clock.now();
    const budget = call.timeouts.firstTokenMs;
    if (!hasLimit(budget)) {
      // Bounded by the caller (the router's attempt scope), which aborts the call: no timer, no linked signal.
      try {
        const response = await this.send({ method: "POST", url, headers, body: JSON.stringify(payload) }, call, model, undefined, true);
        return { response, startedAt, dispose: noop };
      } catch (error) {
        throw this.contextualize(error, model);
      }
    }
    const link = linkAbort(call.signal);
    let timeoutError: unknown;
    try {
      const response = await withTimeout(this.send({ method: "POST", url, headers, body: JSON.stringify(payload) }, call, model, link.signal, true), budget, () => timeoutError, {
        clock: this.#deps.clock,
        onTimeout: () => {
          timeoutError = streamTimeoutError("first-token", budget, this.#deps.errorContext(model));
          link.controller.abort(timeoutError);
        },
      });
      return { response, startedAt, dispose: link.dispose };
    } catch (error) {
      link.dispose();
      throw this.contextualize(error, model);
    }
  }

  /** Fills provider and model into errors raised below the provider. */
  contextualize(error: unknown, model: string | undefined): unknown {
    return withProviderContext(error, this.#deps.errorContext(model));
  }

  async #readIdleBounded(response: TransportResponse, idleMs: number, model: string | undefined): Promise<string> {
    const iterator = response.body[Symbol.asyncIterator]();
    // Bytes first, text at the end (`decodeChunks`): a body cut by the size limit never held both.
    const chunks: Uint8Array[] = [];
    try {
      for (;;) {
        const step = await withTimeout(iterator.next(), idleMs, () => streamTimeoutError("idle", idleMs, this.#deps.errorContext(model)), {
          clock: this.#deps.clock,
          onTimeout: () => void response.cancel().catch(() => {}),
        });
        if (step.done) return decodeChunks(chunks);
        chunks.push(step.value);
      }
    } catch (error) {
      void iterator.return?.()?.catch(() => {});
      throw error;
    }
  }

  /**
   * Reads a JSON body. Once the headers are in, the gaps between body chunks are bounded by `idleMs`, as on a
   * stream: a body that starts and then stalls (or never starts) fails with `MM_TIMEOUT_IDLE` instead of
   * holding the attempt until its whole budget is spent.
   */
  async #json(response: TransportResponse, call: ResolvedCall, model: string | undefined): Promise<unknown> {
    return this.#parseJson(await this.#jsonText(response, call, model), model);
  }

  /** The text of a JSON body (see `#json`). */
  #jsonText(response: TransportResponse, call: ResolvedCall, model: string | undefined): Promise<string> {
    if (hasLimit(call.timeouts.idleMs)) return this.#readIdleBounded(response, call.timeouts.idleMs, model);
    // `onProgress` per chunk read: the router's idle timeout counts from the latest.
    if (call.onProgress) return readWholeText(response, Infinity, undefined, call.onProgress);
    return response.text();
  }

  /** Parses a JSON body (invalid JSON → `MM_INVALID_RESPONSE`). */
  #parseJson(text: string, model: string | undefined): unknown {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw invalidResponseError("the body is not valid JSON", this.#deps.errorContext(model), error);
    }
  }
}

function noop(): void {}

/** Reads at most {@link MAX_ERROR_BODY} characters of an error body; a failing read yields what was read. */
async function readErrorBody(response: TransportResponse): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  try {
    for await (const chunk of response.body) {
      text += decoder.decode(chunk, { stream: true });
      if (text.length >= MAX_ERROR_BODY) break;
    }
  } catch {
    // The status alone still classifies the error.
  } finally {
    await response.cancel();
  }
  return text.slice(0, MAX_ERROR_BODY);
}
