import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ModelInfo,
  TranscriptionRequest,
} from "@modelmesh/core";

/** Pure mapping helpers used by the provider base class (no I/O here). */

/** A copy of `value` without the given keys. */
export function omitKeys<T extends object>(value: T, keys: readonly string[]): T {
  const out = { ...value } as Record<string, unknown>;
  // `delete` turns the copy into a slow dictionary object (and its later JSON.stringify slower): only when needed.
  for (const key of keys) if (key in out) delete out[key];
  return out as T;
}

/**
 * The request actually sent for a stream: `stream: true`, and `stream_options.include_usage: true` unless the
 * provider declared stream usage unsupported (then any `stream_options` is removed, since such upstreams
 * reject the field).
 */
export function toStreamRequest(request: ChatCompletionRequest, streamUsage: boolean): ChatCompletionRequest {
  if (!streamUsage) return { ...omitKeys(request, ["stream_options"]), stream: true };
  return { ...request, stream: true, stream_options: { ...(request.stream_options ?? {}), include_usage: true } };
}

/**
 * Converts a non-streamed completion into one stream chunk. Some OpenAI-compatible servers ignore
 * `stream: true` and answer with plain JSON; the caller still gets a well-formed stream.
 */
export function completionToChunk(completion: ChatCompletion): ChatCompletionChunk {
  const chunk: ChatCompletionChunk = {
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
    choices: completion.choices.map((choice) => ({
      index: choice.index,
      delta: {
        role: "assistant",
        content: choice.message.content,
        ...(choice.message.tool_calls
          ? { tool_calls: choice.message.tool_calls.map((call, index) => ({ index, ...call })) }
          : {}),
        ...(choice.message.refusal != null ? { refusal: choice.message.refusal } : {}),
      },
      finish_reason: choice.finish_reason ?? "stop",
    })),
  };
  if (completion.usage) chunk.usage = completion.usage;
  return chunk;
}

/**
 * A whole completion as the chunks of a stream, the way OpenAI streams report usage: the content chunk, then a
 * final chunk with `choices: []` and the usage. For native protocols whose stream request was answered with a
 * whole message (or that fake a stream from one).
 * @example
 * for (const chunk of completionToChunks(completion)) yield chunk;
 */
export function completionToChunks(completion: ChatCompletion): ChatCompletionChunk[] {
  return splitUsage(completionToChunk(completion));
}

/**
 * A finishing chunk that carries usage, as OpenAI streams send it: the chunk without the usage, then a final
 * chunk with `choices: []` and the usage. Any other chunk is returned as it is. For native protocols whose
 * last event carries both the finish reason and the usage.
 */
export function splitUsage(chunk: ChatCompletionChunk): ChatCompletionChunk[] {
  if (!chunk.usage || !chunk.choices.some((choice) => choice.finish_reason != null)) return [chunk];
  const { usage, ...rest } = chunk;
  return [rest, { id: chunk.id, object: "chat.completion.chunk", created: chunk.created, model: chunk.model, choices: [], usage }];
}

/** True when `value` has the minimal shape of a chat completion (an object with a `choices` array). */
export function looksLikeCompletion(value: unknown): value is ChatCompletion {
  return typeof value === "object" && value !== null && Array.isArray((value as { choices?: unknown }).choices);
}

/** Builds the multipart body of `POST /audio/transcriptions`: the file plus every other field as text. */
export function transcriptionForm(request: TranscriptionRequest): FormData {
  const form = new FormData();
  const file = request.file instanceof Blob ? request.file : new Blob([request.file as Uint8Array<ArrayBuffer>]);
  form.append("file", file, request.filename ?? "audio.wav");
  for (const [key, value] of Object.entries(request)) {
    if (key === "file" || key === "filename" || value === undefined || value === null) continue;
    form.append(key, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  return form;
}

/** Capability paths served by a set of models (first-seen order, no duplicates). */
export function capabilitiesOf(models: readonly ModelInfo[]): string[] {
  return [...new Set(models.flatMap((model) => model.capabilities))];
}
