/**
 * The upstream of P4: an OpenAI-compatible server on 127.0.0.1 that answers every streamed chat completion
 * with one SSE chunk (a first token, so the proxy commits the stream and relays it) and then holds the stream
 * open without ever finishing it. Every `pingMs` it writes an SSE comment (`: ping`) to every open stream,
 * as providers do on long silences; one shared timer serves them all. Non-streamed requests get the same
 * JSON answer as the bench's other upstream (apps/bench/src/upstream.ts). It can listen on several ports at
 * once (`origins`), all serving the same streams: a client that caps its sockets per origin can then hold more
 * streams than its cap.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { UPSTREAM_MODEL, UPSTREAM_REPLY } from "./upstream.js";

/** What the load generator waits for in a stream's first bytes: the first chunk's content. */
export const P4_FIRST_CHUNK_MARK = `"content":"${UPSTREAM_REPLY}"`;

/** A running streaming upstream. */
export interface StreamingUpstream {
  /** Base URL of the first port, `http://127.0.0.1:<port>/v1`. */
  url: string;
  /** Base URL of every port. */
  urls: string[];
  /** Streams open now, streams started since the start, pings written. */
  stats(): UpstreamStats;
  /** Ends the ping timer and closes every connection. */
  close(): Promise<void>;
}

/** Counters of a {@link StreamingUpstream}. */
export interface UpstreamStats {
  open: number;
  started: number;
  pings: number;
}

const FIRST_CHUNK = Buffer.from(
  `data: ${JSON.stringify({
    id: "chatcmpl-p4",
    object: "chat.completion.chunk",
    created: 1_767_225_600,
    model: UPSTREAM_MODEL,
    choices: [{ index: 0, delta: { role: "assistant", content: UPSTREAM_REPLY }, logprobs: null, finish_reason: null }],
  })}\n\n`,
);

const PING = Buffer.from(": ping\n\n");

const COMPLETION = Buffer.from(
  JSON.stringify({
    id: "chatcmpl-p4",
    object: "chat.completion",
    created: 1_767_225_600,
    model: UPSTREAM_MODEL,
    choices: [{ index: 0, message: { role: "assistant", content: UPSTREAM_REPLY, refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  }),
);

const NOT_FOUND = Buffer.from(JSON.stringify({ error: { message: "not found", type: "invalid_request_error", code: null } }));

/**
 * Starts the streaming upstream on `origins` ephemeral ports (default 1). `pingMs` 0 sends no pings; default
 * 10 000.
 */
export async function startStreamingUpstream(options: { pingMs?: number; origins?: number } = {}): Promise<StreamingUpstream> {
  const pingMs = options.pingMs ?? 10_000;
  const origins = options.origins ?? 1;
  const open = new Set<ServerResponse>();
  let started = 0;
  let pings = 0;
  const serve = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/v1/chat/completions") {
        response.writeHead(404, { "content-type": "application/json", "content-length": NOT_FOUND.length });
        response.end(NOT_FOUND);
        return;
      }
      let stream = false;
      try {
        stream = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { stream?: unknown }).stream === true;
      } catch {
        // not JSON: answered as a plain completion
      }
      if (!stream) {
        response.writeHead(200, { "content-type": "application/json", "content-length": COMPLETION.length });
        response.end(COMPLETION);
        return;
      }
      started++;
      open.add(response);
      response.once("close", () => open.delete(response));
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      response.write(FIRST_CHUNK);
    });
  };
  const timer =
    pingMs > 0
      ? setInterval(() => {
          for (const response of open) {
            response.write(PING);
            pings++;
          }
        }, pingMs)
      : undefined;
  timer?.unref();
  const servers: Server[] = [];
  const urls: string[] = [];
  const closeAll = () =>
    Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  try {
    for (let i = 0; i < origins; i++) {
      const server = createServer({ keepAliveTimeout: 60_000 }, serve);
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, () => resolve());
      });
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
    }
  } catch (error) {
    clearInterval(timer);
    await closeAll();
    throw error;
  }
  return {
    url: urls[0]!,
    urls,
    stats: () => ({ open: open.size, started, pings }),
    close: async () => {
      clearInterval(timer);
      await closeAll();
    },
  };
}
