/** The per-request context handed to route handlers, and the server services they may use. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Fault } from "./fault-types.js";
import type { Limits } from "./limits.js";
import type { MockModel, MockProviderOptions, RecordedCall } from "./types.js";

/** Server-wide services and settings. */
export interface Runtime {
  /** The options the server was started with. */
  readonly options: MockProviderOptions;
  /** Configured models by id. */
  readonly models: ReadonlyMap<string, MockModel>;
  /** The server clock (epoch ms). */
  readonly now: () => number;
  /** `http://127.0.0.1:<port>`, for URLs the server hands out. */
  readonly origin: string;
  /** Rate-limit headers and quota accounting. */
  readonly limits: Limits;
  /**
   * Waits `ms`. Resolves true when the time is up, false as soon as `response` closes or the server shuts
   * down, so a handler never writes to a dead socket and `close()` never waits for a timer.
   */
  delay(ms: number, response: ServerResponse): Promise<boolean>;
}

/** One request being answered. */
export interface Exchange {
  /** The incoming request (body already read). */
  readonly request: IncomingMessage;
  /** The response to write. */
  readonly response: ServerResponse;
  /** The record of this call; handlers update `status` through `writeHead`. */
  readonly call: RecordedCall;
  /** The parsed body (see `RecordedCall.body`). */
  readonly body: unknown;
  /** Uploaded files of a multipart body, by field name. */
  readonly files: ReadonlyMap<string, { filename: string; contentType: string; data: Buffer }>;
  /** A shaping fault to apply while writing the answer, if one matched. */
  readonly fault: Fault | undefined;
  /** Server services. */
  readonly runtime: Runtime;
}
