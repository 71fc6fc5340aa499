/**
 * A fault-injecting mock of Bedrock's Converse / ConverseStream on a real socket (127.0.0.1): a translating
 * server in front of `@modelmesh/testing`'s OpenAI mock provider. A Converse request becomes an OpenAI chat
 * request; the answer comes back as a Converse body, a binary event stream (frames encoded by
 * `eventstream-encode.ts`), or a Bedrock error (`x-amzn-errortype` + `{message}`). Faults of the OpenAI mock
 * reach the client in kind: statuses pass (translated), a reset before headers resets this connection, a
 * cut cuts it, a stall stalls it, a malformed chunk becomes a frame whose payload is not JSON, an error
 * object inside the stream becomes an exception frame. Written from Bedrock's documented shapes,
 * independently of the connector's own mapping.
 *
 * Requests must carry an `Authorization` header (SigV4 or a bearer API key); it is not verified here (the
 * fidelity tests compare signatures with the AWS SDK's), and the OpenAI mock is called with `upstreamKey`.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { startMockProvider, type MockProvider, type MockProviderOptions } from "@modelmesh/testing/server";
import { encodeMessage, event } from "./eventstream-encode.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A request as this server received it (Bedrock side). */
export interface BedrockCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Json;
}

export interface BedrockMock {
  readonly url: string;
  readonly openai: MockProvider | undefined;
  readonly calls: BedrockCall[];
  close(): Promise<void>;
}

const STOP: Record<string, string> = { stop: "end_turn", length: "max_tokens", tool_calls: "tool_use", content_filter: "content_filtered" };

/** Converse request (+ model id from the path) → OpenAI chat request. */
export function toOpenAIRequest(model: string, body: Json, stream: boolean): Json {
  const messages: Json[] = [];
  for (const block of body.system ?? []) if (typeof block.text === "string") messages.push({ role: "system", content: block.text });
  for (const turn of body.messages ?? []) {
    const content: Json[] = turn.content ?? [];
    if (turn.role === "assistant") {
      const text = content.filter((b) => typeof b.text === "string").map((b) => b.text).join("");
      const calls = content.filter((b) => b.toolUse);
      messages.push({ role: "assistant", content: text === "" ? null : text, ...(calls.length > 0 ? { tool_calls: calls.map((b) => ({ id: b.toolUse.toolUseId, type: "function", function: { name: b.toolUse.name, arguments: JSON.stringify(b.toolUse.input) } })) } : {}) });
      continue;
    }
    for (const b of content.filter((b) => b.toolResult)) {
      messages.push({ role: "tool", tool_call_id: b.toolResult.toolUseId, content: (b.toolResult.content ?? []).map((c: Json) => c.text ?? JSON.stringify(c.json)).join("") });
    }
    const parts = content.filter((b) => !b.toolResult).map((b) => (b.image ? { type: "image_url", image_url: { url: `data:image/${b.image.format};base64,${b.image.source.bytes}` } } : { type: "text", text: b.text ?? "" }));
    if (parts.length === 1 && parts[0].type === "text") messages.push({ role: "user", content: parts[0].text });
    else if (parts.length > 0) messages.push({ role: "user", content: parts });
  }
  const out: Json = { model, messages, stream };
  if (stream) out.stream_options = { include_usage: true };
  const inference = body.inferenceConfig ?? {};
  if (inference.maxTokens !== undefined) out.max_tokens = inference.maxTokens;
  if (inference.temperature !== undefined) out.temperature = inference.temperature;
  if (inference.topP !== undefined) out.top_p = inference.topP;
  if (inference.stopSequences) out.stop = inference.stopSequences;
  const tools = body.toolConfig?.tools;
  if (Array.isArray(tools)) out.tools = tools.map((t: Json) => ({ type: "function", function: { name: t.toolSpec.name, description: t.toolSpec.description, parameters: t.toolSpec.inputSchema?.json } }));
  const choice = body.toolConfig?.toolChoice;
  if (choice?.any) out.tool_choice = "required";
  else if (choice?.tool) out.tool_choice = { type: "function", function: { name: choice.tool.name } };
  else if (choice?.auto) out.tool_choice = "auto";
  return out;
}

/** OpenAI completion → Converse response. */
export function toConverseResponse(completion: Json): Json {
  const choice = completion.choices?.[0] ?? {};
  const content: Json[] = [];
  if (typeof choice.message?.content === "string" && choice.message.content !== "") content.push({ text: choice.message.content });
  for (const call of choice.message?.tool_calls ?? []) content.push({ toolUse: { toolUseId: call.id, name: call.function.name, input: JSON.parse(call.function.arguments || "{}") } });
  const usage = completion.usage ?? {};
  return {
    output: { message: { role: "assistant", content } },
    stopReason: STOP[choice.finish_reason] ?? "end_turn",
    usage: { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0, totalTokens: usage.total_tokens ?? 0 },
    metrics: { latencyMs: 1 },
  };
}

/** OpenAI error (status + body) → Bedrock `[status, exception type, message]`. */
export function toBedrockError(status: number, body: unknown): [number, string | undefined, string] {
  const error = ((body as Json | null)?.error ?? {}) as Json;
  const code = String(error.code ?? error.type ?? "");
  const message = String(error.message ?? `HTTP ${status}`);
  if (code === "context_length_exceeded") return [400, "ValidationException", "Input is too long for requested model."];
  if (code === "content_policy_violation") return [400, "ValidationException", "The request was blocked by the model's content filters."];
  if (code === "insufficient_quota") return [429, "ServiceQuotaExceededException", "You have exceeded the service quota for this model."];
  if (status === 401) return [403, "UnrecognizedClientException", "The security token included in the request is invalid."];
  if (status === 403) return [403, "AccessDeniedException", message];
  if (status === 404) return [404, "ResourceNotFoundException", message];
  if (status === 429) return [429, "ThrottlingException", "Too many requests, please wait before trying again."];
  if (status === 500) return [500, "InternalServerException", message];
  if (status === 503) return [503, "ServiceUnavailableException", message];
  if (status >= 500) return [status, undefined, message];
  return [status, "ValidationException", message];
}

/** Translates OpenAI stream chunks into ConverseStream frames, as they arrive. */
export class StreamTranslator {
  #started = false;
  #block = -1;
  #open: "text" | "tool" | undefined;
  #toolBlocks = new Map<number, number>();

  /** Frames for one SSE `data:` payload (an OpenAI chunk, an error object, `[DONE]` or garbage). */
  data(payload: string): Uint8Array[] {
    if (payload.trim() === "[DONE]") return [];
    let chunk: Json;
    try {
      chunk = JSON.parse(payload);
    } catch {
      // Malformed stays malformed: an event frame whose payload is not JSON.
      return [encodeMessage({ ":event-type": "contentBlockDelta", ":content-type": "application/json", ":message-type": "event" }, payload)];
    }
    if (chunk.error) {
      const type = chunk.error.type === "server_error" || !chunk.error.type ? "internalServerException" : "validationException";
      return [encodeMessage({ ":exception-type": type, ":content-type": "application/json", ":message-type": "exception" }, JSON.stringify({ message: chunk.error.message ?? "error" }))];
    }
    const out: Uint8Array[] = [];
    if (!this.#started) {
      this.#started = true;
      out.push(event("messageStart", { role: "assistant" }));
    }
    const choice = chunk.choices?.[0];
    if (typeof choice?.delta?.content === "string" && choice.delta.content !== "") {
      if (this.#open !== "text") this.#next("text", out);
      out.push(event("contentBlockDelta", { contentBlockIndex: this.#block, delta: { text: choice.delta.content } }));
    }
    for (const call of choice?.delta?.tool_calls ?? []) {
      if (call.id) {
        this.#next("tool", out);
        this.#toolBlocks.set(call.index, this.#block);
        out.push(event("contentBlockStart", { contentBlockIndex: this.#block, start: { toolUse: { toolUseId: call.id, name: call.function?.name } } }));
      }
      if (call.function?.arguments) out.push(event("contentBlockDelta", { contentBlockIndex: this.#toolBlocks.get(call.index), delta: { toolUse: { input: call.function.arguments } } }));
    }
    if (choice?.finish_reason) {
      this.#close(out);
      out.push(event("messageStop", { stopReason: STOP[choice.finish_reason] ?? "end_turn" }));
    }
    if (chunk.usage) {
      out.push(event("metadata", { usage: { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens, totalTokens: chunk.usage.total_tokens }, metrics: { latencyMs: 1 } }));
    }
    return out;
  }

  #next(kind: "text" | "tool", out: Uint8Array[]): void {
    this.#close(out);
    this.#block += 1;
    this.#open = kind;
  }

  #close(out: Uint8Array[]): void {
    if (this.#open === undefined) return;
    out.push(event("contentBlockStop", { contentBlockIndex: this.#block }));
    this.#open = undefined;
  }
}

/** Starts a translator in front of the OpenAI mock at `upstreamUrl` (its `/v1` base URL). */
export async function startBedrockTranslator(upstreamUrl: string, upstreamKey: string | (() => string), owned?: MockProvider): Promise<BedrockMock> {
  const key = typeof upstreamKey === "function" ? upstreamKey : () => upstreamKey;
  const upstream = new URL(upstreamUrl.replace(/\/+$/, ""));
  const calls: BedrockCall[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: Json = {};
      try {
        body = text === "" ? {} : JSON.parse(text);
      } catch {
        // answered below as a validation error
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      calls.push({ method: req.method ?? "GET", path: req.url ?? "/", headers, body });
      const reject = (status: number, type: string, message: string) => {
        res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, "x-amzn-requestid": `req-${calls.length}` });
        res.end(JSON.stringify({ message }));
      };
      if (!headers.authorization) return reject(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
      const match = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec((req.url ?? "/").split("?")[0]!);
      if (req.method !== "POST" || !match) return reject(404, "UnknownOperationException", `Unknown operation ${req.method} ${req.url}`);
      const model = decodeURIComponent(match[1]!);
      const stream = match[2] === "converse-stream";
      // InvokeModel of an embedding model: Titan's {inputText} or Cohere's {texts} → OpenAI embeddings.
      const embed = match[2] === "invoke" ? (typeof body.inputText === "string" ? "titan" : "cohere") : undefined;
      const openai = embed ? { model, input: embed === "titan" ? body.inputText : body.texts } : toOpenAIRequest(model, body, stream);
      const payload = Buffer.from(JSON.stringify(openai));
      const path = embed ? "/embeddings" : "/chat/completions";
      const upstreamReq = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: "POST", path: `${upstream.pathname}${path}`, agent: false, headers: { authorization: `Bearer ${key()}`, "content-type": "application/json", "content-length": payload.length } },
        (upstreamRes) => answer(res, upstreamRes, stream, embed),
      );
      upstreamReq.on("error", () => {
        if (req.socket.destroyed) return;
        if (!res.headersSent) req.socket.resetAndDestroy();
        else req.socket.destroy();
      });
      res.on("close", () => {
        if (!res.writableFinished) upstreamReq.destroy();
      });
      upstreamReq.end(payload);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  function answer(res: ServerResponse, upstreamRes: IncomingMessage, stream: boolean, embed?: "titan" | "cohere") {
    const status = upstreamRes.statusCode ?? 500;
    const ok = status >= 200 && status < 300;
    const passHeaders: Record<string, string> = { "x-amzn-requestid": `req-${calls.length}` };
    for (const name of ["retry-after", "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens"]) {
      const value = upstreamRes.headers[name];
      if (typeof value === "string") passHeaders[name] = value;
    }
    upstreamRes.on("error", () => {});
    upstreamRes.on("close", () => {
      if (!upstreamRes.complete && !res.writableEnded) res.socket?.destroySoon();
    });
    if (ok && stream && /event-stream/.test(String(upstreamRes.headers["content-type"]))) {
      res.writeHead(200, { ...passHeaders, "content-type": "application/vnd.amazon.eventstream" });
      res.flushHeaders();
      const translator = new StreamTranslator();
      let buffer = "";
      upstreamRes.setEncoding("utf8");
      upstreamRes.on("data", (text: string) => {
        buffer += text;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trimStart()).join("\n");
          if (data !== "") for (const bytes of translator.data(data)) res.write(Buffer.from(bytes));
        }
      });
      upstreamRes.on("end", () => {
        if (upstreamRes.complete) res.end();
      });
      return;
    }
    const parts: Buffer[] = [];
    upstreamRes.on("data", (chunk: Buffer) => parts.push(chunk));
    upstreamRes.on("end", () => {
      if (!upstreamRes.complete) return;
      const text = Buffer.concat(parts).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        res.writeHead(status, { ...passHeaders, "content-type": "application/json" });
        return void res.end(text);
      }
      if (!ok) {
        const [bedrockStatus, type, message] = toBedrockError(status, json);
        res.writeHead(bedrockStatus, { ...passHeaders, "content-type": "application/json", ...(type ? { "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` } : {}) });
        return void res.end(JSON.stringify({ message }));
      }
      if (embed) {
        const result = json as Json;
        const tokens = String(result.usage?.prompt_tokens ?? 0);
        const vectors = (result.data ?? []).map((item: Json) => item.embedding);
        res.writeHead(200, { ...passHeaders, "content-type": "application/json", "x-amzn-bedrock-input-token-count": tokens });
        return void res.end(JSON.stringify(embed === "titan" ? { embedding: vectors[0], inputTextTokenCount: Number(tokens) } : { id: "emb", embeddings: vectors, response_type: "embeddings_floats" }));
      }
      res.writeHead(200, { ...passHeaders, "content-type": "application/json" });
      res.end(JSON.stringify(toConverseResponse(json as Json)));
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    openai: owned,
    calls,
    close: () =>
      (closing ??= (async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await owned?.close();
      })()),
  };
}

/** Starts an OpenAI mock provider (with `options`) and a Bedrock translator in front of it. */
export async function startBedrockMock(options: MockProviderOptions & { apiKey: string }): Promise<BedrockMock & { openai: MockProvider }> {
  const openai = await startMockProvider(options);
  return (await startBedrockTranslator(openai.url, options.apiKey, openai)) as BedrockMock & { openai: MockProvider };
}
