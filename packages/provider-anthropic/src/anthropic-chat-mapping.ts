import type { ChatCompletionRequest, ChatResponseFormat, ChatTool, ChatToolChoice } from "@modelmesh/core";
import { unsupportedRequestError } from "./anthropic-error-mapping.js";
import { convertToAnthropicMessages } from "./anthropic-message-mapping.js";
import type { AnthropicMessagesRequest, AnthropicTool, AnthropicToolChoice } from "./anthropic-wire.js";

/**
 * OpenAI chat request → Anthropic Messages request (pure). Messages are converted by
 * `anthropic-message-mapping.ts`; this file maps parameters, tools, tool choice and structured output.
 *
 * | OpenAI | Anthropic |
 * |---|---|
 * | `max_completion_tokens` / `max_tokens` | `max_tokens` (required; default from the model catalogue) |
 * | `temperature` (0–2) | `temperature` (0–1; higher values are clamped to 1) |
 * | `top_p`, `stop` | `top_p`, `stop_sequences` |
 * | `user` (or `safety_identifier`) | `metadata.user_id` |
 * | `tools[].function.parameters` | `tools[].input_schema` |
 * | `tool_choice` auto / none / required / {function} | `{type: auto}` / `{type: none}` / `{type: any}` / `{type: tool, name}` |
 * | `parallel_tool_calls: false` | `tool_choice.disable_parallel_tool_use: true` |
 * | `response_format` json_schema / json_object | a forced tool whose input is the answer (see below) |
 *
 * Structured output: by default a `json_schema` (or `json_object`) response format becomes one extra tool
 * whose `input_schema` is the schema, and `tool_choice` forces it; the tool's input is returned as the message
 * content. This is Anthropic's documented JSON technique, and works on every Claude model with tool use.
 * With `structured_output: native` the schema is sent as `output_config.format` instead (Anthropic's
 * structured outputs; only on models that support them).
 *
 * OpenAI fields without an Anthropic equivalent (penalties, `logit_bias`, `logprobs`, `seed`, `n: 1`…) are
 * dropped; any other unknown field passes through untouched, so Anthropic-only parameters such as `top_k`,
 * `thinking` or `service_tier` can be sent as they are.
 */

/** Settings of one conversion. */
export interface AnthropicRequestOptions {
  /** `max_tokens` when the request sets none. */
  defaultMaxTokens: number;
  /** How `response_format` json_schema is implemented: a forced tool (default) or `output_config.format`. */
  structuredOutput?: "tool" | "native";
  /** Sets `stream: true`. */
  stream?: boolean;
}

/** The converted request, plus what the response mapping must know about it. */
export interface AnthropicRequestPlan {
  /** The `POST /v1/messages` body. */
  body: AnthropicMessagesRequest;
  /** Name of the tool that carries a structured answer (forced-tool approach), when one was added. */
  jsonTool?: string;
}

/** OpenAI fields this mapping translates (everything else passes through or is dropped). */
const TRANSLATED: ReadonlySet<string> = new Set([
  "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "stream", "user",
  "safety_identifier", "tools", "tool_choice", "parallel_tool_calls", "response_format", "n", "functions", "function_call",
]);

/** OpenAI fields that have no Anthropic equivalent; sending them would make the API reject the request. */
const DROPPED: ReadonlySet<string> = new Set([
  "stream_options", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "seed", "modalities",
  "metadata", "store", "reasoning_effort", "prediction", "audio", "web_search_options", "verbosity", "prompt_cache_key",
]);

/** Name used for a `json_object` answer tool (and a `json_schema` without a usable name). */
export const JSON_RESPONSE_TOOL = "json_response";

/**
 * Converts an OpenAI chat request to a Messages API request.
 * @throws ProviderError `MM_INVALID_REQUEST` for what Anthropic cannot express (`n > 1`, audio, bad images…).
 */
export function convertToAnthropicRequest(request: ChatCompletionRequest, options: AnthropicRequestOptions): AnthropicRequestPlan {
  if (!Array.isArray(request.messages)) throw unsupportedRequestError("the request has no messages array");
  if (request.n != null && request.n !== 1) throw unsupportedRequestError(`n = ${request.n} is not supported`, "Anthropic returns one choice per request; send n: 1");
  const { system, messages } = convertToAnthropicMessages(request.messages);
  const body: AnthropicMessagesRequest = {
    model: request.model,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? options.defaultMaxTokens,
    messages,
  };
  if (system !== undefined) body.system = system;
  // OpenAI's range is 0–2, Anthropic's 0–1: clamping keeps "as random as possible" instead of a 400.
  if (typeof request.temperature === "number") body.temperature = Math.min(1, Math.max(0, request.temperature));
  if (typeof request.top_p === "number") body.top_p = request.top_p;
  const stop = typeof request.stop === "string" ? [request.stop] : Array.isArray(request.stop) ? request.stop : [];
  if (stop.length > 0) body.stop_sequences = [...stop];
  const user = request.user ?? (typeof request.safety_identifier === "string" ? request.safety_identifier : undefined);
  if (user) body.metadata = { user_id: user };
  const jsonTool = applyTools(body, request, options);
  if (options.stream) body.stream = true;
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || TRANSLATED.has(key) || DROPPED.has(key) || key in body) continue;
    body[key] = value;
  }
  return jsonTool === undefined ? { body } : { body, jsonTool };
}

/** Sets `tools`, `tool_choice` and structured output; returns the answer tool's name when one was added. */
function applyTools(body: AnthropicMessagesRequest, request: ChatCompletionRequest, options: AnthropicRequestOptions): string | undefined {
  const legacy = Array.isArray(request.functions)
    ? (request.functions as ChatTool["function"][]).map((fn): ChatTool => ({ type: "function", function: fn }))
    : undefined;
  const tools = (request.tools ?? legacy ?? []).map(convertTool);
  let choice = request.tool_choice ?? legacyChoice(request.function_call);
  const format = request.response_format as ChatResponseFormat | undefined;
  let jsonTool: string | undefined;
  if (format?.type === "json_schema" && options.structuredOutput === "native") {
    body.output_config = { format: { type: "json_schema", schema: format.json_schema?.schema ?? { type: "object" } } };
  } else if (format?.type === "json_schema" || format?.type === "json_object") {
    const schema = format.type === "json_schema" ? format.json_schema?.schema : undefined;
    if (schema !== undefined && schema.type !== undefined && schema.type !== "object") {
      throw unsupportedRequestError(`response_format schema has root type "${String(schema.type)}"; the forced-tool approach needs an object`, "Wrap the value in an object, or set structured_output: native");
    }
    const wanted = format.type === "json_schema" ? sanitizeName(format.json_schema?.name) : JSON_RESPONSE_TOOL;
    jsonTool = uniqueName(wanted, tools);
    const description =
      (format.type === "json_schema" ? format.json_schema?.description : undefined) ??
      "Respond by calling this tool: its input is your final answer and must match the schema.";
    tools.push({ name: jsonTool, description, input_schema: inputSchema(schema ?? { type: "object" }) });
    // Without other tools the answer tool is forced; with them the model must call a tool, either a real
    // one or the answer tool (`none` means "no real tool", so the answer tool is forced).
    const userTools = tools.length > 1;
    if (!userTools || choice === "none") choice = { type: "function", function: { name: jsonTool } };
    else if (choice === undefined || choice === "auto") choice = "required";
  }
  if (tools.length === 0) return jsonTool;
  body.tools = tools;
  const converted = convertToolChoice(choice, request.parallel_tool_calls);
  if (converted) body.tool_choice = converted;
  return jsonTool;
}

function convertTool(tool: ChatTool, index: number): AnthropicTool {
  if (tool?.type !== "function" || typeof tool.function?.name !== "string") {
    throw unsupportedRequestError(`tools[${index}] is not a function tool`, "Anthropic client tools are functions with a JSON Schema");
  }
  return {
    name: tool.function.name,
    ...(tool.function.description ? { description: tool.function.description } : {}),
    input_schema: inputSchema(tool.function.parameters),
  };
}

/** Anthropic requires `input_schema.type: "object"`; OpenAI allows omitting the parameters entirely. */
function inputSchema(parameters: Record<string, unknown> | undefined): AnthropicTool["input_schema"] {
  if (!parameters || typeof parameters !== "object") return { type: "object", properties: {} };
  return { ...parameters, type: "object" };
}

function convertToolChoice(choice: ChatToolChoice | undefined, parallel: boolean | undefined): AnthropicToolChoice | undefined {
  const single = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: "auto", ...single } : undefined;
  if (choice === "auto") return { type: "auto", ...single };
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "any", ...single };
  if (typeof choice === "object" && choice?.type === "function" && typeof choice.function?.name === "string") {
    return { type: "tool", name: choice.function.name, ...single };
  }
  throw unsupportedRequestError(`tool_choice ${JSON.stringify(choice)} is not supported`, 'Use "auto", "none", "required" or {type: "function", function: {name}}');
}

/** The legacy `function_call` parameter as a `tool_choice`. */
function legacyChoice(call: unknown): ChatToolChoice | undefined {
  if (call === "auto" || call === "none") return call;
  if (typeof call === "object" && call !== null && typeof (call as { name?: unknown }).name === "string") {
    return { type: "function", function: { name: (call as { name: string }).name } };
  }
  return undefined;
}

function sanitizeName(name: string | undefined): string {
  const clean = (name ?? "").replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64);
  return clean === "" ? JSON_RESPONSE_TOOL : clean;
}

function uniqueName(name: string, tools: readonly AnthropicTool[]): string {
  let candidate = name;
  for (let n = 2; tools.some((tool) => tool.name === candidate); n++) candidate = `${name}_${n}`;
  return candidate;
}
