import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A tiny scripted HTTP server on 127.0.0.1:0 for provider tests: each test sets `handler`; every request is
 * recorded (method, path, headers, raw body). Real sockets, so framing, resets and stalls are real.
 */

/** One recorded request. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
}

/** A request handler; `req.body` is already read. */
export type Handler = (req: IncomingMessage & { body: Buffer; json: unknown }, res: ServerResponse) => void | Promise<void>;

/** A running scripted server. */
export interface ScriptedServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `origin + "/v1"` */
  baseUrl: string;
  requests: RecordedRequest[];
  handler: Handler;
  close(): Promise<void>;
}

/** Starts a scripted server; the default handler answers 404. */
export async function startScriptedServer(): Promise<ScriptedServer> {
  const state: ScriptedServer = {
    origin: "",
    baseUrl: "",
    requests: [],
    handler: (_req, res) => {
      res.writeHead(404).end();
    },
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      const body = Buffer.concat(parts);
      let json: unknown;
      try {
        json = body.length > 0 ? JSON.parse(body.toString("utf8")) : undefined;
      } catch {
        json = undefined;
      }
      state.requests.push({ method: req.method ?? "", path: req.url ?? "", headers: { ...req.headers }, body, json });
      void Promise.resolve(state.handler(Object.assign(req, { body, json }), res)).catch(() => res.destroy());
    });
  });
  // undici reuses a socket only when the advertised keep-alive exceeds its 2 s safety threshold.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  state.origin = `http://127.0.0.1:${port}`;
  state.baseUrl = `${state.origin}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Starts an SSE response (chunked) and writes the given raw frames; ends it unless `end: false`. */
export function sendSse(res: ServerResponse, frames: string[], options: { end?: boolean; headers?: Record<string, string> } = {}): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...(options.headers ?? {}) });
  for (const frame of frames) res.write(frame);
  if (options.end !== false) res.end();
}

/** `data: <json>\n\n` */
export function frame(payload: unknown): string {
  return `data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`;
}

/** An OpenAI chat chunk with one choice. */
export function chunk(content: string | undefined, finish: string | null = null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-test",
    choices: [{ index: 0, delta: content === undefined ? {} : { content }, finish_reason: finish }],
    ...extra,
  };
}

/** A usage-only final chunk (`choices: []`). */
export function usageChunk(prompt: number, completion: number): Record<string, unknown> {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-test",
    choices: [],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

/** A non-streamed OpenAI completion. */
export function completion(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "gpt-test",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    ...extra,
  };
}

/** Collects an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Runs `fn` and returns what it threw (fails the test when it did not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<any> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}
