/**
 * A recording server on 127.0.0.1 for the fidelity tests: keeps method, path (with query), lower-cased headers
 * and the JSON body of every request, and answers with a canned reply (JSON, or an SSE text).
 */
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One recorded request. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** What the server answers. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  sse?: string;
}

/** A running recording server. */
export interface RecordingServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  reply(next: Reply | ((request: RecordedRequest) => Reply)): void;
  clear(): void;
  close(): Promise<void>;
}

/** Starts a recording server answering `initial` until told otherwise. */
export async function startRecordingServer(initial: Reply | ((request: RecordedRequest) => Reply)): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let next = initial;
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
      const recorded: RecordedRequest = { method: req.method ?? "GET", path: req.url ?? "/", headers, body };
      requests.push(recorded);
      const reply = typeof next === "function" ? next(recorded) : next;
      res.writeHead(reply.status ?? 200, { "content-type": reply.sse !== undefined ? "text/event-stream" : "application/json", ...reply.headers });
      res.end(reply.sse ?? JSON.stringify(reply.json ?? {}));
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
