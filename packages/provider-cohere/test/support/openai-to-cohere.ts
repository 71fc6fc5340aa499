/**
 * Wire translation used by the Cohere mock (`cohere-mock.ts`): a Cohere v2 request becomes an OpenAI request
 * for `@modelmesh/testing`'s mock provider, and its answers (JSON, SSE chunks, error bodies) become what
 * api.cohere.com sends. Written from Cohere's API reference, independently of the connector's own mapping (so
 * the tests do not grade the connector with itself).
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part: Json) => (part?.type === "text" ? part.text : "")).join("");
  return "";
}

/** Cohere `POST /v2/chat` body → OpenAI chat request. */
export function toOpenAIChat(body: Json): Json {
  const messages: Json[] = [];
  for (const message of body.messages ?? []) {
    if (message.role === "system") messages.push({ role: "system", content: text(message.content) });
    else if (message.role === "user") {
      const content = typeof message.content === "string" ? message.content : (message.content ?? []).map((part: Json) => (part.type === "image_url" ? { type: "image_url", image_url: part.image_url } : { type: "text", text: part.text }));
      messages.push({ role: "user", content });
    } else if (message.role === "assistant") {
      const calls = (message.tool_calls ?? []).map((call: Json) => ({ id: call.id, type: "function", function: call.function }));
      messages.push({ role: "assistant", content: message.tool_plan ?? (text(message.content) || null), ...(calls.length > 0 ? { tool_calls: calls } : {}) });
    } else if (message.role === "tool") messages.push({ role: "tool", tool_call_id: message.tool_call_id, content: text(message.content) });
  }
  const out: Json = { model: body.model, messages, stream: body.stream === true };
  if (body.stream === true) out.stream_options = { include_usage: true };
  if (body.max_tokens !== undefined) out.max_tokens = body.max_tokens;
  if (body.temperature !== undefined) out.temperature = body.temperature;
  if (body.p !== undefined) out.top_p = body.p;
  if (body.stop_sequences !== undefined) out.stop = body.stop_sequences;
  if (Array.isArray(body.tools)) out.tools = body.tools;
  if (body.tool_choice === "REQUIRED") out.tool_choice = "required";
  if (body.tool_choice === "NONE") out.tool_choice = "none";
  return out;
}

const FINISH: Record<string, string> = { stop: "COMPLETE", length: "MAX_TOKENS", tool_calls: "TOOL_CALL", content_filter: "ERROR" };

/** OpenAI finish reason → Cohere finish reason. */
export function toFinishReason(finish: string | null | undefined): string {
  return finish ? (FINISH[finish] ?? "COMPLETE") : "COMPLETE";
}

function usageOf(usage: Json | undefined): Json {
  const input = usage?.prompt_tokens ?? 0;
  const output = usage?.completion_tokens ?? 0;
  return { billed_units: { input_tokens: input, output_tokens: output }, tokens: { input_tokens: input, output_tokens: output } };
}

/** OpenAI completion → Cohere v2 chat answer. */
export function toCohereChat(completion: Json): Json {
  const choice = completion.choices?.[0] ?? {};
  const calls = (choice.message?.tool_calls ?? []).map((call: Json) => ({ id: call.id, type: "function", function: { name: call.function.name, arguments: call.function.arguments } }));
  const content = typeof choice.message?.content === "string" && choice.message.content !== "" ? [{ type: "text", text: choice.message.content }] : [];
  const message: Json = { role: "assistant", ...(calls.length > 0 ? { tool_calls: calls, tool_plan: "I will call the tool." } : { content }) };
  return { id: `cohere-${completion.id}`, message, finish_reason: toFinishReason(choice.finish_reason), usage: usageOf(completion.usage) };
}

/** OpenAI embeddings response → Cohere v2 embed answer. */
export function toCohereEmbed(response: Json, texts: string[]): Json {
  const tokens = response.usage?.prompt_tokens ?? 0;
  return {
    id: "embed-mock",
    embeddings: { float: (response.data ?? []).map((item: Json) => item.embedding) },
    texts,
    meta: { api_version: { version: "2" }, billed_units: { input_tokens: tokens } },
    response_type: "embeddings_by_type",
  };
}

/** OpenAI error body (or an already-Cohere one, kept) → Cohere error body `{id, message}` and its status. */
export function toCohereError(status: number, body: unknown, requestId: string): { status: number; body: Json } {
  if (typeof body === "object" && body !== null && typeof (body as Json).message === "string" && !(body as Json).error) return { status, body: body as Json };
  const error = ((body as Json | null)?.error ?? {}) as Json;
  const code = String(error.code ?? error.type ?? "");
  const message = String(error.message ?? `HTTP ${status}`);
  if (code === "context_length_exceeded") return { status: 400, body: { id: requestId, message: "too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 5203. Try using a shorter prompt" } };
  if (code === "insufficient_quota") return { status: 429, body: { id: requestId, message: "You are using a Trial key, which is limited to 1000 API calls / month. You can continue to use the Trial key for free or upgrade to a Production key." } };
  if (code === "content_policy_violation") return { status: 400, body: { id: requestId, message: "blocked due to safety: the output was flagged by the safety mode" } };
  if (status === 401) return { status, body: { id: requestId, message: "invalid api token" } };
  return { status, body: { id: requestId, message } };
}

/** Formats one Cohere SSE event (`event:` name and the JSON payload with its `type`). */
export function sseEvent(type: string, data: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** Translates OpenAI stream chunks into Cohere v2 events, as they arrive. */
export class StreamTranslator {
  #started = false;
  #contentOpen = false;
  #tools = new Set<number>();
  #finish: string | null = null;
  #ended = false;

  constructor(readonly options: { dropMessageEnd?: boolean } = {}) {}

  /** Events for one `data:` payload (an OpenAI chunk, an error object, `[DONE]`, or garbage). */
  data(payload: string): string {
    if (payload.trim() === "[DONE]") return this.done();
    let chunk: Json;
    try {
      chunk = JSON.parse(payload);
    } catch {
      // The malformed event reaches the client as it was: a Cohere event whose data is not JSON.
      return `event: content-delta\ndata: ${payload}\n\n`;
    }
    if (chunk.error) {
      this.#ended = true;
      return sseEvent("message-end", { delta: { finish_reason: "ERROR", error: String(chunk.error.message ?? "internal error") } });
    }
    let out = "";
    if (!this.#started) {
      this.#started = true;
      out += sseEvent("message-start", { id: `cohere-${chunk.id}`, delta: { message: { role: "assistant", content: [], tool_plan: "", tool_calls: [], citations: [] } } });
    }
    const choice = chunk.choices?.[0];
    if (typeof choice?.delta?.content === "string" && choice.delta.content !== "") {
      if (!this.#contentOpen) {
        this.#contentOpen = true;
        out += sseEvent("content-start", { index: 0, delta: { message: { content: { type: "text", text: "" } } } });
      }
      out += sseEvent("content-delta", { index: 0, delta: { message: { content: { text: choice.delta.content } } } });
    }
    for (const call of choice?.delta?.tool_calls ?? []) {
      if (call.id) {
        this.#tools.add(call.index);
        out += sseEvent("tool-call-start", { index: call.index, delta: { message: { tool_calls: { id: call.id, type: "function", function: { name: call.function?.name, arguments: "" } } } } });
      }
      if (call.function?.arguments) out += sseEvent("tool-call-delta", { index: call.index, delta: { message: { tool_calls: { function: { arguments: call.function.arguments } } } } });
    }
    if (choice?.finish_reason) {
      if (this.#contentOpen) out += sseEvent("content-end", { index: 0 });
      for (const index of this.#tools) out += sseEvent("tool-call-end", { index });
      this.#contentOpen = false;
      this.#tools.clear();
      this.#finish = toFinishReason(choice.finish_reason);
    }
    if (chunk.usage && this.#finish !== null) out += this.#end(chunk.usage);
    return out;
  }

  /** Events for `[DONE]`: the `message-end` if still owed (Cohere sends no `[DONE]` of its own). */
  done(): string {
    return this.#finish !== null ? this.#end(undefined) : "";
  }

  #end(usage: Json | undefined): string {
    if (this.#ended || this.options.dropMessageEnd) return "";
    this.#ended = true;
    return sseEvent("message-end", { delta: { finish_reason: this.#finish, usage: usageOf(usage) } });
  }
}
