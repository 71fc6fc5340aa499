/**
 * The load generator of P4: opens streaming chat completions through a proxy, each on a connection of its
 * own (raw `node:http`, no keep-alive, no socket cap), waits for each stream's first chunk and then holds it:
 * nothing more is read into memory but the socket stays open until {@link StreamLoad.closeAll}. Openings run
 * `concurrency` at a time, so the proxy's accept queue never overflows.
 */
import { Agent, request as httpRequest, type ClientRequest } from "node:http";
import { P4_FIRST_CHUNK_MARK } from "./p4-upstream.js";

/** Where to open the streams, and with what. */
export interface StreamTarget {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  path: string;
  headers: Record<string, string>;
  /** JSON bodies with `stream: true`; successive streams take them in turn. */
  bodies: string[];
}

/** What {@link StreamLoad.open} resolves with. */
export interface OpenResult {
  /** Streams asked for in this call. */
  requested: number;
  /** Of those, streams that got their first chunk. */
  opened: number;
  /** Of those, streams that failed before their first chunk (status, error, timeout), by reason. */
  failures: Record<string, number>;
  elapsedMs: number;
}

/** The state of every stream opened so far and not closed by {@link StreamLoad.closeAll}. */
export interface LoadStatus {
  /** Streams whose connection is still open. */
  open: number;
  /** Streams that got their first chunk. */
  firstChunks: number;
  /** Streams whose response ended (the proxy or upstream finished it: an idle stream never should). */
  ended: number;
  /** Streams that failed or were closed by the other side, before or after the first chunk. */
  failed: number;
}

/** A set of held streams. */
export interface StreamLoad {
  /** Opens `count` more streams, `concurrency` at a time; resolves once each got its first chunk or failed. */
  open(target: StreamTarget, count: number, options?: { concurrency?: number; timeoutMs?: number }): Promise<OpenResult>;
  status(): LoadStatus;
  /** Destroys every stream's connection; resolves once all are closed. */
  closeAll(): Promise<void>;
}

interface Held {
  request: ClientRequest;
  first: boolean;
  ended: boolean;
  failed: boolean;
  closed: boolean;
  closing: boolean;
  onClosed?: () => void;
}

/** Creates a load generator (one per process; its streams share a socket-unlimited, non-keep-alive agent). */
export function createStreamLoad(): StreamLoad {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const held = new Set<Held>();

  let sent = 0;
  const openOne = (target: StreamTarget, url: URL, timeoutMs: number): Promise<string | undefined> =>
    new Promise((resolve) => {
      const body = target.bodies[sent++ % target.bodies.length]!;
      let settled = false;
      const settle = (failure?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(failure);
      };
      const request = httpRequest({
        agent,
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: target.path,
        headers: { ...target.headers, "content-length": Buffer.byteLength(body) },
      });
      const stream: Held = { request, first: false, ended: false, failed: false, closed: false, closing: false };
      held.add(stream);
      const fail = (reason: string) => {
        if (!stream.closing && !stream.ended) stream.failed = true;
        settle(reason);
      };
      const timer = setTimeout(() => {
        fail("timeout before the first chunk");
        request.destroy();
      }, timeoutMs);
      request.on("response", (response) => {
        if (response.statusCode !== 200) {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk.slice(0, 300)));
          response.on("end", () => fail(`status ${response.statusCode}: ${text.slice(0, 200)}`));
          response.on("error", () => fail(`status ${response.statusCode}`));
          return;
        }
        let seen = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          if (stream.first) return;
          seen += chunk;
          if (seen.includes(P4_FIRST_CHUNK_MARK)) {
            stream.first = true;
            seen = "";
            settle();
          }
        });
        response.on("end", () => {
          stream.ended = true;
          settle("ended before the first chunk");
        });
        response.on("error", () => fail("response error"));
      });
      request.on("error", (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
      request.on("close", () => {
        stream.closed = true;
        if (!stream.closing && !stream.ended) stream.failed = true;
        settle("closed before the first chunk");
        stream.onClosed?.();
      });
      request.end(body);
    });

  return {
    async open(target, count, options = {}) {
      if (target.bodies.length === 0) throw new RangeError("[modelmesh] [bench] a stream target needs a body");
      const concurrency = Math.max(1, Math.min(options.concurrency ?? 200, count));
      const timeoutMs = options.timeoutMs ?? 30_000;
      const url = new URL(target.origin);
      const failures: Record<string, number> = {};
      let issued = 0;
      let opened = 0;
      const started = performance.now();
      const worker = async () => {
        while (issued < count) {
          issued++;
          const failure = await openOne(target, url, timeoutMs);
          if (failure === undefined) opened++;
          else failures[failure] = (failures[failure] ?? 0) + 1;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      return { requested: count, opened, failures, elapsedMs: performance.now() - started };
    },
    status() {
      const status: LoadStatus = { open: 0, firstChunks: 0, ended: 0, failed: 0 };
      for (const stream of held) {
        if (!stream.closed) status.open++;
        if (stream.first) status.firstChunks++;
        if (stream.ended) status.ended++;
        if (stream.failed) status.failed++;
      }
      return status;
    },
    async closeAll() {
      const closing: Promise<void>[] = [];
      for (const stream of held) {
        stream.closing = true;
        if (stream.closed) continue;
        closing.push(new Promise<void>((resolve) => (stream.onClosed = resolve)));
        stream.request.on("error", () => {});
        stream.request.destroy();
      }
      await Promise.all(closing);
      held.clear();
    },
  };
}
