import type { ModelInfo } from "@modelmesh/core";

/**
 * Maps a `GET /models` response to `ModelInfo`s. OpenAI lists ids only; several compatible vendors add
 * `context_window` / `context_length` (OpenRouter, Groq, Together) and `max_output_tokens` /
 * `max_completion_tokens`, which are used when present. Unknown sizes stay undefined: a guessed context
 * window (such as a flat 4096) would make the router filter wrongly.
 */
export function modelsFromList(json: unknown, capabilities: readonly string[]): ModelInfo[] | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const data = (json as { data?: unknown }).data ?? (json as { models?: unknown }).models;
  if (!Array.isArray(data)) return undefined;
  const models: ModelInfo[] = [];
  for (const entry of data) {
    if (typeof entry !== "object" || entry === null) continue;
    const record = entry as Record<string, unknown>;
    const id = typeof record.id === "string" ? record.id : typeof record.name === "string" ? record.name : undefined;
    if (!id) continue;
    const info: ModelInfo = { id, name: typeof record.name === "string" ? record.name : id, capabilities: [...capabilities] };
    const contextWindow = positive(record.context_window) ?? positive(record.context_length);
    if (contextWindow !== undefined) info.contextWindow = contextWindow;
    const maxOutput =
      positive(record.max_output_tokens) ??
      positive(record.max_completion_tokens) ??
      positive((record.top_provider as Record<string, unknown> | undefined)?.max_completion_tokens);
    if (maxOutput !== undefined) info.maxOutputTokens = maxOutput;
    models.push(info);
  }
  return models;
}

function positive(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}
