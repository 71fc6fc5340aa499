import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChatFinishReason, ChatToolCall, ChatToolCallDelta } from "@modelmesh/core";

/**
 * Declarative field mapping for `HttpApiProvider`: dot paths (`output.text`, `choices.0.message.content`;
 * numeric segments index arrays) that say where each OpenAI field lives in a vendor's REST format. Pure
 * functions only; the provider class does the I/O.
 */

/** Where request fields go in the vendor payload. `null` leaves a field out. */
export interface HttpApiRequestMapping {
  /** Default `model`. */
  model?: string | null;
  /** Default `messages`. */
  messages?: string | null;
  /** Default `temperature`. */
  temperature?: string | null;
  /** Default `max_tokens` (from `max_tokens`, else `max_completion_tokens`). */
  maxTokens?: string | null;
  /** Default `tools`. */
  tools?: string | null;
  /** Default `tool_choice`. */
  toolChoice?: string | null;
  /** Where `true` is written for streaming calls. Default `stream`. */
  stream?: string | null;
  /** Constants written at the given paths (keys are paths, values copied verbatim). */
  extraFields?: Record<string, unknown>;
  /** OpenAI request fields copied as-is under the same name (e.g. `top_p`, `stop`). */
  passThrough?: string[];
}

/** Where response fields are read from, for whole responses or stream chunks. */
export interface HttpApiResponseMapping {
  id?: string;
  model?: string;
  content?: string;
  toolCalls?: string;
  finishReason?: string;
  promptTokens?: string;
  completionTokens?: string;
  totalTokens?: string;
}

/** Defaults: the OpenAI layout, so an unmapped field behaves like OpenAI's. */
export const DEFAULT_REQUEST_MAPPING = {
  model: "model",
  messages: "messages",
  temperature: "temperature",
  maxTokens: "max_tokens",
  tools: "tools",
  toolChoice: "tool_choice",
  stream: "stream",
} as const satisfies HttpApiRequestMapping;

/** Default response paths (non-streamed). */
export const DEFAULT_RESPONSE_MAPPING: Required<HttpApiResponseMapping> = {
  id: "id",
  model: "model",
  content: "choices.0.message.content",
  toolCalls: "choices.0.message.tool_calls",
  finishReason: "choices.0.finish_reason",
  promptTokens: "usage.prompt_tokens",
  completionTokens: "usage.completion_tokens",
  totalTokens: "usage.total_tokens",
};

/** Default stream chunk paths. */
export const DEFAULT_STREAM_MAPPING: Required<HttpApiResponseMapping> = {
  ...DEFAULT_RESPONSE_MAPPING,
  content: "choices.0.delta.content",
  toolCalls: "choices.0.delta.tool_calls",
};

/** Vendor finish reasons → OpenAI's; extended by `finishReasonMap`. Unknown non-empty values map to `stop`. */
export const DEFAULT_FINISH_REASONS: Readonly<Record<string, ChatFinishReason>> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  content_filter: "content_filter",
  function_call: "function_call",
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
};

/** Reads a dot path; missing segments yield undefined. */
export function getPath(value: unknown, path: string): unknown {
  let current = value;
  for (const segment of path.split(".")) {
    if (current === null || current === undefined || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Writes a dot path, creating objects (or arrays, for numeric next segments) on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split(".");
  let current: Record<string, unknown> = target;
  segments.forEach((segment, index) => {
    if (index === segments.length - 1) {
      current[segment] = value;
      return;
    }
    const next = current[segment];
    if (typeof next !== "object" || next === null) current[segment] = /^\d+$/.test(segments[index + 1] ?? "") ? [] : {};
    current = current[segment] as Record<string, unknown>;
  });
}

/** Maps an OpenAI request to the vendor payload. Only mapped, passed-through and constant fields are sent. */
export function mapRequest(request: ChatCompletionRequest, mapping: HttpApiRequestMapping): Record<string, unknown> {
  const m = { ...DEFAULT_REQUEST_MAPPING, ...mapping };
  const payload: Record<string, unknown> = {};
  const put = (path: string | null | undefined, value: unknown) => {
    if (path && value !== undefined && value !== null) setPath(payload, path, value);
  };
  put(m.model, request.model);
  put(m.messages, request.messages);
  put(m.temperature, request.temperature);
  put(m.maxTokens, request.max_tokens ?? request.max_completion_tokens);
  put(m.tools, request.tools);
  put(m.toolChoice, request.tool_choice);
  if (request.stream) put(m.stream, true);
  for (const field of m.passThrough ?? []) put(field, request[field]);
  for (const [path, value] of Object.entries(m.extraFields ?? {})) setPath(payload, path, value);
  return payload;
}

function mapFinish(value: unknown, map: Readonly<Record<string, ChatFinishReason>>): ChatFinishReason | null {
  if (typeof value !== "string" || value === "") return null;
  return map[value] ?? DEFAULT_FINISH_REASONS[value] ?? "stop";
}

function numberAt(json: unknown, path: string): number | undefined {
  const value = getPath(json, path);
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function stringAt(json: unknown, path: string, fallback: string): string {
  const value = getPath(json, path);
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : fallback;
}

function usageAt(json: unknown, m: Required<HttpApiResponseMapping>) {
  const prompt = numberAt(json, m.promptTokens);
  const completion = numberAt(json, m.completionTokens);
  if (prompt === undefined && completion === undefined) return undefined;
  const promptTokens = prompt ?? 0;
  const completionTokens = completion ?? 0;
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: numberAt(json, m.totalTokens) ?? promptTokens + completionTokens };
}

/** Context of a mapping call: the requested model (fallback for `model`) and the finish-reason table. */
export interface MappingContext {
  model: string;
  finishReasons: Readonly<Record<string, ChatFinishReason>>;
  now: number;
}

/** Maps a vendor response to an OpenAI chat completion. */
export function mapResponse(json: unknown, mapping: HttpApiResponseMapping, context: MappingContext): ChatCompletion {
  const m = { ...DEFAULT_RESPONSE_MAPPING, ...mapping };
  const content = getPath(json, m.content);
  const toolCalls = getPath(json, m.toolCalls);
  const usage = usageAt(json, m);
  const completion: ChatCompletion = {
    id: stringAt(json, m.id, `chatcmpl-${context.now}`),
    object: "chat.completion",
    created: Math.floor(context.now / 1000),
    model: stringAt(json, m.model, context.model),
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: typeof content === "string" ? content : null,
          ...(Array.isArray(toolCalls) && toolCalls.length > 0 ? { tool_calls: toolCalls as ChatToolCall[] } : {}),
        },
        finish_reason: mapFinish(getPath(json, m.finishReason), context.finishReasons) ?? "stop",
      },
    ],
  };
  if (usage) completion.usage = usage;
  return completion;
}

/** Maps one vendor stream payload to a chunk; `null` when it carries nothing (no text, tools, finish or usage). */
export function mapStreamChunk(json: unknown, mapping: HttpApiResponseMapping, context: MappingContext): ChatCompletionChunk | null {
  const m = { ...DEFAULT_STREAM_MAPPING, ...mapping };
  const content = getPath(json, m.content);
  const toolCalls = getPath(json, m.toolCalls);
  const finish = mapFinish(getPath(json, m.finishReason), context.finishReasons);
  const usage = usageAt(json, m);
  const hasText = typeof content === "string" && content !== "";
  const hasTools = Array.isArray(toolCalls) && toolCalls.length > 0;
  if (!hasText && !hasTools && finish === null && !usage) return null;
  const chunk: ChatCompletionChunk = {
    id: stringAt(json, m.id, `chatcmpl-${context.now}`),
    object: "chat.completion.chunk",
    created: Math.floor(context.now / 1000),
    model: stringAt(json, m.model, context.model),
    choices:
      hasText || hasTools || finish !== null
        ? [
            {
              index: 0,
              delta: {
                ...(hasText ? { content: content as string } : {}),
                ...(hasTools ? { tool_calls: toolCalls as ChatToolCallDelta[] } : {}),
              },
              finish_reason: finish,
            },
          ]
        : [],
  };
  if (usage) chunk.usage = usage;
  return chunk;
}
