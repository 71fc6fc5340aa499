/**
 * A capture server on 127.0.0.1 for the fidelity tests: records method, path (with query), lower-cased
 * headers and the JSON body of every request, and answers with a canned reply (JSON or an SSE text).
 */
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One recorded request. */
export interface CapturedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** What the server answers. */
export interface CannedReply {
  status?: number;
  headers?: Record<string, string>;
  /** A JSON body. */
  json?: unknown;
  /** A raw `text/event-stream` body. */
  sse?: string;
}

/** A running capture server. */
export interface CaptureServer {
  /** `http://127.0.0.1:<port>` (no path). */
  readonly url: string;
  readonly requests: CapturedRequest[];
  /** Sets the reply for the following requests. */
  reply(next: CannedReply | ((request: CapturedRequest) => CannedReply)): void;
  /** Forgets the recorded requests. */
  clear(): void;
  close(): Promise<void>;
}

/** Starts a capture server; the default reply is `defaultReply`. */
export async function startCaptureServer(defaultReply: CannedReply): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const sockets = new Set<Socket>();
  let next: CannedReply | ((request: CapturedRequest) => CannedReply) = defaultReply;
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (chunk: Buffer) => parts.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(parts).toString("utf8");
      let body: unknown;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, String(value)]));
      const captured: CapturedRequest = { method: req.method ?? "GET", path: req.url ?? "/", headers, body };
      requests.push(captured);
      const reply = typeof next === "function" ? next(captured) : next;
      const payload = reply.sse ?? JSON.stringify(reply.json ?? {});
      res.writeHead(reply.status ?? 200, {
        "content-type": reply.sse !== undefined ? "text/event-stream; charset=utf-8" : "application/json",
        "request-id": `req_capture_${requests.length}`,
        ...reply.headers,
      });
      res.end(payload);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply: (value) => {
      next = value;
    },
    clear: () => {
      requests.length = 0;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
