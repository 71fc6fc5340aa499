import type { ChatCompletionRequest, ChatResponseFormat, ChatTool, ChatToolChoice } from "@modelmesh/core";
import { convertToGeminiContents } from "./gemini-message-mapping.js";
import { convertToGeminiSchema } from "./gemini-schema.js";
import type { GeminiFunctionDeclaration, GeminiGenerateContentRequest, GeminiGenerationConfig, GeminiToolConfig } from "./gemini-wire.js";

/**
 * OpenAI chat request → Gemini `generateContent` body. Pure; see `gemini-message-mapping.ts` for messages
 * and `gemini-schema.ts` for schemas. Parameters map one to one:
 *
 * | OpenAI                                  | Gemini `generationConfig`                                 |
 * |-----------------------------------------|-----------------------------------------------------------|
 * | temperature, top_p, seed                | temperature, topP, seed                                   |
 * | max_completion_tokens ?? max_tokens     | maxOutputTokens                                           |
 * | stop (string or list)                   | stopSequences (list)                                      |
 * | n                                       | candidateCount                                            |
 * | presence_penalty, frequency_penalty     | presencePenalty, frequencyPenalty                         |
 * | response_format json_object             | responseMimeType `application/json`                       |
 * | response_format json_schema             | + responseJsonSchema (schema as is) or responseSchema     |
 * | top_k (non-standard, common)            | topK                                                      |
 * | reasoning_effort                        | thinkingConfig.thinkingBudget (Google's own OpenAI-compat |
 * |                                         | table: none 0, minimal/low 1024, medium 8192, high 24576) |
 *
 * `tools` → one `{functionDeclarations}` tool (parameters sanitised to Gemini's schema subset); `tool_choice`
 * → `toolConfig.functionCallingConfig` (`auto` AUTO, `none` NONE, `required` ANY, a named function ANY +
 * `allowedFunctionNames`). `extra_body.google` carries native Gemini fields (`safetySettings`,
 * `cachedContent`, `thinkingConfig`, `generationConfig`, …), merged in last.
 *
 * Gemini rejects unknown fields, so nothing else is passed through: fields without a Gemini equivalent
 * (`logit_bias`, `logprobs`, `user`, `parallel_tool_calls: false`, …) and unknown fields are left out and
 * reported as warnings, never silently.
 */

/** Something the mapping could not send as asked. */
export interface GeminiMappingWarning {
  /** The request field concerned, e.g. `logit_bias` or `tools[0].function.parameters`. */
  field: string;
  /** What happened to it. */
  message: string;
}

/** How `response_format: json_schema` is sent. */
export type GeminiSchemaMode = "json-schema" | "openapi";

/** Options of {@link convertToGeminiRequest}. */
export interface GeminiRequestOptions {
  /**
   * `json-schema`: `responseJsonSchema`, the schema as written (Gemini 2.5 and later); `openapi`:
   * `responseSchema`, sanitised to the OpenAPI subset (every model). Default `json-schema`.
   */
  schemaMode?: GeminiSchemaMode;
}

/** The body plus what could not be sent. */
export interface GeminiRequestConversion {
  body: GeminiGenerateContentRequest;
  warnings: GeminiMappingWarning[];
}

/** Fields this mapping reads (or that belong to the HTTP call, like `stream`). */
const HANDLED = new Set([
  "model", "messages", "stream", "stream_options", "temperature", "top_p", "top_k", "n", "stop", "max_tokens",
  "max_completion_tokens", "presence_penalty", "frequency_penalty", "seed", "tools", "tool_choice", "response_format",
  "reasoning_effort", "extra_body",
]);

/** Google's OpenAI-compatibility table for `reasoning_effort` (https://ai.google.dev/gemini-api/docs/openai). */
const THINKING_BUDGET: Readonly<Record<string, number>> = { none: 0, minimal: 1024, low: 1024, medium: 8192, high: 24576 };

function present<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function camelKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [snakeToCamel(key), inner]));
}

/** Maps OpenAI `tools` to function declarations; non-function tools are skipped with a warning. */
export function convertToGeminiTools(tools: readonly ChatTool[], warnings: GeminiMappingWarning[]): GeminiFunctionDeclaration[] {
  const declarations: GeminiFunctionDeclaration[] = [];
  tools.forEach((tool, index) => {
    if (tool?.type !== "function" || !tool.function?.name) {
      warnings.push({ field: `tools[${index}]`, message: `tool type "${String(tool?.type)}" has no Gemini equivalent; not sent` });
      return;
    }
    const declaration: GeminiFunctionDeclaration = { name: tool.function.name };
    if (tool.function.description) declaration.description = tool.function.description;
    const parameters = tool.function.parameters;
    // Gemini rejects an OBJECT schema without properties: a function without arguments declares none.
    if (isRecord(parameters) && isRecord(parameters.properties) && Object.keys(parameters.properties).length > 0) {
      const { schema, dropped } = convertToGeminiSchema(parameters);
      declaration.parameters = schema;
      if (dropped.length > 0) warnings.push({ field: `tools[${index}].function.parameters`, message: `JSON Schema keywords Gemini does not accept were dropped: ${dropped.join(", ")}` });
    }
    declarations.push(declaration);
  });
  return declarations;
}

/** Maps `tool_choice` to Gemini's function calling config. */
export function convertToGeminiToolConfig(choice: ChatToolChoice, warnings: GeminiMappingWarning[]): GeminiToolConfig | undefined {
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } };
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } };
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } };
  if (isRecord(choice) && choice.type === "function" && typeof choice.function?.name === "string") {
    return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.function.name] } };
  }
  warnings.push({ field: "tool_choice", message: "this tool_choice has no Gemini equivalent; the model decides (AUTO)" });
  return undefined;
}

/** Writes `response_format` into the generation config. */
function applyResponseFormat(format: ChatResponseFormat, config: GeminiGenerationConfig, mode: GeminiSchemaMode, warnings: GeminiMappingWarning[]): void {
  if (format.type === "text") return;
  config.responseMimeType = "application/json";
  if (format.type !== "json_schema" || !isRecord(format.json_schema?.schema)) return;
  if (mode === "json-schema") {
    config.responseJsonSchema = format.json_schema.schema;
    return;
  }
  const { schema, dropped } = convertToGeminiSchema(format.json_schema.schema);
  config.responseSchema = schema;
  if (dropped.length > 0) warnings.push({ field: "response_format.json_schema.schema", message: `JSON Schema keywords Gemini does not accept were dropped: ${dropped.join(", ")}` });
}

function generationConfigOf(request: ChatCompletionRequest, options: GeminiRequestOptions, warnings: GeminiMappingWarning[]): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (present(request.temperature)) config.temperature = request.temperature;
  if (present(request.top_p)) config.topP = request.top_p;
  if (typeof request.top_k === "number") config.topK = request.top_k;
  if (present(request.n)) config.candidateCount = request.n;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (present(maxTokens)) config.maxOutputTokens = maxTokens;
  if (present(request.stop)) config.stopSequences = typeof request.stop === "string" ? [request.stop] : [...request.stop];
  if (present(request.seed)) config.seed = request.seed;
  if (present(request.presence_penalty)) config.presencePenalty = request.presence_penalty;
  if (present(request.frequency_penalty)) config.frequencyPenalty = request.frequency_penalty;
  if (present(request.response_format)) applyResponseFormat(request.response_format, config, options.schemaMode ?? "json-schema", warnings);
  if (typeof request.reasoning_effort === "string") {
    const budget = THINKING_BUDGET[request.reasoning_effort];
    if (budget !== undefined) config.thinkingConfig = { thinkingBudget: budget };
    else warnings.push({ field: "reasoning_effort", message: `unknown reasoning_effort "${request.reasoning_effort}"; not sent` });
  }
  return config;
}

/** Merges `extra_body.google` (native Gemini fields, camelCase or snake_case keys) into the body. */
function applyGoogleExtras(body: GeminiGenerateContentRequest, config: GeminiGenerationConfig, extraBody: unknown): void {
  const google = isRecord(extraBody) && isRecord(extraBody.google) ? camelKeys(extraBody.google) : undefined;
  if (!google) return;
  const { generationConfig, thinkingConfig, ...rest } = google;
  if (isRecord(generationConfig)) Object.assign(config, camelKeys(generationConfig));
  if (isRecord(thinkingConfig)) config.thinkingConfig = { ...config.thinkingConfig, ...camelKeys(thinkingConfig) };
  Object.assign(body, rest);
}

/**
 * Converts an OpenAI chat request into a Gemini `generateContent` body (the same body serves
 * `streamGenerateContent`; the model goes in the URL). See the module comment for the mapping.
 * @throws ProviderError `MM_INVALID_REQUEST` for messages without a Gemini form.
 * @example
 * const { body } = convertToGeminiRequest({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }], max_tokens: 50 });
 * // body = { contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { maxOutputTokens: 50 } }
 */
export function convertToGeminiRequest(request: ChatCompletionRequest, options: GeminiRequestOptions = {}): GeminiRequestConversion {
  const warnings: GeminiMappingWarning[] = [];
  const { systemInstruction, contents } = convertToGeminiContents(request.messages ?? []);
  const body: GeminiGenerateContentRequest = { contents };
  if (systemInstruction) body.systemInstruction = systemInstruction;
  const declarations = Array.isArray(request.tools) ? convertToGeminiTools(request.tools, warnings) : [];
  if (declarations.length > 0) {
    body.tools = [{ functionDeclarations: declarations }];
    const toolConfig = present(request.tool_choice) ? convertToGeminiToolConfig(request.tool_choice, warnings) : undefined;
    if (toolConfig) body.toolConfig = toolConfig;
  }
  const config = generationConfigOf(request, options, warnings);
  applyGoogleExtras(body, config, request.extra_body);
  if (Object.keys(config).length > 0) body.generationConfig = config;

  for (const [field, value] of Object.entries(request)) {
    if (HANDLED.has(field) || !present(value)) continue;
    // `parallel_tool_calls: true` is Gemini's behaviour anyway (it may return several calls per turn).
    if (field === "parallel_tool_calls" && value === true) continue;
    warnings.push({ field, message: "no Gemini equivalent; not sent" });
  }
  return { body, warnings };
}
