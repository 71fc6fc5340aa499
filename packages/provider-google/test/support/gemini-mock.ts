/**
 * A fault-injecting mock of the Gemini Developer API on a real `node:http` socket (127.0.0.1, ephemeral
 * port). It serves `POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`,
 * `:embedContent`, `:batchEmbedContents` and `GET /v1beta/models`, requires `x-goog-api-key` (a wrong or
 * missing key gets Gemini's real answer: 400 `INVALID_ARGUMENT`, reason `API_KEY_INVALID`), answers with an
 * echo of the last user text ("echo: …", one SSE event per word, `finishReason` + `usageMetadata` in the
 * last event, no `[DONE]`) or — when tools are declared — one whole function call, and injects the faults
 * below, each in the shape Gemini actually produces.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

type Json = Record<string, unknown>;

/** A fault, in Gemini's own terms. */
export type GeminiFault =
  /** Any status with a Google error body (default: built from the status). */
  | { kind: "status"; status: number; body?: unknown; headers?: Record<string, string> }
  /** 429 RESOURCE_EXHAUSTED, per-minute quota violated; optional `Retry-After` header and RetryInfo delay. */
  | { kind: "rate-limit"; retryAfter?: number | string; retryDelay?: string }
  /** 429 RESOURCE_EXHAUSTED, per-day quota violated. */
  | { kind: "quota-exhausted" }
  /** 400 INVALID_ARGUMENT, reason API_KEY_INVALID. */
  | { kind: "auth" }
  /** 400 INVALID_ARGUMENT, "The input token count (…) exceeds the maximum number of tokens allowed". */
  | { kind: "context-length" }
  /** 200 with no candidates and `promptFeedback.blockReason` (the first event of a stream). */
  | { kind: "prompt-blocked" }
  /** 200 whose candidate ends with `finishReason: SAFETY` and no content. */
  | { kind: "safety-finish" }
  /** 400 INVALID_ARGUMENT when the conversation ends with a `model` turn (a prefill); others pass. */
  | { kind: "reject-prefill" }
  /** The socket is destroyed after the request is read. */
  | { kind: "reset-before-headers" }
  /** The request is read and never answered. */
  | { kind: "no-response" }
  /** Headers at once, the first event after `delayMs`. */
  | { kind: "slow-first-token"; delayMs: number }
  /** `events` events, then the socket is destroyed (chunked body left incomplete). */
  | { kind: "cut-after"; events: number }
  /** `events` events, then silence with the socket open. */
  | { kind: "stall-after"; events: number }
  /** `afterEvents` events, then `data: {not json` (`count` times, default 1), then the rest. */
  | { kind: "malformed-chunk"; afterEvents: number; count?: number }
  /** Every event, but none carries `finishReason`; the body ends cleanly. */
  | { kind: "missing-finish" }
  /** `afterEvents` events, then a Google error envelope as an event (default 500 INTERNAL), then the end. */
  | { kind: "error-in-stream"; afterEvents: number; error?: { code: number; status: string; message: string } };

/** When to inject. */
export interface GeminiFaultRule {
  /** Only calls whose path contains this, e.g. `:streamGenerateContent`. */
  path?: string;
  /** Only the next N matching calls. */
  times?: number;
  fault: GeminiFault;
}

/** One recorded call. */
export interface GeminiMockCall {
  method: string;
  /** Path with query. */
  path: string;
  headers: Record<string, string>;
  body: Json | undefined;
}

/** A running mock. */
export interface GeminiMock {
  /** Base URL for the connector (no version segment). */
  readonly url: string;
  readonly calls: GeminiMockCall[];
  fault(rule: GeminiFaultRule): () => void;
  close(): Promise<void>;
}

const GOOGLE_STATUS: Record<number, string> = { 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED" };

function googleError(code: number, message: string, status = GOOGLE_STATUS[code] ?? "UNKNOWN", details?: Json[]): Json {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

function quota(quotaId: string, retryDelay?: string): Json[] {
  return [
    { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests", quotaId }] },
    ...(retryDelay ? [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay }] : []),
  ];
}

const QUOTA_MESSAGE = "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.";

function lastUserText(body: Json): string {
  const contents = (body.contents as Array<{ role?: string; parts?: Array<{ text?: string }> }>) ?? [];
  const last = [...contents].reverse().find((content) => content.role !== "model");
  return (last?.parts ?? []).map((part) => part.text ?? "").join("");
}

function wordsOf(body: Json): number {
  const contents = (body.contents as Array<{ parts?: Array<{ text?: string }> }>) ?? [];
  return contents.flatMap((content) => content.parts ?? []).map((part) => part.text ?? "").join(" ").split(/\s+/).filter(Boolean).length;
}

/** The events of the scripted answer (the last one carries finishReason and the final usage). */
function answerEvents(model: string, body: Json, fault: GeminiFault | undefined): Json[] {
  const declarations = ((body.tools as Array<{ functionDeclarations?: Array<{ name: string }> }>) ?? []).flatMap((tool) => tool.functionDeclarations ?? []);
  const prompt = wordsOf(body);
  const meta = { modelVersion: model, responseId: "mockResponse01" };
  if (fault?.kind === "safety-finish") return [{ candidates: [{ finishReason: "SAFETY", index: 0 }], usageMetadata: { promptTokenCount: prompt, totalTokenCount: prompt }, ...meta }];
  if (declarations.length > 0) {
    const call = { functionCall: { name: declarations[0]!.name, args: { city: "Paris", days: 3 } } };
    return [{ candidates: [{ content: { role: "model", parts: [call] }, finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: prompt, candidatesTokenCount: 5, totalTokenCount: prompt + 5 }, ...meta }];
  }
  const words = `echo: ${lastUserText(body)}`.split(/(?= )/);
  return words.map((word, index) => {
    const last = index === words.length - 1;
    return {
      candidates: [{ content: { role: "model", parts: [{ text: word }] }, ...(last && fault?.kind !== "missing-finish" ? { finishReason: "STOP" } : {}), index: 0 }],
      usageMetadata: last ? { promptTokenCount: prompt, candidatesTokenCount: words.length, totalTokenCount: prompt + words.length } : { promptTokenCount: prompt, totalTokenCount: prompt },
      ...meta,
    };
  });
}

/** The whole answer as one GenerateContentResponse (texts joined, last event's finish and usage). */
function wholeAnswer(events: Json[]): Json {
  const last = events.at(-1)! as { candidates: Array<Json>; usageMetadata: Json };
  const parts = events.flatMap((event) => ((event.candidates as Array<{ content?: { parts?: Json[] } }>)[0]?.content?.parts ?? []));
  const text = parts.filter((part) => typeof part.text === "string").map((part) => part.text).join("");
  const calls = parts.filter((part) => part.functionCall);
  const candidate = { ...last.candidates[0], content: { role: "model", parts: [...(text ? [{ text }] : []), ...calls] } };
  if (parts.length === 0) delete (candidate as Json).content;
  return { ...last, candidates: [candidate] };
}

/** Starts the mock. `apiKey` is the key it accepts. */
export async function startGeminiMock(options: { apiKey: string }): Promise<GeminiMock> {
  const calls: GeminiMockCall[] = [];
  const rules: Array<GeminiFaultRule & { left: number }> = [];
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };

  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
    response.end(typeof body === "string" ? body : JSON.stringify(body));
  };

  const refuse = (response: ServerResponse, fault: GeminiFault, body: Json): boolean => {
    switch (fault.kind) {
      case "status":
        json(response, fault.status, fault.body ?? googleError(fault.status, `mock status ${fault.status}`), fault.headers);
        return true;
      case "rate-limit": {
        const headers: Record<string, string> = fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
        json(response, 429, googleError(429, QUOTA_MESSAGE, "RESOURCE_EXHAUSTED", quota("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", fault.retryDelay)), headers);
        return true;
      }
      case "quota-exhausted":
        json(response, 429, googleError(429, QUOTA_MESSAGE, "RESOURCE_EXHAUSTED", quota("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "33124s")));
        return true;
      case "auth":
        json(response, 400, googleError(400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT", [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" }]));
        return true;
      case "context-length":
        json(response, 400, googleError(400, "The input token count (1265735) exceeds the maximum number of tokens allowed (1048576)."));
        return true;
      case "reject-prefill": {
        const contents = (body.contents as Array<{ role?: string }>) ?? [];
        if (contents.at(-1)?.role !== "model") return false;
        json(response, 400, googleError(400, "Please ensure that multiturn requests end with a user role or a function response."));
        return true;
      }
      case "reset-before-headers":
        response.socket?.destroy();
        return true;
      case "no-response":
        return true;
      default:
        return false;
    }
  };

  const stream = (response: ServerResponse, events: Json[], fault: GeminiFault | undefined) => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.flushHeaders();
    const frames = events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`);
    const write = () => {
      if (response.destroyed) return;
      if (fault?.kind === "prompt-blocked") return void response.end(`data: ${JSON.stringify({ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } })}\r\n\r\n`);
      for (const [index, frame] of frames.entries()) {
        if (fault?.kind === "cut-after" && index === fault.events) return void later(20, () => response.socket?.destroy());
        if (fault?.kind === "stall-after" && index === fault.events) return;
        if (fault?.kind === "malformed-chunk" && index === fault.afterEvents) response.write("data: {not json\r\n\r\n".repeat(fault.count ?? 1));
        if (fault?.kind === "error-in-stream" && index === fault.afterEvents) {
          const error = fault.error ?? { code: 500, status: "INTERNAL", message: "An internal error has occurred." };
          return void response.end(`data: ${JSON.stringify({ error })}\r\n\r\n`);
        }
        response.write(frame);
      }
      response.end();
    };
    if (fault?.kind === "slow-first-token") later(fault.delayMs, write);
    else write();
  };

  const handle = (request: IncomingMessage, response: ServerResponse, text: string) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers[name] = value;
    const body = text === "" ? undefined : (JSON.parse(text) as Json);
    const path = request.url ?? "/";
    calls.push({ method: request.method ?? "GET", path, headers, body });
    if (headers["x-goog-api-key"] !== options.apiKey) return refuse(response, { kind: "auth" }, {});
    const ruleIndex = rules.findIndex((rule) => rule.path === undefined || path.includes(rule.path));
    const rule = ruleIndex === -1 ? undefined : rules[ruleIndex]!;
    let fault = rule?.fault;
    if (fault?.kind === "reject-prefill" && ((body?.contents as Array<{ role?: string }>) ?? []).at(-1)?.role !== "model") fault = undefined;
    if (rule && fault && (rule.left -= 1) <= 0) rules.splice(ruleIndex, 1);
    if (fault && refuse(response, fault, body ?? {})) return;

    if (request.method === "GET" && path.startsWith("/v1beta/models")) {
      return json(response, 200, { models: [{ name: "models/gemini-2.5-flash", displayName: "Gemini 2.5 Flash", inputTokenLimit: 1048576, outputTokenLimit: 65536, supportedGenerationMethods: ["generateContent"] }] });
    }
    const match = /^\/v1beta\/models\/([^:]+):(\w+)/.exec(path);
    if (!match) return json(response, 404, googleError(404, `no route ${path}`));
    const [, model, action] = match as unknown as [string, string, string];
    if (action === "embedContent" || action === "batchEmbedContents") {
      const requests = action === "embedContent" ? [body!] : (body!.requests as Json[]);
      const vectors = requests.map((entry, index) => ({ values: [index + 0.5, ((entry.content as { parts: Array<{ text: string }> }).parts[0]!.text.length), -1, 0.25] }));
      return json(response, 200, action === "embedContent" ? { embedding: vectors[0] } : { embeddings: vectors });
    }
    const events = answerEvents(model, body ?? {}, fault);
    if (action === "streamGenerateContent") return stream(response, events, fault);
    if (fault?.kind === "prompt-blocked") return json(response, 200, { promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } });
    const whole = JSON.stringify(wholeAnswer(events));
    if (fault?.kind === "cut-after") {
      response.writeHead(200, { "content-type": "application/json", "content-length": String(whole.length) });
      response.write(whole.slice(0, whole.length / 2));
      return void later(10, () => response.socket?.destroy());
    }
    if (fault?.kind === "slow-first-token") return later(fault.delayMs, () => json(response, 200, whole));
    return json(response, 200, whole);
  };

  const server = createServer((request, response) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (text += chunk));
    request.on("end", () => handle(request, response, text));
  });
  server.keepAliveTimeout = 200;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    fault(rule) {
      const entry = { ...rule, left: rule.times ?? Number.POSITIVE_INFINITY };
      rules.push(entry);
      return () => {
        const index = rules.indexOf(entry);
        if (index !== -1) rules.splice(index, 1);
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
