import type { ChatCompletionRequest, ChatContentPart, ChatMessage, ChatResponseFormat, ChatTool, ChatToolChoice } from "@modelmesh/core";
import { unsupportedRequestError } from "./bedrock-error-mapping.js";
import type { BedrockContentBlock, BedrockConverseRequest, BedrockImageFormat, BedrockMessage, BedrockToolChoice, BedrockToolSpec } from "./bedrock-wire.js";

/**
 * OpenAI chat request → Converse request (pure). The model id goes in the URL, not the body.
 *
 * | OpenAI | Converse |
 * |---|---|
 * | `system` / `developer` messages (anywhere) | `system: [{text}]`, in order |
 * | `user` text / `image_url` (data URL) parts | `{text}` / `{image: {format, source: {bytes}}}` |
 * | `assistant` content + `tool_calls` | `{text}` + `{toolUse: {toolUseId, name, input}}` |
 * | `tool` messages | a user turn's `{toolResult: {toolUseId, content: [{text}]}}` (first in the turn) |
 * | `max_completion_tokens` / `max_tokens`, `temperature`, `top_p`, `stop` | `inferenceConfig.maxTokens`, `temperature`, `topP`, `stopSequences` |
 * | `tools[].function` | `toolConfig.tools[].toolSpec` with `inputSchema.json` |
 * | `tool_choice` auto / required / {function} | `toolChoice` `{auto: {}}` / `{any: {}}` / `{tool: {name}}` |
 * | `response_format` json_schema / json_object | a forced tool whose input is the answer (see below) |
 *
 * Consecutive turns of one role are merged (Converse requires alternation). `tool_choice: "none"` has no
 * Converse equivalent: the tools are left out (they are still declared, without a choice, when the history
 * holds tool calls, since Converse then requires `toolConfig`).
 *
 * JSON mode: Converse has no response-format parameter. A `json_schema` (or `json_object`) response format
 * becomes one extra tool whose `inputSchema.json` is the schema, forced with `toolChoice: {tool}`; its input
 * comes back as the message content (finish reason `stop`). Forcing a specific tool works on the Anthropic
 * Claude and Amazon Nova models; models without `toolChoice.tool` support reject such requests with a
 * `ValidationException` (an `invalid_request` error).
 *
 * Images must be bytes (a `data:` URL): Converse does not fetch URLs, so an http(s) image URL is an
 * `MM_INVALID_REQUEST`. Audio and file parts are refused the same way. Converse-only fields
 * (`additionalModelRequestFields`, `guardrailConfig`, `performanceConfig`, `requestMetadata`,
 * `additionalModelResponseFieldPaths`, `promptVariables`) pass through; other OpenAI fields are dropped.
 */

/** The converted request and what the response mapping must know about it. */
export interface BedrockRequestPlan {
  body: BedrockConverseRequest;
  /** Name of the tool carrying a structured answer, when one was added. */
  jsonTool?: string;
}

/** Converse fields a caller may set directly on the request. */
const PASSTHROUGH: readonly string[] = ["additionalModelRequestFields", "guardrailConfig", "performanceConfig", "requestMetadata", "additionalModelResponseFieldPaths", "promptVariables"];

/** Name of the answer tool of a `json_object` format (and of a `json_schema` without a usable name). */
export const JSON_RESPONSE_TOOL = "json_response";

const IMAGE_FORMATS: Readonly<Record<string, BedrockImageFormat>> = { "image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/gif": "gif", "image/webp": "webp" };

/**
 * Converts an OpenAI chat request to a Converse body.
 * @throws ProviderError `MM_INVALID_REQUEST` for what Converse cannot express.
 */
export function convertToConverseRequest(request: ChatCompletionRequest): BedrockRequestPlan {
  if (!Array.isArray(request.messages)) throw unsupportedRequestError("the request has no messages array");
  if (request.n != null && request.n !== 1) throw unsupportedRequestError(`n = ${request.n} is not supported`, "Converse returns one choice per request; send n: 1");
  const { system, messages } = convertMessages(request.messages);
  const body: BedrockConverseRequest = { messages };
  if (system.length > 0) body.system = system;
  const inference: NonNullable<BedrockConverseRequest["inferenceConfig"]> = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === "number") inference.maxTokens = maxTokens;
  if (typeof request.temperature === "number") inference.temperature = request.temperature;
  if (typeof request.top_p === "number") inference.topP = request.top_p;
  const stop = typeof request.stop === "string" ? [request.stop] : Array.isArray(request.stop) ? request.stop : [];
  if (stop.length > 0) inference.stopSequences = [...stop];
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;
  const jsonTool = applyTools(body, request, messages);
  const record = request as unknown as Record<string, unknown>;
  for (const key of PASSTHROUGH) if (record[key] !== undefined) body[key] = record[key];
  return jsonTool === undefined ? { body } : { body, jsonTool };
}

/** OpenAI messages → Converse `system` + alternating `messages`. */
export function convertMessages(input: readonly ChatMessage[]): { system: Array<{ text: string }>; messages: BedrockMessage[] } {
  const system: Array<{ text: string }> = [];
  const messages: BedrockMessage[] = [];
  const push = (role: "user" | "assistant", content: BedrockContentBlock[], toolResults = false) => {
    if (content.length === 0) return;
    const last = messages.at(-1);
    if (last?.role !== role) return void messages.push({ role, content });
    // Tool results precede other content of the turn they join.
    if (toolResults) {
      const firstOther = last.content.findIndex((block) => block.toolResult === undefined);
      if (firstOther === -1) last.content.push(...content);
      else last.content.splice(firstOther, 0, ...content);
    } else last.content.push(...content);
  };
  input.forEach((message, index) => {
    switch (message.role) {
      case "system":
      case "developer":
        for (const text of textsOf(message.content, index)) system.push({ text });
        return;
      case "user":
        return push("user", userContent(message.content, index));
      case "assistant": {
        const content: BedrockContentBlock[] = textsOf(message.content ?? "", index).map((text) => ({ text }));
        for (const call of message.tool_calls ?? []) {
          content.push({ toolUse: { toolUseId: call.id, name: call.function.name, input: parseArguments(call.function.arguments, index) } });
        }
        return push("assistant", content);
      }
      case "tool": {
        const text = typeof message.content === "string" ? message.content : textsOf(message.content, index).join("");
        return push("user", [{ toolResult: { toolUseId: message.tool_call_id, content: [{ text }] } }], true);
      }
      default:
        throw unsupportedRequestError(`messages[${index}] has role "${(message as { role: string }).role}", which Converse does not accept`, "Use tools and tool messages instead of the legacy function role");
    }
  });
  return { system, messages };
}

function textsOf(content: string | ReadonlyArray<{ type: string; text?: string }>, index: number): string[] {
  if (typeof content === "string") return content === "" ? [] : [content];
  return content
    .map((part) => {
      if (part.type === "refusal") return "";
      if (part.type !== "text" || typeof part.text !== "string") throw unsupportedRequestError(`messages[${index}] has a ${part.type} part where only text is allowed`);
      return part.text;
    })
    .filter((text) => text !== "");
}

function userContent(content: string | ChatContentPart[], index: number): BedrockContentBlock[] {
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  return content.flatMap((part, partIndex): BedrockContentBlock[] => {
    const where = `messages[${index}].content[${partIndex}]`;
    if (part.type === "text") return part.text === "" ? [] : [{ text: part.text }];
    if (part.type === "image_url") return [imageBlock(part.image_url?.url, where)];
    throw unsupportedRequestError(`${where} is a ${part.type} part, which this connector does not send to Converse`, "Send text and data-URL images");
  });
}

/** A `data:image/...;base64,…` URL → an image block; anything else is refused (Converse takes bytes only). */
function imageBlock(url: string | undefined, where: string): BedrockContentBlock {
  const match = /^data:([^;,]+)(;base64)?,(.*)$/s.exec(url ?? "");
  if (!match) {
    throw unsupportedRequestError(`${where} is an image URL; Converse takes image bytes, not URLs`, "Send the image as a data URL (data:image/png;base64,…)");
  }
  const format = IMAGE_FORMATS[match[1]!.toLowerCase()];
  if (!format) throw unsupportedRequestError(`${where} is a ${match[1]} image; Converse accepts png, jpeg, gif and webp`);
  const bytes = match[2] ? match[3]!.replace(/\s+/g, "") : base64OfText(decodeURIComponent(match[3]!));
  return { image: { format, source: { bytes } } };
}

function base64OfText(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Tool-call arguments are JSON text in OpenAI, an object in Converse. */
function parseArguments(text: string, index: number): unknown {
  if (text === undefined || text === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw unsupportedRequestError(`messages[${index}] has a tool call whose arguments are not JSON`, "Converse needs tool inputs as JSON objects");
  }
}

function applyTools(body: BedrockConverseRequest, request: ChatCompletionRequest, messages: readonly BedrockMessage[]): string | undefined {
  const tools = (request.tools ?? []).map(convertTool);
  let choice: ChatToolChoice | undefined = request.tool_choice;
  const format = request.response_format as ChatResponseFormat | undefined;
  let jsonTool: string | undefined;
  if (format?.type === "json_schema" || format?.type === "json_object") {
    const schema = format.type === "json_schema" ? format.json_schema?.schema : undefined;
    if (schema !== undefined && schema.type !== undefined && schema.type !== "object") {
      throw unsupportedRequestError(`response_format schema has root type "${String(schema.type)}"; the forced-tool approach needs an object`, "Wrap the value in an object");
    }
    const wanted = format.type === "json_schema" ? sanitizeName(format.json_schema?.name) : JSON_RESPONSE_TOOL;
    jsonTool = uniqueName(wanted, tools);
    const description = (format.type === "json_schema" ? format.json_schema?.description : undefined) ?? "Respond by calling this tool: its input is your final answer and must match the schema.";
    tools.push({ toolSpec: { name: jsonTool, inputSchema: { json: objectSchema(schema) }, description } });
    choice = { type: "function", function: { name: jsonTool } };
  }
  const historyHasTools = messages.some((message) => message.content.some((block) => block.toolUse !== undefined || block.toolResult !== undefined));
  if (tools.length === 0) return jsonTool;
  if (choice === "none") {
    if (historyHasTools) body.toolConfig = { tools };
    return jsonTool;
  }
  body.toolConfig = { tools };
  const converted = convertToolChoice(choice);
  if (converted) body.toolConfig.toolChoice = converted;
  return jsonTool;
}

function convertTool(tool: ChatTool, index: number): BedrockToolSpec {
  if (tool?.type !== "function" || typeof tool.function?.name !== "string") throw unsupportedRequestError(`tools[${index}] is not a function tool`);
  // Key order as the AWS SDK serializes a ToolSpecification (name, inputSchema, description).
  return {
    toolSpec: {
      name: tool.function.name,
      inputSchema: { json: objectSchema(tool.function.parameters) },
      ...(tool.function.description ? { description: tool.function.description } : {}),
    },
  };
}

function objectSchema(parameters: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!parameters || typeof parameters !== "object") return { type: "object", properties: {} };
  return { ...parameters, type: "object" };
}

function convertToolChoice(choice: ChatToolChoice | undefined): BedrockToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (choice === "auto") return { auto: {} };
  if (choice === "required") return { any: {} };
  if (typeof choice === "object" && choice?.type === "function" && typeof choice.function?.name === "string") return { tool: { name: choice.function.name } };
  throw unsupportedRequestError(`tool_choice ${JSON.stringify(choice)} is not supported`, 'Use "auto", "none", "required" or {type: "function", function: {name}}');
}

function sanitizeName(name: string | undefined): string {
  const clean = (name ?? "").replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64);
  return clean === "" ? JSON_RESPONSE_TOOL : clean;
}

function uniqueName(name: string, tools: readonly BedrockToolSpec[]): string {
  let candidate = name;
  for (let n = 2; tools.some((tool) => tool.toolSpec.name === candidate); n++) candidate = `${name}_${n}`;
  return candidate;
}
