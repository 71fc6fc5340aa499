/**
 * Plain HTTP on loopback for the abuse tests: requests with any `Host` and source address (`fetch` sets
 * neither), each on its own connection, and slow sockets that send part of a request and then stall.
 */
import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";

/** An answer read in full. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Milliseconds from the request to the end of the answer. */
  ms: number;
}

/** Options of {@link send}. */
export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Source address (any 127.x.y.z works on Linux loopback). */
  localAddress?: string;
  /** Give up (reject) after this many ms. Default 10 000. */
  timeoutMs?: number;
}

/** One request on a fresh connection (`agent: false`), `connection: close`. */
export function send(port: number, path: string, options: SendOptions = {}): Promise<RawAnswer> {
  const started = performance.now();
  return new Promise<RawAnswer>((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        agent: false,
        headers: { connection: "close", ...options.headers },
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - started }));
        res.on("error", reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error(`no answer to ${path} within ${options.timeoutMs ?? 10_000} ms`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A socket that sent part of a request and waits; resolves with what the server answered once it closes. */
export interface SlowSocket {
  socket: Socket;
  /** Resolves when the server closed the connection: the status line's code (0 if none) and the time. */
  closed: Promise<{ status: number; text: string; ms: number }>;
  /** True once closed. */
  isClosed(): boolean;
}

/** Connects from `localAddress` and writes `payload` (typically an unfinished header block), then stalls. */
export function slowSocket(port: number, payload: string, localAddress = "127.0.0.1"): SlowSocket {
  const started = performance.now();
  const socket = connect({ port, host: "127.0.0.1", localAddress });
  let text = "";
  let done = false;
  socket.on("connect", () => {
    if (payload) socket.write(payload);
  });
  socket.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  socket.on("error", () => {});
  const closed = new Promise<{ status: number; text: string; ms: number }>((resolve) => {
    socket.on("close", () => {
      done = true;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ status: status ? Number(status) : 0, text, ms: performance.now() - started });
    });
  });
  return { socket, closed, isClosed: () => done };
}

/** The JSON body of an answer, split from its head (for raw socket answers). */
export function rawJson(text: string): { error: { code: string; type: string; message: string } } {
  return JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4));
}

/** Resolves once `count` of the promises settled (bounded by the test's timeout). */
export function settledCount<T>(promises: Array<Promise<T>>, count: number): Promise<T[]> {
  return new Promise((resolve) => {
    const done: T[] = [];
    if (count <= 0) return resolve(done);
    for (const promise of promises) {
      void promise.then((value) => {
        done.push(value);
        if (done.length === count) resolve([...done]);
      });
    }
  });
}
