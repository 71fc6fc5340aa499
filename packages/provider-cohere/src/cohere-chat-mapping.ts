import type { ChatCompletionRequest, ChatResponseFormat, ChatTool, ChatToolChoice } from "@modelmesh/core";
import { unsupportedRequestError } from "./cohere-error-mapping.js";
import { convertToCohereMessages } from "./cohere-message-mapping.js";
import type { CohereChatRequest, CohereTool } from "./cohere-wire.js";

/**
 * OpenAI chat request → Cohere `POST /v2/chat` body (pure). Messages are converted by
 * `cohere-message-mapping.ts`; this file maps parameters, tools, tool choice and response format.
 *
 * | OpenAI | Cohere v2 |
 * |---|---|
 * | `max_completion_tokens` / `max_tokens` | `max_tokens` (unset: the model's maximum) |
 * | `temperature`, `seed` | `temperature`, `seed` |
 * | `top_p` | `p` |
 * | `stop` (string or list) | `stop_sequences` (list) |
 * | `frequency_penalty`, `presence_penalty` | the same names (Cohere accepts 0–1 and rejects the rest with a 400) |
 * | `tools[].function` | `tools[].function` (`parameters` defaults to an empty object schema) |
 * | `tools[].function.strict: true` | `strict_tools: true` (Cohere's switch covers every tool; a warning when only some asked) |
 * | `tool_choice` `auto` / `required` / `none` | omitted / `REQUIRED` / `NONE` |
 * | `tool_choice` `{function: {name}}` | only that tool is sent, with `REQUIRED` (Cohere cannot name one tool) |
 * | `response_format` `json_object` | `{type: "json_object"}` |
 * | `response_format` `json_schema` | `{type: "json_object", json_schema: <schema>}` |
 * | `response_format` `text` | omitted (the default) |
 * | `stream` | `stream` (always sent, as the official SDK does) |
 *
 * Refused with `MM_INVALID_REQUEST` (Cohere would answer something else than asked): `n > 1`, a non-empty
 * `logit_bias`, `logprobs: true`, `top_logprobs`, `parallel_tool_calls: false`, audio output (`audio`,
 * `modalities` other than text), `prediction`, `web_search_options`, `reasoning_effort` (send Cohere's
 * `thinking` instead), `verbosity`, legacy `functions` / `function_call`.
 *
 * Not sent, reported through `CallOptions.onWarning` (bookkeeping only, the answer is the same): `user`,
 * `safety_identifier`, `metadata`, `store`, `prompt_cache_key`, `service_tier`, message `name`s.
 * `stream_options` is honoured as is (Cohere streams always report usage).
 *
 * Any other field passes through untouched, so Cohere-only parameters (`k`, `documents`, `citation_options`,
 * `safety_mode`, `strict_tools`, `thinking`, `priority`…) can be sent as they are.
 */

/** The converted request and the warnings of what was not sent. */
export interface CohereRequestPlan {
  body: CohereChatRequest;
  warnings: string[];
}

/** OpenAI fields this mapping translates. */
const TRANSLATED: ReadonlySet<string> = new Set([
  "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "stream", "stream_options", "seed",
  "frequency_penalty", "presence_penalty", "tools", "tool_choice", "parallel_tool_calls", "response_format", "n", "logprobs",
  "top_logprobs", "logit_bias", "modalities",
]);

/** OpenAI bookkeeping fields Cohere has no place for: not sent, with a warning. */
const WARNED: ReadonlySet<string> = new Set(["user", "safety_identifier", "metadata", "store", "prompt_cache_key", "service_tier"]);

/** OpenAI fields that change the answer and have no Cohere form: refused. */
const REFUSED: Readonly<Record<string, string>> = {
  audio: "Cohere chat answers in text only",
  prediction: "Cohere has no predicted outputs",
  web_search_options: "Cohere chat has no built-in web search; pass documents or tools instead",
  reasoning_effort: "send Cohere's own `thinking: {type: \"enabled\", token_budget}` instead",
  verbosity: "Cohere has no verbosity setting",
  functions: "use tools",
  function_call: "use tool_choice",
};

/**
 * Converts an OpenAI chat request to a Cohere v2 chat body.
 * @throws ProviderError `MM_INVALID_REQUEST` for what Cohere cannot express (see the module comment).
 */
export function convertToCohereRequest(request: ChatCompletionRequest, options: { stream: boolean }): CohereRequestPlan {
  if (!Array.isArray(request.messages)) throw unsupportedRequestError("the request has no messages array");
  if (request.n != null && request.n !== 1) throw unsupportedRequestError(`n = ${request.n} is not supported`, "Cohere returns one answer per request; send n: 1");
  if (request.logit_bias != null && Object.keys(request.logit_bias).length > 0) throw unsupportedRequestError("logit_bias is not supported by Cohere's v2 chat");
  if (request.logprobs === true || request.top_logprobs != null) throw unsupportedRequestError("logprobs / top_logprobs are not supported by this connector", "Remove them (Cohere's logprobs use a different shape)");
  if (request.parallel_tool_calls === false) throw unsupportedRequestError("parallel_tool_calls: false is not supported", "Cohere may call several tools in one turn; remove the field");
  if (Array.isArray(request.modalities) && request.modalities.some((modality) => modality !== "text")) throw unsupportedRequestError(`modalities ${JSON.stringify(request.modalities)} are not supported`, "Cohere chat answers in text only");
  for (const [key, why] of Object.entries(REFUSED)) if (request[key] != null) throw unsupportedRequestError(`${key} is not supported`, why);

  const { messages, warnings } = convertToCohereMessages(request.messages);
  const body: CohereChatRequest = { model: request.model, messages, stream: options.stream };
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === "number") body.max_tokens = maxTokens;
  if (typeof request.temperature === "number") body.temperature = request.temperature;
  if (typeof request.top_p === "number") body.p = request.top_p;
  const stop = typeof request.stop === "string" ? [request.stop] : Array.isArray(request.stop) ? request.stop : [];
  if (stop.length > 0) body.stop_sequences = [...stop];
  if (typeof request.seed === "number") body.seed = request.seed;
  if (typeof request.frequency_penalty === "number") body.frequency_penalty = request.frequency_penalty;
  if (typeof request.presence_penalty === "number") body.presence_penalty = request.presence_penalty;
  applyTools(body, request, warnings);
  applyResponseFormat(body, request.response_format as ChatResponseFormat | undefined);
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || TRANSLATED.has(key) || key in REFUSED || key in body) continue;
    if (WARNED.has(key)) {
      if (value !== null) warnings.push(`${key} is not sent: Cohere has no such field`);
      continue;
    }
    body[key] = value;
  }
  return { body, warnings };
}

function applyTools(body: CohereChatRequest, request: ChatCompletionRequest, warnings: string[]): void {
  let tools = (request.tools ?? []).map(convertTool);
  const strict = (request.tools ?? []).filter((tool) => tool?.function?.strict === true).length;
  if (strict > 0 && request.strict_tools === undefined) {
    // Cohere's strictness is one switch for the whole request, not a per-tool flag.
    body.strict_tools = true;
    if (strict < tools.length) warnings.push(`strict is set on ${strict} of ${tools.length} tools; Cohere applies strict_tools to all of them`);
  }
  const choice: ChatToolChoice | undefined = request.tool_choice;
  if (choice === undefined || choice === "auto") {
    // Cohere's default: the model decides.
  } else if (choice === "none") {
    body.tool_choice = "NONE";
  } else if (choice === "required") {
    body.tool_choice = "REQUIRED";
  } else if (typeof choice === "object" && choice?.type === "function" && typeof choice.function?.name === "string") {
    const named = tools.filter((tool) => tool.function.name === choice.function.name);
    if (named.length === 0) throw unsupportedRequestError(`tool_choice names the function "${choice.function.name}", which is not in tools`);
    // Cohere cannot force one named tool: offering only that one and requiring a call has the same effect.
    tools = named;
    body.tool_choice = "REQUIRED";
  } else {
    throw unsupportedRequestError(`tool_choice ${JSON.stringify(choice)} is not supported`, 'Use "auto", "none", "required" or {type: "function", function: {name}}');
  }
  if (body.tool_choice !== undefined && tools.length === 0) throw unsupportedRequestError(`tool_choice "${String(request.tool_choice === "none" ? "none" : "required")}" needs tools`, "Send tools with it, or remove tool_choice");
  if (tools.length > 0) body.tools = tools;
}

function convertTool(tool: ChatTool, index: number): CohereTool {
  if (tool?.type !== "function" || typeof tool.function?.name !== "string") {
    throw unsupportedRequestError(`tools[${index}] is not a function tool`, "Cohere tools are functions with a JSON Schema");
  }
  const parameters = tool.function.parameters && typeof tool.function.parameters === "object" ? tool.function.parameters : { type: "object", properties: {} };
  return { type: "function", function: { name: tool.function.name, ...(tool.function.description ? { description: tool.function.description } : {}), parameters } };
}

function applyResponseFormat(body: CohereChatRequest, format: ChatResponseFormat | undefined): void {
  if (format === undefined || format === null || format.type === "text") return;
  if (format.type === "json_object") {
    body.response_format = { type: "json_object" };
    return;
  }
  if (format.type === "json_schema") {
    const schema = format.json_schema?.schema;
    body.response_format = schema ? { type: "json_object", json_schema: schema } : { type: "json_object" };
    return;
  }
  throw unsupportedRequestError(`response_format type ${JSON.stringify((format as { type?: unknown }).type)} is not supported`, "Use text, json_object or json_schema");
}
