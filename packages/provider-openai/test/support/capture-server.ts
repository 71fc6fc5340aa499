import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A capture server for paired fidelity tests: a real `node:http` server on 127.0.0.1 that records every
 * request (method, path, lower-cased headers, raw body, parsed JSON or multipart form) and answers with
 * whatever the current `reply` returns. Both clients under comparison talk to it over a real socket.
 */

/** One recorded request. */
export interface CapturedRequest {
  method: string;
  /** Path with query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: Record<string, string>;
  raw: Buffer;
  /** Parsed JSON body (when the content type is JSON). */
  json?: unknown;
  /** Parsed multipart body (when the content type is multipart/form-data). */
  form?: FormData;
}

/** A canned answer: JSON, raw bytes, or SSE events (each `data:` payload; `[DONE]` is appended). */
export type CannedReply =
  | { status?: number; headers?: Record<string, string>; json: unknown }
  | { status?: number; headers?: Record<string, string>; bytes: Uint8Array; contentType: string }
  | { status?: number; headers?: Record<string, string>; sse: readonly string[]; done?: boolean };

/** The running server. */
export interface CaptureServer {
  /** Base URL including `/v1`. */
  readonly url: string;
  readonly requests: CapturedRequest[];
  /** Answer of the next requests. */
  reply: (request: CapturedRequest) => CannedReply;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function parse(req: IncomingMessage, raw: Buffer): Promise<Pick<CapturedRequest, "json" | "form">> {
  const type = req.headers["content-type"] ?? "";
  if (/json/i.test(type) && raw.length > 0) return { json: JSON.parse(raw.toString("utf8")) };
  if (/multipart\/form-data/i.test(type)) return { form: await new Response(new Uint8Array(raw), { headers: { "content-type": type } }).formData() };
  return {};
}

function send(res: ServerResponse, reply: CannedReply): void {
  const status = reply.status ?? 200;
  if ("json" in reply) {
    res.writeHead(status, { "content-type": "application/json", ...reply.headers });
    res.end(JSON.stringify(reply.json));
  } else if ("bytes" in reply) {
    res.writeHead(status, { "content-type": reply.contentType, ...reply.headers });
    res.end(Buffer.from(reply.bytes));
  } else {
    res.writeHead(status, { "content-type": "text/event-stream", "cache-control": "no-cache", ...reply.headers });
    for (const data of reply.sse) res.write(`data: ${data}\n\n`);
    if (reply.done !== false) res.write("data: [DONE]\n\n");
    res.end();
  }
}

/** Starts a capture server; `reply` defaults to a 404 JSON error. */
export async function startCaptureServer(): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const state: { reply: CaptureServer["reply"] } = { reply: () => ({ status: 404, json: { error: { message: "no reply set" } } }) };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      const captured: CapturedRequest = { method: req.method ?? "GET", path: req.url ?? "/", headers, raw, ...(await parse(req, raw)) };
      requests.push(captured);
      send(res, state.reply(captured));
    })().catch((error: unknown) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: String(error) } }));
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get reply() {
      return state.reply;
    },
    set reply(value) {
      state.reply = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
