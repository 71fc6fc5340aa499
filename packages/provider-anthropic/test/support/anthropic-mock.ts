/**
 * A fault-injecting mock of the Anthropic Messages API on a real socket (127.0.0.1): a translating server in
 * front of `@modelmesh/testing`'s OpenAI mock provider. Requests are checked (`x-api-key`,
 * `anthropic-version`) and translated; answers, error bodies and `anthropic-ratelimit-*` headers come back
 * in Anthropic's shapes, typed SSE events included. Every fault of the OpenAI mock reaches the client
 * unchanged in kind: statuses and bodies pass through (translated), a reset before headers resets this
 * connection too, a cut cuts it, a stall stalls it, a malformed chunk stays malformed. Anthropic-only faults
 * are set on this server with {@link AnthropicMock.streamFault}.
 *
 * Used as the conformance suite's `upstream`, and on its own by the Anthropic fault table.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { startMockProvider } from "@modelmesh/testing/server";
import type { MockProvider, MockProviderOptions } from "@modelmesh/testing/server";
import { StreamTranslator, toAnthropicError, toAnthropicHeaders, toAnthropicMessage, toOpenAIRequest } from "./openai-to-anthropic.js";

/** A request as this server received it (Anthropic side). */
export interface AnthropicCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Anthropic-only stream behaviour for the next stream request. */
export interface StreamFault {
  /** Close the body cleanly before the final `message_delta` (no stop reason, no `message_stop`). */
  dropStopReason?: boolean;
  /** Send `ping` events between the others. */
  pings?: boolean;
}

/** A running translator. */
export interface AnthropicMock {
  /** Origin to use as `base_url` (no `/v1`: the connector appends `/v1/messages`). */
  readonly url: string;
  /** The OpenAI mock behind it (for `fault()`, `calls`), when this server started it. */
  readonly openai: MockProvider | undefined;
  /** Requests received, Anthropic side. */
  readonly calls: AnthropicCall[];
  /** Applies Anthropic-only behaviour to the next stream request. */
  streamFault(fault: StreamFault): void;
  close(): Promise<void>;
}

/** Starts a translator in front of the OpenAI mock at `upstreamUrl` (its `/v1` base URL). */
export async function startAnthropicTranslator(upstreamUrl: string, owned?: MockProvider): Promise<AnthropicMock> {
  const upstream = new URL(upstreamUrl.replace(/\/+$/, ""));
  const calls: AnthropicCall[] = [];
  const sockets = new Set<Socket>();
  let pendingFault: StreamFault | undefined;
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
      const requestId = `req_mock_${++counter}`;
      const reject = (status: number, type: string, message: string) => {
        res.writeHead(status, { "content-type": "application/json", "request-id": requestId });
        res.end(JSON.stringify({ type: "error", error: { type, message }, request_id: requestId }));
      };
      if (!headers["anthropic-version"]) return reject(400, "invalid_request_error", "anthropic-version: header is required");
      if (!headers["x-api-key"]) return reject(401, "authentication_error", "x-api-key header is required");
      const path = (req.url ?? "/").split("?")[0];
      if (req.method === "POST" && path === "/v1/messages") {
        const stream = body?.stream === true;
        const fault = stream ? pendingFault : undefined;
        if (stream) pendingFault = undefined;
        return forward(req, res, "POST", "/chat/completions", toOpenAIRequest(body ?? {}), headers["x-api-key"], requestId, stream ? new StreamTranslator(fault) : undefined);
      }
      if (req.method === "GET" && path === "/v1/models") return forward(req, res, "GET", "/models", undefined, headers["x-api-key"], requestId, undefined);
      reject(404, "not_found_error", `Not found: ${req.method} ${path}`);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  function forward(req: IncomingMessage, res: ServerResponse, method: string, path: string, payload: unknown, key: string, requestId: string, translator: StreamTranslator | undefined) {
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
      (upstreamRes) => answer(res, upstreamRes, path, requestId, translator),
    );
    // A reset (or any failure) before the upstream answered resets the client's connection as well.
    upstreamReq.on("error", () => {
      if (req.socket.destroyed) return;
      if (!res.headersSent) req.socket.resetAndDestroy();
      else req.socket.destroy();
    });
    // The client gave up (timeout, abort): stop waiting for the upstream.
    res.on("close", () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    upstreamReq.end(data);
  }

  function answer(res: ServerResponse, upstreamRes: IncomingMessage, path: string, requestId: string, translator: StreamTranslator | undefined) {
    const status = upstreamRes.statusCode ?? 500;
    const headers = { ...toAnthropicHeaders(upstreamRes.headers, Date.now()), "request-id": requestId };
    const ok = status >= 200 && status < 300;
    const sse = ok && /event-stream/.test(String(upstreamRes.headers["content-type"]));
    res.writeHead(status, { ...headers, "content-type": sse ? "text/event-stream; charset=utf-8" : "application/json" });
    res.flushHeaders();
    // The upstream broke mid-body (cut): break this body too, after what was already translated.
    upstreamRes.on("error", () => {});
    upstreamRes.on("close", () => {
      if (!upstreamRes.complete && !res.writableEnded) res.socket?.destroySoon();
    });
    if (sse && translator) return pipeSse(res, upstreamRes, translator);
    const parts: Buffer[] = [];
    upstreamRes.on("data", (chunk: Buffer) => parts.push(chunk));
    upstreamRes.on("end", () => {
      if (!upstreamRes.complete) return;
      const text = Buffer.concat(parts).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return void res.end(text); // garbage stays garbage
      }
      if (!ok) return void res.end(JSON.stringify(toAnthropicError(status, json, requestId)));
      if (path === "/models") {
        const ids = ((json as { data?: Array<{ id: string }> }).data ?? []).map((model) => model.id);
        const data = ids.map((id) => ({ type: "model", id, display_name: id, created_at: "2025-01-01T00:00:00Z" }));
        return void res.end(JSON.stringify({ data, has_more: false, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null }));
      }
      const isError = typeof json === "object" && json !== null && "error" in json;
      res.end(JSON.stringify(isError ? toAnthropicError(500, json, requestId) : toAnthropicMessage(json as Record<string, unknown>)));
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
    streamFault: (fault) => {
      pendingFault = fault;
    },
    close: () =>
      (closing ??= (async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await owned?.close();
      })()),
  };
}

/** Starts an OpenAI mock provider (with `options`) and an Anthropic translator in front of it. */
export async function startAnthropicMock(options: MockProviderOptions = {}): Promise<AnthropicMock & { openai: MockProvider }> {
  const openai = await startMockProvider(options);
  const mock = await startAnthropicTranslator(openai.url, openai);
  return mock as AnthropicMock & { openai: MockProvider };
}
