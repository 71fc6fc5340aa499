import type { ResponseLimits } from "@modelmesh/core";
import { DEFAULT_MAX_EVENT_SIZE } from "../sse/parse-sse.js";
import { READ_WHOLE_TEXT, readWholeText, type WholeTextReader } from "../transport/read-body.js";
import type { TransportResponse } from "../transport/types.js";

/**
 * Size limits on what an upstream sends back (`providers.<name>.limits`, docs/errors.md `MM_RESPONSE_TOO_LARGE`):
 * a non-streamed body is read only up to `maxResponseBytes`, one stream event only up to `maxEventBytes`.
 * Without them a hostile or broken upstream could make the process buffer hundreds of megabytes.
 */

/** Default largest non-streamed response body: 32 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** Default largest single stream event: 1 MiB. */
export const DEFAULT_MAX_EVENT_BYTES = DEFAULT_MAX_EVENT_SIZE;

/** Both limits, defaults applied. */
export interface EffectiveLimits {
  maxResponseBytes: number;
  maxEventBytes: number;
}

function usable(value: number | undefined, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The limits of one call: the call's (from `providers.<name>.limits`), else the defaults. */
export function effectiveLimits(limits: ResponseLimits | undefined): EffectiveLimits {
  return {
    maxResponseBytes: usable(limits?.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES),
    maxEventBytes: usable(limits?.maxEventBytes, DEFAULT_MAX_EVENT_BYTES),
  };
}

/** The largest non-streamed body of a call: `effectiveLimits(limits).maxResponseBytes` without the object. */
export function effectiveMaxResponseBytes(limits: ResponseLimits | undefined): number {
  return usable(limits?.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES);
}

/**
 * Wraps a response so that reading more than `maxBytes` of it throws `tooLarge()` (the underlying body is
 * then released by the transport: the read loop exits early). `text()` is always bounded; `body` only when
 * `boundBody` (a stream's event source is bounded per event by the SSE parser instead, since a long answer may
 * legitimately exceed the body limit in total).
 */
export function limitResponse(response: TransportResponse, maxBytes: number, boundBody: boolean, tooLarge: () => unknown): TransportResponse {
  return new LimitedResponse(response, maxBytes, boundBody, tooLarge);
}

/** A response whose reads are size-bounded; a class so a held stream costs one object, not a set of closures. */
class LimitedResponse implements TransportResponse, WholeTextReader {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly #response: TransportResponse;
  readonly #maxBytes: number;
  readonly #boundBody: boolean;
  readonly #tooLarge: () => unknown;

  constructor(response: TransportResponse, maxBytes: number, boundBody: boolean, tooLarge: () => unknown) {
    this.status = response.status;
    this.headers = response.headers;
    this.#response = response;
    this.#maxBytes = maxBytes;
    this.#boundBody = boundBody;
    this.#tooLarge = tooLarge;
  }

  get body(): AsyncIterable<Uint8Array> {
    return this.#boundBody ? { [Symbol.asyncIterator]: () => this.#bounded() } : this.#response.body;
  }

  text(): Promise<string> {
    return this[READ_WHOLE_TEXT](Infinity, undefined, undefined);
  }

  /** A whole read through the wrapped response's own reader (when it has one), within this limit or a lower one. */
  [READ_WHOLE_TEXT](maxBytes: number, tooLarge: (() => unknown) | undefined, onChunk: (() => void) | undefined): Promise<string> {
    if (maxBytes < this.#maxBytes && tooLarge !== undefined) return readWholeText(this.#response, maxBytes, tooLarge, onChunk);
    return readWholeText(this.#response, this.#maxBytes, this.#tooLarge, onChunk);
  }

  cancel(): Promise<void> {
    return this.#response.cancel();
  }

  async *#bounded(): AsyncGenerator<Uint8Array> {
    let total = 0;
    for await (const chunk of this.#response.body) {
      total += chunk.byteLength;
      if (total > this.#maxBytes) throw this.#tooLarge();
      yield chunk;
    }
  }
}

/** The declared `content-length`, when it is a plain non-negative integer. */
export function declaredLength(headers: Record<string, string>): number | undefined {
  const raw = headers["content-length"];
  return raw !== undefined && /^\d{1,16}$/.test(raw.trim()) ? Number(raw.trim()) : undefined;
}
