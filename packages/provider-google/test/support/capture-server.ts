/**
 * A capture server for the paired fidelity tests: a real `node:http` server on 127.0.0.1 that records each
 * request (method, path with query, lower-cased headers, parsed JSON body) and answers with the canned reply
 * set for it — a JSON body, an SSE stream of `data:` events (`\r\n\r\n`-delimited, as Google sends them) or
 * an error status.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One recorded request. */
export interface CapturedRequest {
  method: string;
  /** Path including the query string, e.g. `/v1beta/models/x:streamGenerateContent?alt=sse`. */
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body; undefined for an empty body. */
  body: unknown;
}

/** What the server answers. */
export type CannedReply =
  | { kind: "json"; body: unknown; status?: number; headers?: Record<string, string> }
  | { kind: "sse"; events: string[] }
  | { kind: "raw"; status: number; body: string; headers?: Record<string, string> };

/** A running capture server. */
export interface CaptureServer {
  /** `http://127.0.0.1:<port>` (no path: both the SDK and our connector add `/v1beta`). */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: CapturedRequest[];
  /** Sets the reply for the following requests. */
  reply(reply: CannedReply): void;
  /** Clears the recorded requests. */
  clear(): void;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (text += chunk));
    request.on("end", () => resolve(text));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, reply: CannedReply): void {
  if (reply.kind === "sse") {
    response.writeHead(200, { "content-type": "text/event-stream" });
    for (const event of reply.events) response.write(`data: ${event}\r\n\r\n`);
    response.end();
    return;
  }
  if (reply.kind === "raw") {
    response.writeHead(reply.status, { "content-type": "application/json; charset=UTF-8", ...reply.headers });
    response.end(reply.body);
    return;
  }
  response.writeHead(reply.status ?? 200, { "content-type": "application/json; charset=UTF-8", ...reply.headers });
  response.end(JSON.stringify(reply.body));
}

/** Starts a capture server on an ephemeral port. */
export async function startCaptureServer(initial: CannedReply = { kind: "json", body: {} }): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  let current = initial;
  const server: Server = createServer((request, response) => {
    void readBody(request).then((text) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers[name.toLowerCase()] = value;
      requests.push({ method: request.method ?? "GET", path: request.url ?? "/", headers, body: text === "" ? undefined : JSON.parse(text) });
      send(response, current);
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply: (reply) => {
      current = reply;
    },
    clear: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
