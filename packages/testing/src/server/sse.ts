/** Writing a server-sent-events stream, with the stream faults applied at their chunk position. */
import type { Fault } from "./fault-types.js";
import type { Exchange } from "./exchange.js";
import { cutAfterFlush, streamErrorBody, writeHead } from "./respond.js";

/** One `data:` event of a stream, already serialised. */
export interface SseEvent {
  /**
   * `role`: the opening chunk; `token`: a content or tool-call delta (what fault positions count);
   * `finish`: the chunk with `finish_reason`; `usage`: the usage-only chunk; `done`: `[DONE]`.
   */
  kind: "role" | "token" | "finish" | "usage" | "done";
  /** The text after `data: `. */
  data: string;
}

/** The malformed line of a `malformed-chunk` fault: the start of a JSON object that never closes. */
export const MALFORMED_FRAME = "data: {not json\n\n";

/**
 * Streams `events` as SSE on a 200 response. A positional fault (`cut-after`, `stall-after`,
 * `malformed-chunk`, `error-in-stream`) fires right after the N-th token event (after the role event when
 * N is 0, after the last token when N exceeds the reply); `slow-first-token` delays the first event.
 *
 * @param tokens total tokens of the answer, for the `x-ratelimit-remaining-tokens` accounting
 */
export async function writeSse(exchange: Exchange, events: readonly SseEvent[], tokens: number): Promise<void> {
  const { response, fault, runtime } = exchange;
  writeHead(exchange, 200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" }, tokens);
  // Headers go out now, before any chunk: clients measure time-to-first-token from here.
  response.flushHeaders();
  if (fault?.kind === "slow-first-token" && !(await runtime.delay(fault.delayMs, response))) return;
  const faultAt = faultPosition(events, fault);
  const pause = runtime.options.chunkDelayMs ?? 0;
  for (const [index, event] of events.entries()) {
    if (index > 0 && pause > 0 && !(await runtime.delay(pause, response))) return;
    if (response.destroyed) return;
    const frame = `data: ${event.data}\n\n`;
    if (index !== faultAt || fault === undefined) {
      response.write(frame);
      continue;
    }
    switch (fault.kind) {
      case "cut-after":
        return cutAfterFlush(exchange, frame);
      case "stall-after":
        // Keep the socket open and silent; `close()` or the client's idle timeout ends it.
        response.write(frame);
        return;
      case "malformed-chunk":
        response.write(frame + MALFORMED_FRAME.repeat(fault.count ?? 1));
        if (fault.then === "stop") {
          response.end();
          return;
        }
        continue;
      case "error-in-stream":
        response.end(`${frame}data: ${JSON.stringify(streamErrorBody(fault))}\n\n`);
        return;
      default:
        response.write(frame);
    }
  }
  response.end();
}

/** Index of the event after which a positional fault fires, or -1 when the fault is not positional. */
function faultPosition(events: readonly SseEvent[], fault: Fault | undefined): number {
  let count: number;
  switch (fault?.kind) {
    case "cut-after":
    case "stall-after":
      count = fault.tokens;
      break;
    case "malformed-chunk":
    case "error-in-stream":
      count = fault.afterTokens;
      break;
    default:
      return -1;
  }
  let position = events.findIndex((event) => event.kind === "role");
  let seen = 0;
  for (const [index, event] of events.entries()) {
    if (seen >= count) break;
    if (event.kind !== "token") continue;
    seen += 1;
    position = index;
  }
  return position;
}
