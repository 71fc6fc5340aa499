import type { AbortWatch } from "@modelmesh/core";

/**
 * The one injected transport (docs/ARCHITECTURE.md §2.4): request in; status, headers and a body stream out.
 * Node default: undici with a shared keep-alive Agent (`@modelmesh/cdk/node`). Browser/edge default: fetch.
 */

/** An outgoing HTTP request. */
export interface TransportRequest {
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  url: string;
  /** Header names in any case; values are sent as given. */
  headers: Record<string, string>;
  /** JSON text, bytes or multipart form. */
  body?: string | Uint8Array | FormData;
  /** Aborting rejects a pending response and errors an open body stream. */
  signal?: AbortSignal;
  /**
   * The same abort as `signal`, as plain callbacks (docs/ARCHITECTURE.md §2.5). A transport that follows it
   * should not read `signal`, which may be created only when read; one that does not know it reads `signal`.
   */
  abort?: AbortWatch;
  /**
   * Milliseconds to wait for a connection (TCP + TLS). A transport that cannot tell connecting from waiting
   * (fetch) ignores it; the caller's budget still bounds the request.
   */
  connectTimeoutMs?: number;
  /**
   * Milliseconds to wait for the response headers: from sending the request (undici), or connect + TTFB
   * (fetch, which cannot tell them apart). Absent: no limit of the transport's own.
   */
  headersTimeoutMs?: number;
}

/** An incoming HTTP response; `body` must be consumed or cancelled. */
export interface TransportResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The body as a byte stream. */
  body: AsyncIterable<Uint8Array>;
  /** Reads the whole body as text. */
  text(): Promise<string>;
  /** Discards the body and frees the connection. */
  cancel(): Promise<void>;
}

/** Sends one HTTP request. Network failures reject with a `ProviderError` of category `network` or `timeout`. */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;
