/**
 * A Gemini-speaking front for the OpenAI-compatible mock of `@modelmesh/testing`, so the shared provider
 * conformance + fault suite (which injects its faults into that mock) runs against our connector over the
 * Gemini wire format. It translates, on a real socket:
 *
 * - `POST /v1beta/models/{model}:generateContent` / `:streamGenerateContent?alt=sse` (key in
 *   `x-goog-api-key`) → `POST /v1/chat/completions` (`Authorization: Bearer`), contents → messages,
 *   function declarations → tools;
 * - answers back into Gemini's shapes: completions → GenerateContentResponse; SSE chunks → Gemini events
 *   (text deltas as they come; tool calls accumulated and sent whole with the `finishReason` and
 *   `usageMetadata` in the final event, as Gemini does; no `[DONE]`);
 * - errors into Google's envelope the way Gemini reports each condition: 401 → 400 `API_KEY_INVALID`;
 *   429 → `RESOURCE_EXHAUSTED` with a per-minute `QuotaFailure` (per-day for `insufficient_quota`);
 *   `context_length_exceeded` → 400 "input token count exceeds"; `content_policy_violation` → a 200 whose
 *   prompt is blocked (`promptFeedback.blockReason`); 5xx keep their status (`INTERNAL` / `UNAVAILABLE`);
 *   an error inside a stream → a Google error event. `Retry-After` and `x-ratelimit-*` pass through.
 * - faults of the connection pass through: a reset or cut upstream destroys the downstream socket, a stall
 *   or silence stays silent, a malformed event is forwarded as is.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

type Json = Record<string, unknown>;

const PASSED_HEADERS = /^(retry-after|x-ratelimit-.*)$/;

function passedHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (PASSED_HEADERS.test(name) && typeof value === "string") out[name] = value;
  return out;
}

/** Gemini request → OpenAI chat request (only what the conformance suite exercises, plus tool turns). */
function toOpenAI(model: string, body: Json, stream: boolean): Json {
  const messages: Json[] = [];
  const system = (body.systemInstruction as { parts?: Array<{ text?: string }> } | undefined)?.parts?.map((part) => part.text ?? "").join("\n");
  if (system) messages.push({ role: "system", content: system });
  let callId = 0;
  for (const content of (body.contents as Array<{ role?: string; parts?: Json[] }>) ?? []) {
    const text = (content.parts ?? []).map((part) => (typeof part.text === "string" ? part.text : "")).join("");
    const calls = (content.parts ?? []).filter((part) => part.functionCall).map((part) => part.functionCall as { name: string; args?: unknown });
    const results = (content.parts ?? []).filter((part) => part.functionResponse).map((part) => part.functionResponse as { name: string; response: unknown });
    if (content.role === "model") {
      messages.push({ role: "assistant", content: text || null, ...(calls.length ? { tool_calls: calls.map((call) => ({ id: `call_${++callId}`, type: "function", function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) } })) } : {}) });
    } else {
      for (const result of results) messages.push({ role: "tool", tool_call_id: `call_${callId}`, content: JSON.stringify(result.response) });
      if (text) messages.push({ role: "user", content: text });
    }
  }
  const declarations = ((body.tools as Array<{ functionDeclarations?: Json[] }>) ?? []).flatMap((tool) => tool.functionDeclarations ?? []);
  const config = (body.generationConfig ?? {}) as Json;
  return {
    model,
    messages,
    ...(declarations.length ? { tools: declarations.map((declaration) => ({ type: "function", function: declaration })) } : {}),
    ...(typeof config.maxOutputTokens === "number" ? { max_tokens: config.maxOutputTokens } : {}),
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

const FINISH: Record<string, string> = { stop: "STOP", tool_calls: "STOP", length: "MAX_TOKENS", content_filter: "SAFETY" };

function usageMetadata(usage: Json | undefined): Json | undefined {
  if (!usage) return undefined;
  return { promptTokenCount: usage.prompt_tokens, candidatesTokenCount: usage.completion_tokens, totalTokenCount: usage.total_tokens };
}

function toGeminiResponse(completion: Json): Json {
  const choices = (completion.choices as Array<{ index?: number; message?: Json; finish_reason?: string }>) ?? [];
  return {
    candidates: choices.map((choice, index) => {
      const parts: Json[] = [];
      if (typeof choice.message?.content === "string" && choice.message.content !== "") parts.push({ text: choice.message.content });
      for (const call of (choice.message?.tool_calls as Array<{ function: { name: string; arguments: string } }>) ?? []) {
        parts.push({ functionCall: { name: call.function.name, args: JSON.parse(call.function.arguments || "{}") } });
      }
      return { content: { role: "model", parts }, finishReason: FINISH[choice.finish_reason ?? "stop"] ?? "OTHER", index: choice.index ?? index };
    }),
    usageMetadata: usageMetadata(completion.usage as Json | undefined),
    modelVersion: completion.model,
    responseId: String(completion.id ?? "bridge").replace(/^chatcmpl-/, ""),
  };
}

const STATUS_NAMES: Record<number, string> = { 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED" };

function quotaFailure(quotaId: string): Json {
  return { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaMetric: "generativelanguage.googleapis.com/generate_content_requests", quotaId }] };
}

/** OpenAI error → what Gemini answers for the same condition: status, body. */
function toGoogleError(status: number, text: string): { status: number; body: Json } {
  let error: Json = {};
  try {
    error = ((JSON.parse(text) as Json).error as Json) ?? {};
  } catch {
    error = { message: text };
  }
  const message = typeof error.message === "string" ? error.message : `HTTP ${status}`;
  if (status === 401) {
    return { status: 400, body: { error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT", details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" }] } } };
  }
  if (status === 429) {
    const daily = error.code === "insufficient_quota";
    return {
      status,
      body: { error: { code: 429, message: "You exceeded your current quota, please check your plan and billing details.", status: "RESOURCE_EXHAUSTED", details: [quotaFailure(daily ? "GenerateRequestsPerDayPerProjectPerModel" : "GenerateRequestsPerMinutePerProjectPerModel")] } },
    };
  }
  if (status === 400 && error.code === "context_length_exceeded") {
    return { status, body: { error: { code: 400, message: "The input token count (1265735) exceeds the maximum number of tokens allowed (1048576).", status: "INVALID_ARGUMENT" } } };
  }
  return { status, body: { error: { code: status, message, status: STATUS_NAMES[status] ?? (status >= 500 ? "UNAVAILABLE" : "INVALID_ARGUMENT") } } };
}

const BLOCKED = { promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 1, totalTokenCount: 1 } };

/** Translates an OpenAI SSE body into Gemini events on `response`. */
function pipeStream(upstream: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { "content-type": "text/event-stream", ...passedHeaders(upstream.headers) });
  response.flushHeaders();
  const calls = new Map<number, { name: string; arguments: string }>();
  let finish: string | undefined;
  let ended = false;
  let buffer = "";
  const send = (event: unknown) => response.write(`data: ${typeof event === "string" ? event : JSON.stringify(event)}\r\n\r\n`);
  const final = (usage?: Json) => {
    if (ended || finish === undefined) return;
    ended = true;
    const parts = [...calls.values()].map((call) => ({ functionCall: { name: call.name, args: JSON.parse(call.arguments || "{}") } }));
    send({ candidates: [{ content: { role: "model", parts }, finishReason: FINISH[finish] ?? "OTHER", index: 0 }], ...(usage ? { usageMetadata: usageMetadata(usage) } : {}) });
  };
  const handle = (data: string) => {
    if (data === "[DONE]") return final();
    let chunk: Json;
    try {
      chunk = JSON.parse(data) as Json;
    } catch {
      return send(data); // malformed: forwarded verbatim
    }
    if (chunk.error) {
      const error = chunk.error as Json;
      send({ error: { code: 500, message: error.message, status: "INTERNAL" } });
      ended = true;
      return response.end();
    }
    const choice = (chunk.choices as Array<{ delta?: Json; finish_reason?: string | null }> | undefined)?.[0];
    if (typeof choice?.delta?.content === "string" && choice.delta.content !== "") send({ candidates: [{ content: { role: "model", parts: [{ text: choice.delta.content }] }, index: 0 }] });
    for (const delta of (choice?.delta?.tool_calls as Array<{ index: number; function?: { name?: string; arguments?: string } }>) ?? []) {
      const call = calls.get(delta.index) ?? { name: "", arguments: "" };
      call.name += delta.function?.name ?? "";
      call.arguments += delta.function?.arguments ?? "";
      calls.set(delta.index, call);
    }
    if (choice?.finish_reason) finish = choice.finish_reason;
    if (chunk.usage) final(chunk.usage as Json);
  };
  upstream.setEncoding("utf8");
  upstream.on("data", (text: string) => {
    buffer += text;
    let index: number;
    while ((index = buffer.indexOf("\n\n")) !== -1) {
      const frame = buffer.slice(0, index);
      buffer = buffer.slice(index + 2);
      const data = frame.split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trimStart()).join("\n");
      if (data !== "" && !response.destroyed && !response.writableEnded) handle(data);
    }
  });
  upstream.on("end", () => {
    final();
    if (!response.writableEnded) response.end();
  });
  upstream.on("aborted", () => response.destroy());
  upstream.on("error", () => response.destroy());
}

/** A running bridge. */
export interface OpenAIBridge {
  /** `http://127.0.0.1:<port>`: the connector's `baseUrl`. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Starts a bridge in front of the OpenAI-compatible mock at `mockUrl` (its `/v1` base URL). */
export async function startOpenAIBridge(mockUrl: string): Promise<OpenAIBridge> {
  const target = new URL(mockUrl);
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (text += chunk));
    request.on("end", () => {
      const match = /^\/v1beta\/models\/([^:/?]+):(generateContent|streamGenerateContent)/.exec(request.url ?? "");
      if (!match) {
        response.writeHead(404, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { code: 404, message: `no route ${request.url}`, status: "NOT_FOUND" } }));
        return;
      }
      const stream = match[2] === "streamGenerateContent";
      const payload = JSON.stringify(toOpenAI(match[1]!, JSON.parse(text || "{}") as Json, stream));
      const key = request.headers["x-goog-api-key"];
      const upstreamRequest = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: "POST",
          path: `${target.pathname}/chat/completions`,
          headers: { "content-type": "application/json", ...(typeof key === "string" ? { authorization: `Bearer ${key}` } : {}) },
          agent: false,
        },
        (upstream) => {
          const status = upstream.statusCode ?? 500;
          if (status >= 200 && status < 300 && stream && /event-stream/.test(upstream.headers["content-type"] ?? "")) return pipeStream(upstream, response);
          let body = "";
          upstream.setEncoding("utf8");
          upstream.on("data", (chunk: string) => (body += chunk));
          upstream.on("aborted", () => response.destroy());
          upstream.on("error", () => response.destroy());
          upstream.on("end", () => {
            if (response.destroyed) return;
            const headers = { "content-type": "application/json; charset=UTF-8", ...passedHeaders(upstream.headers) };
            if (status >= 200 && status < 300) {
              let completion: Json | undefined;
              try {
                completion = JSON.parse(body) as Json;
              } catch {
                completion = undefined;
              }
              response.writeHead(200, headers);
              response.end(completion && Array.isArray(completion.choices) ? JSON.stringify(toGeminiResponse(completion)) : body);
              return;
            }
            if (status === 400 && body.includes("content_policy_violation")) {
              response.writeHead(200, stream ? { "content-type": "text/event-stream" } : headers);
              response.end(stream ? `data: ${JSON.stringify(BLOCKED)}\r\n\r\n` : JSON.stringify(BLOCKED));
              return;
            }
            const translated = toGoogleError(status, body);
            response.writeHead(translated.status, headers);
            response.end(JSON.stringify(translated.body));
          });
        },
      );
      upstreamRequest.on("error", () => response.destroy());
      response.on("close", () => upstreamRequest.destroy());
      upstreamRequest.end(payload);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
