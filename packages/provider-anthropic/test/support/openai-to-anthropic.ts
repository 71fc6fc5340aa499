/**
 * Wire translation used by the Anthropic mock (`anthropic-mock.ts`): an Anthropic Messages request becomes an
 * OpenAI chat request for `@modelmesh/testing`'s mock provider, and its answers (JSON, SSE chunks, error
 * bodies, rate-limit headers) become what api.anthropic.com sends. Written against Anthropic's documented
 * shapes, independently of the connector's own mapping (so the tests do not grade the connector with itself).
 */
import { parseResetDuration } from "@modelmesh/core";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Anthropic request → OpenAI chat request. */
export function toOpenAIRequest(body: Json): Json {
  const messages: Json[] = [];
  const system = body.system;
  if (typeof system === "string") messages.push({ role: "system", content: system });
  else if (Array.isArray(system)) messages.push({ role: "system", content: system.map((b: Json) => b.text).join("\n") });
  for (const turn of body.messages ?? []) {
    if (typeof turn.content === "string") {
      messages.push({ role: turn.role, content: turn.content });
      continue;
    }
    if (turn.role === "assistant") {
      const text = turn.content.filter((b: Json) => b.type === "text").map((b: Json) => b.text).join("");
      const calls = turn.content.filter((b: Json) => b.type === "tool_use");
      messages.push({
        role: "assistant",
        content: text === "" ? null : text,
        ...(calls.length > 0 ? { tool_calls: calls.map((b: Json) => ({ id: b.id, type: "function", function: { name: b.name, arguments: JSON.stringify(b.input) } })) } : {}),
      });
      continue;
    }
    for (const block of turn.content.filter((b: Json) => b.type === "tool_result")) {
      const content = typeof block.content === "string" ? block.content : (block.content ?? []).map((b: Json) => b.text ?? "").join("");
      messages.push({ role: "tool", tool_call_id: block.tool_use_id, content });
    }
    const parts = turn.content.filter((b: Json) => b.type !== "tool_result").map((b: Json) => {
      if (b.type === "text") return { type: "text", text: b.text };
      if (b.type === "image") return { type: "image_url", image_url: { url: b.source.type === "url" ? b.source.url : `data:${b.source.media_type};base64,${b.source.data}` } };
      return { type: "text", text: `[${b.type}]` };
    });
    if (parts.length > 0) messages.push({ role: "user", content: parts });
  }
  const out: Json = { model: body.model, messages, max_tokens: body.max_tokens, stream: body.stream === true };
  if (body.stream === true) out.stream_options = { include_usage: true };
  if (body.temperature !== undefined) out.temperature = body.temperature;
  if (body.stop_sequences) out.stop = body.stop_sequences;
  if (Array.isArray(body.tools)) {
    out.tools = body.tools.map((t: Json) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.input_schema } }));
  }
  const choice = body.tool_choice;
  if (choice?.type === "any") out.tool_choice = "required";
  else if (choice?.type === "tool") out.tool_choice = { type: "function", function: { name: choice.name } };
  else if (choice?.type === "none" || choice?.type === "auto") out.tool_choice = choice.type;
  return out;
}

const STOP: Record<string, string> = { stop: "end_turn", length: "max_tokens", tool_calls: "tool_use", content_filter: "refusal" };

/** OpenAI finish reason → Anthropic stop reason. */
export function toStopReason(finish: string | null | undefined): string | null {
  return finish ? STOP[finish] ?? "end_turn" : null;
}

/** OpenAI completion → Anthropic message. */
export function toAnthropicMessage(completion: Json): Json {
  const choice = completion.choices?.[0] ?? {};
  const content: Json[] = [];
  if (typeof choice.message?.content === "string" && choice.message.content !== "") content.push({ type: "text", text: choice.message.content });
  for (const call of choice.message?.tool_calls ?? []) {
    content.push({ type: "tool_use", id: call.id, name: call.function.name, input: JSON.parse(call.function.arguments || "{}") });
  }
  return {
    id: `msg_${completion.id}`,
    type: "message",
    role: "assistant",
    model: completion.model,
    content,
    stop_reason: toStopReason(choice.finish_reason),
    stop_sequence: null,
    usage: { input_tokens: completion.usage?.prompt_tokens ?? 0, output_tokens: completion.usage?.completion_tokens ?? 0 },
  };
}

/** OpenAI error body (or an already-Anthropic one, kept) → Anthropic error envelope for `status`. */
export function toAnthropicError(status: number, body: unknown, requestId: string): Json {
  if (typeof body === "object" && body !== null && (body as Json).type === "error") return body as Json;
  const error = ((body as Json | null)?.error ?? {}) as Json;
  const code = String(error.code ?? error.type ?? "");
  const message = String(error.message ?? `HTTP ${status}`);
  const envelope = (type: string, text: string) => ({ type: "error", error: { type, message: text }, request_id: requestId });
  if (code === "context_length_exceeded") return envelope("invalid_request_error", `prompt is too long: ${message}`);
  if (code === "content_policy_violation") return envelope("invalid_request_error", "Output blocked by content filtering policy");
  if (code === "insufficient_quota") {
    return envelope("billing_error", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.");
  }
  if (status === 401) return envelope("authentication_error", "invalid x-api-key");
  if (status === 403) return envelope("permission_error", message);
  if (status === 404) return envelope("not_found_error", message);
  if (status === 429) return envelope("rate_limit_error", message);
  if (status === 529) return envelope("overloaded_error", "Overloaded");
  if (status >= 500) return envelope("api_error", message);
  return envelope("invalid_request_error", message);
}

/** `x-ratelimit-*` (OpenAI durations) → `anthropic-ratelimit-*` (RFC 3339 resets); `retry-after` kept. */
export function toAnthropicHeaders(headers: Record<string, string | string[] | undefined>, now: number): Record<string, string> {
  const out: Record<string, string> = {};
  const get = (name: string) => (typeof headers[name] === "string" ? (headers[name] as string) : undefined);
  const reset = (value: string | undefined) => {
    const ms = parseResetDuration(value);
    return ms === undefined ? undefined : new Date(now + ms).toISOString();
  };
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) out[`anthropic-ratelimit-${name}`] = value;
  };
  set("requests-limit", get("x-ratelimit-limit-requests"));
  set("requests-remaining", get("x-ratelimit-remaining-requests"));
  set("requests-reset", reset(get("x-ratelimit-reset-requests")));
  for (const group of ["tokens", "input-tokens"]) {
    set(`${group}-limit`, get("x-ratelimit-limit-tokens"));
    set(`${group}-remaining`, get("x-ratelimit-remaining-tokens"));
    set(`${group}-reset`, reset(get("x-ratelimit-reset-tokens")));
  }
  const retryAfter = get("retry-after");
  if (retryAfter !== undefined) out["retry-after"] = retryAfter;
  return out;
}

/** Formats one Anthropic SSE event. */
export function sseEvent(type: string, data: Json | string): string {
  return `event: ${type}\ndata: ${typeof data === "string" ? data : JSON.stringify({ type, ...data })}\n\n`;
}

/**
 * Translates OpenAI stream chunks into Anthropic events, as they arrive. `dropStopReason` simulates an
 * upstream that closes before its final `message_delta`.
 */
export class StreamTranslator {
  #started = false;
  #block = -1;
  #open: "text" | "tool" | undefined;
  #toolBlocks = new Map<number, number>();
  #stop: string | null = null;
  #deltaSent = false;
  #usage = { input_tokens: 0, output_tokens: 0 };

  constructor(readonly options: { dropStopReason?: boolean; pings?: boolean } = {}) {}

  /** Events for one `data:` payload (an OpenAI chunk, an error object, `[DONE]`, or garbage). */
  data(payload: string): string {
    if (payload.trim() === "[DONE]") return this.done();
    let chunk: Json;
    try {
      chunk = JSON.parse(payload);
    } catch {
      // The malformed event reaches the client as it was: an Anthropic event whose data is not JSON.
      return `event: content_block_delta\ndata: ${payload}\n\n`;
    }
    if (chunk.error) {
      const type = chunk.error.type === "server_error" || !chunk.error.type ? "api_error" : chunk.error.type;
      return sseEvent("error", { error: { type, message: chunk.error.message } });
    }
    let out = "";
    if (!this.#started) {
      this.#started = true;
      const message = { id: `msg_${chunk.id}`, type: "message", role: "assistant", model: chunk.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 1 } };
      out += sseEvent("message_start", { message });
      if (this.options.pings) out += sseEvent("ping", {});
    }
    const choice = chunk.choices?.[0];
    if (typeof choice?.delta?.content === "string" && choice.delta.content !== "") {
      if (this.#open !== "text") out += this.#start({ type: "text", text: "" }, "text");
      out += sseEvent("content_block_delta", { index: this.#block, delta: { type: "text_delta", text: choice.delta.content } });
    }
    for (const call of choice?.delta?.tool_calls ?? []) {
      if (call.id) {
        out += this.#start({ type: "tool_use", id: call.id, name: call.function?.name, input: {} }, "tool");
        this.#toolBlocks.set(call.index, this.#block);
        // Anthropic opens every tool input with an empty partial_json.
        out += sseEvent("content_block_delta", { index: this.#block, delta: { type: "input_json_delta", partial_json: "" } });
      }
      if (call.function?.arguments) {
        out += sseEvent("content_block_delta", { index: this.#toolBlocks.get(call.index), delta: { type: "input_json_delta", partial_json: call.function.arguments } });
      }
      if (this.options.pings) out += sseEvent("ping", {});
    }
    if (choice?.finish_reason) {
      out += this.#close();
      this.#stop = toStopReason(choice.finish_reason);
    }
    if (chunk.usage) {
      this.#usage = { input_tokens: chunk.usage.prompt_tokens, output_tokens: chunk.usage.completion_tokens };
      if (this.#stop !== null) out += this.#delta();
    }
    return out;
  }

  /** Events for `[DONE]`: the final `message_delta` if still owed, then `message_stop`. */
  done(): string {
    if (this.options.dropStopReason) return "";
    return `${this.#stop !== null && !this.#deltaSent ? this.#delta() : ""}${sseEvent("message_stop", {})}`;
  }

  #delta(): string {
    if (this.#deltaSent || this.options.dropStopReason) return "";
    this.#deltaSent = true;
    return sseEvent("message_delta", { delta: { stop_reason: this.#stop, stop_sequence: null }, usage: this.#usage });
  }

  #start(block: Json, kind: "text" | "tool"): string {
    const closing = this.#close();
    this.#block += 1;
    this.#open = kind;
    return `${closing}${sseEvent("content_block_start", { index: this.#block, content_block: block })}`;
  }

  #close(): string {
    if (this.#open === undefined) return "";
    this.#open = undefined;
    return sseEvent("content_block_stop", { index: this.#block });
  }
}
