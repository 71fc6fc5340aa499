/**
 * A recording server on 127.0.0.1 for the fidelity, fault and mesh tests: records method, path (with query),
 * lower-cased headers and the body (raw text and parsed JSON) of every request, and answers with a canned
 * reply: JSON, or an `application/vnd.amazon.eventstream` body written chunk by chunk (optionally cut: the
 * socket is destroyed after the last chunk instead of ending the response).
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One recorded request. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** What the server answers. */
export interface CannedReply {
  status?: number;
  headers?: Record<string, string>;
  /** A JSON body. */
  json?: unknown;
  /** An event-stream body, written one chunk at a time. */
  frames?: Uint8Array[];
  /** After the frames, destroy the connection instead of ending the body (a dropped connection). */
  cut?: boolean;
  /** After the frames, keep the connection open without ending the body (a stall). */
  stall?: boolean;
}

/** A running server. */
export interface RecordingServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  reply(next: CannedReply | ((request: RecordedRequest) => CannedReply)): void;
  close(): Promise<void>;
}

export async function startRecordingServer(initial: CannedReply = { json: {} }): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let next: CannedReply | ((request: RecordedRequest) => CannedReply) = initial;
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
      const recorded: RecordedRequest = { method: req.method ?? "GET", path: req.url ?? "/", headers, text, body };
      requests.push(recorded);
      const reply = typeof next === "function" ? next(recorded) : next;
      void answer(res, reply);
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
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function answer(res: ServerResponse, reply: CannedReply): Promise<void> {
  const status = reply.status ?? 200;
  if (reply.frames === undefined) {
    res.writeHead(status, { "content-type": "application/json", "x-amzn-requestid": "req-recording-1", ...reply.headers });
    res.end(JSON.stringify(reply.json ?? {}));
    return;
  }
  res.writeHead(status, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": "req-recording-1", ...reply.headers });
  res.flushHeaders();
  for (const frame of reply.frames) {
    await new Promise<void>((resolve) => res.write(Buffer.from(frame), () => resolve()));
  }
  if (reply.cut) res.socket?.destroy();
  else if (!reply.stall) res.end();
}
