import type { AttemptTimeouts, CallOptions, ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ProviderConnectorV1, ProviderError } from "@modelmesh/core";
import { createFetchTransport } from "../transport/fetch-transport.js";
import { isSecretHeader } from "../transport/redact-headers.js";
import type { Transport } from "../transport/types.js";
import { ProviderCatalogue } from "./provider-catalogue.js";
import type { ProviderConfig } from "./provider-config.js";
import { httpStatusError } from "./provider-errors.js";
import { ProviderHttp, type ResolvedCall } from "./provider-http.js";

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * The protocol-neutral HTTP half of a provider (docs/ARCHITECTURE.md §2.14): the transport (the configured
 * one, else {@link HttpProviderBase.createTransport}'s default, `fetch`), the exchange helper `http` (sending,
 * `onResponse` with the learned `rateLimit`, error mapping through {@link HttpProviderBase.toProviderError},
 * size limits), call options, request headers, plus the catalogue and classification of `ProviderCatalogue`,
 * and `close`. It knows no wire format: a family implements `complete` and `stream` against its own API and
 * adds only the optional methods its API has (`embed`, `discoverModels`…); the router answers the others with
 * `MM_NOT_SUPPORTED`. `ProviderBase` is the OpenAI-shaped layer on top.
 *
 * Node servers pass cdk/node's `createUndiciTransport()` as `transport` (or override `createTransport`); no
 * second class per family is needed.
 * @example
 * class EchoProvider extends HttpProviderBase {
 *   async complete(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): Promise<ChatCompletion> {
 *     const call = this.resolveCall(options);
 *     const json = await this.http.postJson(`${this.config.baseUrl}/echo`, this.requestHeaders(call), { text: request.messages.at(-1)?.content }, call, request.model);
 *     return toChatCompletion(request.model, json); // the family's own response mapping
 *   }
 *   async *stream(request: ChatCompletionRequest, options: Partial<CallOptions> = {}): AsyncGenerator<ChatCompletionChunk> {
 *     yield* toChunks(await this.complete(request, options)); // or parse the family's event stream
 *   }
 * }
 */
export abstract class HttpProviderBase<C extends ProviderConfig = ProviderConfig> extends ProviderCatalogue<C> implements ProviderConnectorV1 {
  /** HTTP exchange helper: sends, reports `onResponse`, maps errors, bounds bodies by the attempt budget. */
  protected readonly http: ProviderHttp;
  #transport: Transport | undefined;
  /** `Authorization` value of the current API key (see `buildHeaders`). */
  #bearer: { apiKey: string; value: string } | undefined;

  constructor(config: C) {
    super(config);
    this.http = new ProviderHttp({
      transport: () => this.transport,
      clock: this.clock,
      errorContext: (model) => this.errorContext(model),
      toProviderError: (status, headers, body, model) => this.toProviderError(status, headers, body, model),
    });
  }

  // -- execution (the family's wire format) ------------------------------------------------------------

  /** Non-streamed chat completion against the family's API. */
  abstract complete(request: ChatCompletionRequest, options?: Partial<CallOptions>): Promise<ChatCompletion>;
  /** Streamed chat completion; HTTP errors surface on the first `next()`. */
  abstract stream(request: ChatCompletionRequest, options?: Partial<CallOptions>): AsyncIterable<ChatCompletionChunk>;

  // -- transport -------------------------------------------------------------------------------------

  /** Returns the transport to use: the configured one, else `fetch`. Override for another default. */
  protected createTransport(configured: Transport | undefined): Transport {
    return configured ?? createFetchTransport();
  }

  /** The transport in use, resolved on first request (never at construction: no work until needed). */
  protected get transport(): Transport {
    this.#transport ??= this.createTransport(this.config.transport);
    return this.#transport;
  }

  /** Closes a transport this instance created (shared agents stay open for other users). Idempotent. */
  async close(): Promise<void> {
    const transport = this.#transport as (Transport & { close?: () => Promise<void> }) | undefined;
    this.#transport = undefined;
    if (transport && transport !== this.config.transport && typeof transport.close === "function") await transport.close();
  }

  // -- override hooks ----------------------------------------------------------------------------------

  /** Headers of every request: JSON content type, `Authorization: Bearer <apiKey>` when set, config headers. */
  protected buildHeaders(): Record<string, string> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const apiKey = this.config.apiKey;
    if (apiKey) {
      // The header value is built once per key, not per request.
      if (this.#bearer?.apiKey !== apiKey) this.#bearer = { apiKey, value: `Bearer ${apiKey}` };
      headers.authorization = this.#bearer.value;
    }
    return this.config.headers ? { ...headers, ...this.config.headers } : headers;
  }

  /** Builds the error of a non-2xx response; default: core's classifier, secret-free message. */
  protected toProviderError(status: number, headers: Record<string, string>, body: string, model?: string): ProviderError {
    return httpStatusError(status, headers, body, this.errorContext(model), this.clock.now());
  }

  // -- internals shared with subclasses ----------------------------------------------------------------

  /**
   * Normalises call options. Without `timeouts` (a direct call) every limit is `config.timeoutMs` (60 s) and
   * this provider applies them; with `timeouts` (the router passes only `connectMs`), a limit that is absent is
   * the caller's to enforce.
   */
  protected resolveCall(options: Partial<CallOptions>): ResolvedCall {
    if (options.timeouts) return options as ResolvedCall;
    const fallback = this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeouts: AttemptTimeouts = { connectMs: fallback, firstTokenMs: fallback, idleMs: fallback };
    return { ...options, timeouts };
  }

  /**
   * Headers for one call: the call's extra headers (secrets dropped, names lower-cased), then the provider's
   * own ({@link HttpProviderBase.buildHeaders}, whose object is returned as is when the call adds none).
   */
  protected requestHeaders(call: ResolvedCall): Record<string, string> {
    const own = this.buildHeaders();
    const callHeaders = call.headers;
    if (callHeaders === undefined) return own;
    let extra: Record<string, string> | undefined;
    for (const name in callHeaders) {
      if (!Object.hasOwn(callHeaders, name) || isSecretHeader(name)) continue;
      (extra ??= {})[name.toLowerCase()] = callHeaders[name]!;
    }
    return extra ? { ...extra, ...own } : own;
  }
}
