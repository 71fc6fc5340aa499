/**
 * A fault-injecting mock of Cohere's v2 API on a real socket (127.0.0.1): a translating server in front of
 * `@modelmesh/testing`'s OpenAI mock provider. `POST /v2/chat` (JSON and SSE), `POST /v2/embed` and
 * `GET /v1/models` are translated; answers, error bodies (`{id, message}`) and Cohere's typed SSE events come
 * back in Cohere's shapes. Every fault of the OpenAI mock reaches the client unchanged in kind: statuses pass
 * through (with Cohere bodies), a reset before headers resets this connection too, a cut cuts it, a stall
 * stalls it, a malformed event stays malformed. `x-ratelimit-*` and `retry-after` headers pass through.
 *
 * Used as the conformance suite's `upstream`, and on its own by the fault table and the mesh test.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { startMockProvider } from "@modelmesh/testing/server";
import type { MockProvider, MockProviderOptions } from "@modelmesh/testing/server";
import { StreamTranslator, toCohereChat, toCohereEmbed, toCohereError, toOpenAIChat } from "./openai-to-cohere.js";

/** A request as this server received it (Cohere side). */
export interface CohereCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A running translator. */
export interface CohereMock {
  /** Origin to use as `base_url` (the connector appends `/v2/chat`). */
  readonly url: string;
  /** The OpenAI mock behind it (for `fault()`, `calls`), when this server started it. */
  readonly openai: MockProvider | undefined;
  /** Requests received, Cohere side. */
  readonly calls: CohereCall[];
  /** The next stream request closes cleanly without its `message-end`. */
  dropMessageEnd(): void;
  /** Extra headers on every answer (e.g. `x-trial-endpoint-call-limit`). */
  extraHeaders(headers: Record<string, string>): void;
  close(): Promise<void>;
}

const PASSED_HEADERS = /^(x-ratelimit-|retry-after)/;

/** Starts a translator in front of the OpenAI mock at `upstreamUrl` (its `/v1` base URL). */
export async function startCohereTranslator(upstreamUrl: string, owned?: MockProvider): Promise<CohereMock> {
  const upstream = new URL(upstreamUrl.replace(/\/+$/, ""));
  const calls: CohereCall[] = [];
  const sockets = new Set<Socket>();
  let dropEnd = false;
  let extra: Record<string, string> = {};
  let counter = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      calls.push({ method: req.method ?? "GET", path: req.url ?? "/", headers, body });
      const requestId = `cohere-req-${++counter}`;
      const reject = (status: number, message: string) => {
        res.writeHead(status, { "content-type": "application/json", ...extra });
        res.end(JSON.stringify({ id: requestId, message }));
      };
      const key = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
      if (!key) return reject(401, "no api key supplied");
      const path = (req.url ?? "/").split("?")[0];
      if (req.method === "POST" && path === "/v2/chat") {
        const stream = body?.stream === true;
        const translator = stream ? new StreamTranslator({ dropMessageEnd: dropEnd }) : undefined;
        if (stream) dropEnd = false;
        return forward(req, res, "POST", "/chat/completions", toOpenAIChat(body ?? {}), key, requestId, translator, undefined);
      }
      if (req.method === "POST" && path === "/v2/embed") {
        const texts: string[] = Array.isArray(body?.texts) ? body.texts : [];
        return forward(req, res, "POST", "/embeddings", { model: body?.model, input: texts }, key, requestId, undefined, texts);
      }
      if (req.method === "GET" && path === "/v1/models") return forward(req, res, "GET", "/models", undefined, key, requestId, undefined, undefined);
      reject(404, `Not found: ${req.method} ${path}`);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  function forward(req: IncomingMessage, res: ServerResponse, method: string, path: string, payload: unknown, key: string, requestId: string, translator: StreamTranslator | undefined, texts: string[] | undefined) {
    const data = payload === undefined ? undefined : Buffer.from(JSON.stringify(payload));
    const upstreamReq = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method,
        path: `${upstream.pathname}${path}`,
        agent: false,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...(data ? { "content-length": data.length } : {}) },
      },
      (upstreamRes) => answer(res, upstreamRes, path, requestId, translator, texts),
    );
    // A reset (or any failure) before the upstream answered resets the client's connection as well.
    upstreamReq.on("error", () => {
      if (req.socket.destroyed) return;
      if (!res.headersSent) req.socket.resetAndDestroy();
      else req.socket.destroy();
    });
    res.on("close", () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    upstreamReq.end(data);
  }

  function answer(res: ServerResponse, upstreamRes: IncomingMessage, path: string, requestId: string, translator: StreamTranslator | undefined, texts: string[] | undefined) {
    const status = upstreamRes.statusCode ?? 500;
    const passed: Record<string, string> = {};
    for (const [name, value] of Object.entries(upstreamRes.headers)) if (PASSED_HEADERS.test(name) && typeof value === "string") passed[name] = value;
    const ok = status >= 200 && status < 300;
    const sse = ok && /event-stream/.test(String(upstreamRes.headers["content-type"]));
    upstreamRes.on("error", () => {});
    upstreamRes.on("close", () => {
      if (!upstreamRes.complete && !res.writableEnded) res.socket?.destroySoon();
    });
    if (sse && translator) {
      res.writeHead(status, { ...passed, ...extra, "x-debug-trace-id": requestId, "content-type": "text/event-stream" });
      res.flushHeaders();
      return pipeSse(res, upstreamRes, translator);
    }
    const parts: Buffer[] = [];
    upstreamRes.on("data", (chunk: Buffer) => {
      parts.push(chunk);
      // Headers go out with the first byte (a slow first byte stays slow, a stall stays a stall).
      if (!res.headersSent) {
        res.writeHead(ok ? status : toCohereError(status, undefined, requestId).status, { ...passed, ...extra, "x-debug-trace-id": requestId, "content-type": "application/json" });
        res.flushHeaders();
      }
    });
    upstreamRes.on("end", () => {
      if (!upstreamRes.complete) return;
      const raw = Buffer.concat(parts).toString("utf8");
      let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
      try {
        json = JSON.parse(raw);
      } catch {
        if (!res.headersSent) res.writeHead(status, { ...passed, ...extra, "content-type": "application/json" });
        return void res.end(raw); // garbage stays garbage
      }
      let out: unknown;
      if (!ok) out = toCohereError(status, json, requestId).body;
      else if (path === "/models") out = { models: (json.data ?? []).map((model: { id: string }) => ({ name: model.id, endpoints: ["chat"], context_length: 128_000, features: ["tools"] })) };
      else if (path === "/embeddings") out = toCohereEmbed(json, texts ?? []);
      else out = json?.error ? { id: requestId, message: json.error.message } : toCohereChat(json);
      if (!res.headersSent) res.writeHead(status, { ...passed, ...extra, "x-debug-trace-id": requestId, "content-type": "application/json" });
      res.end(JSON.stringify(out));
    });
  }

  function pipeSse(res: ServerResponse, upstreamRes: IncomingMessage, translator: StreamTranslator) {
    let buffer = "";
    upstreamRes.setEncoding("utf8");
    upstreamRes.on("data", (text: string) => {
      buffer += text;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trimStart()).join("\n");
        if (data !== "") res.write(translator.data(data));
      }
    });
    upstreamRes.on("end", () => {
      if (upstreamRes.complete) res.end();
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    openai: owned,
    calls,
    dropMessageEnd: () => {
      dropEnd = true;
    },
    extraHeaders: (headers) => {
      extra = headers;
    },
    close: () =>
      (closing ??= (async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await owned?.close();
      })()),
  };
}

/** Starts an OpenAI mock provider (with `options`) and a Cohere translator in front of it. */
export async function startCohereMock(options: MockProviderOptions = {}): Promise<CohereMock & { openai: MockProvider }> {
  const openai = await startMockProvider(options);
  const mock = await startCohereTranslator(openai.url, openai);
  return mock as CohereMock & { openai: MockProvider };
}
