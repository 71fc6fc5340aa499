/**
 * A stand-in for a proprietary inference service: `POST /v1/inference {model, prompt, max_length, stream}`
 * answers `{request_id, model, output, input_tokens, output_tokens}`, or SSE events `{request_id, delta}`,
 * `{request_id, stop_reason}`, `{request_id, input_tokens, output_tokens}` and `[DONE]`.
 *
 * Like many internal ML services it fronts an OpenAI-compatible model server (`upstream`). It translates
 * faithfully so that upstream faults reach its clients unchanged: statuses, `Retry-After` / `x-ratelimit-*`
 * headers and error bodies pass through; a reset, a cut or a stall upstream becomes a reset, a cut or a
 * stall here; malformed and error events pass through as they are; a missing `[DONE]` stays missing.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A running inference server. */
export interface InferenceServer {
  /** Base URL including the version prefix: `http://127.0.0.1:<port>/v1`. */
  baseUrl: string;
  close(): Promise<void>;
}

const PASSED_HEADERS = /^(retry-after|retry-after-ms|x-ratelimit-.*|content-type)$/;

function passHeaders(upstream: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  upstream.headers.forEach((value, name) => {
    if (PASSED_HEADERS.test(name)) headers[name] = value;
  });
  return headers;
}

/** Translates one upstream SSE payload into this API's event payload (or passes it through untouched). */
function translateEvent(data: string, requestId: string): string | undefined {
  if (data === "[DONE]") return data;
  let chunk: { model?: string; choices?: Array<{ delta?: { content?: string }; finish_reason?: string | null }>; usage?: { prompt_tokens: number; completion_tokens: number }; error?: unknown };
  try {
    chunk = JSON.parse(data) as typeof chunk;
  } catch {
    return data; // malformed upstream: the client must see it malformed
  }
  if (chunk.error !== undefined) return data;
  const choice = chunk.choices?.[0];
  const event = {
    ...(choice?.delta?.content ? { delta: choice.delta.content } : {}),
    ...(choice?.finish_reason ? { stop_reason: choice.finish_reason } : {}),
    ...(chunk.usage ? { input_tokens: chunk.usage.prompt_tokens, output_tokens: chunk.usage.completion_tokens } : {}),
  };
  return Object.keys(event).length > 0 ? JSON.stringify({ request_id: requestId, model: chunk.model, ...event }) : undefined;
}

async function pipeStream(upstream: Response, response: ServerResponse, requestId: string): Promise<void> {
  response.writeHead(200, { ...passHeaders(upstream), "content-type": "text/event-stream" });
  response.flushHeaders();
  const reader = upstream.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const data = buffer.slice(0, end).replace(/^data: ?/, "");
      buffer = buffer.slice(end + 2);
      const event = translateEvent(data, requestId);
      if (event !== undefined) response.write(`data: ${event}\n\n`);
    }
  }
  response.end();
}

async function handle(upstreamUrl: string, request: IncomingMessage, response: ServerResponse, abort: AbortSignal, n: number): Promise<void> {
  if (request.method !== "POST" || request.url !== "/v1/inference") return void response.writeHead(404).end('{"error":"not found"}');
  let text = "";
  for await (const piece of request) text += piece;
  const body = JSON.parse(text) as { model: string; prompt: string; max_length?: number; stream?: boolean };
  const upstream = await fetch(`${upstreamUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}) },
    body: JSON.stringify({
      model: body.model,
      messages: [{ role: "user", content: body.prompt }],
      max_tokens: body.max_length,
      ...(body.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    }),
    signal: abort,
  });
  const requestId = `inf-${n}`;
  if (upstream.status >= 400) return void response.writeHead(upstream.status, passHeaders(upstream)).end(await upstream.text());
  if (body.stream) return pipeStream(upstream, response, requestId);
  const json = JSON.parse(await upstream.text()) as { model: string; choices: Array<{ message: { content: string } }>; usage: { prompt_tokens: number; completion_tokens: number } };
  const reply = { request_id: requestId, model: json.model, output: json.choices[0]?.message.content ?? "", input_tokens: json.usage.prompt_tokens, output_tokens: json.usage.completion_tokens };
  response.writeHead(200, { ...passHeaders(upstream), "content-type": "application/json" }).end(JSON.stringify(reply));
}

/**
 * Starts the inference service on 127.0.0.1 in front of `upstream` (an OpenAI-compatible `/v1` base URL).
 * @example
 * const server = await startInferenceServer({ upstream: mock.url });
 * const provider = new InferenceProvider({ baseUrl: server.baseUrl, apiKey, models: [...] });
 */
export async function startInferenceServer(options: { upstream: string }): Promise<InferenceServer> {
  const sockets = new Set<Socket>();
  let served = 0;
  const server = createServer((request, response) => {
    const controller = new AbortController();
    // The client left (its timeout fired, or it cancelled): stop waiting on the upstream too.
    response.once("close", () => controller.abort());
    handle(options.upstream, request, response, controller.signal, ++served).catch(() => {
      // Reset before headers, a cut mid-body or a vanished client: break our connection the same way.
      if (!response.headersSent) request.socket.resetAndDestroy();
      else response.destroy();
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
