/**
 * V4 call options → the OpenAI-shaped body and per-call options a ModelMesh client takes. Every setting
 * either maps to a field, or produces a warning saying it was not sent: nothing is dropped silently.
 */
import { InvalidArgumentError, type JSONValue, type LanguageModelV4CallOptions, type SharedV4Warning } from "@ai-sdk/provider";
import type { ChatCompletionRequest, MeshRequestOptions, StreamCommit } from "@modelmesh/core";
import { convertToMeshChatMessages } from "./convert-to-mesh-chat-messages.js";
import { prepareMeshTools } from "./prepare-mesh-tools.js";

/** The key of this package's entry in `providerOptions` (and `providerMetadata`). */
export const PROVIDER_OPTIONS_KEY = "modelmesh";

/** `providerOptions.modelmesh`: ModelMesh-specific settings of one call. */
export interface ModelMeshCallOptions {
  /** End-to-end deadline of the call in milliseconds (overrides `routing.deadline`). */
  timeout?: number;
  /** When a stream's output is released: `first_token`, `complete`, `{ chars: N }` or `{ ms: N }`. */
  streamCommit?: StreamCommit;
  /** Resume an interrupted stream on a prefill-capable model. */
  resume?: boolean;
  /** OpenAI `parallel_tool_calls`. */
  parallelToolCalls?: boolean;
  /** OpenAI `user` (an end-user id for abuse monitoring). */
  user?: string;
}

/** What {@link buildMeshChatRequest} produces. */
export interface MeshChatCall {
  /** The body, without `stream` (the caller sets it). */
  body: ChatCompletionRequest;
  /** Per-call client options (signal, headers, deadline, stream commit). */
  requestOptions: MeshRequestOptions;
  warnings: SharedV4Warning[];
}

/** Reasoning levels passed as OpenAI `reasoning_effort`; `max` has no OpenAI equivalent. */
const REASONING_EFFORTS: ReadonlySet<string> = new Set(["none", "minimal", "low", "medium", "high", "xhigh"]);

/** Builds the ModelMesh chat request of one AI SDK call. */
export function buildMeshChatRequest(modelId: string, options: LanguageModelV4CallOptions): MeshChatCall {
  const { messages, warnings } = convertToMeshChatMessages(options.prompt);
  const tools = prepareMeshTools(options.tools, options.toolChoice);
  warnings.push(...tools.warnings);
  const meshOptions = readMeshCallOptions(options.providerOptions?.[PROVIDER_OPTIONS_KEY]);

  const body: ChatCompletionRequest = { model: modelId, messages };
  if (options.maxOutputTokens !== undefined) body.max_completion_tokens = options.maxOutputTokens;
  if (options.temperature !== undefined) body.temperature = options.temperature;
  if (options.topP !== undefined) body.top_p = options.topP;
  if (options.stopSequences?.length) body.stop = options.stopSequences;
  if (options.seed !== undefined) body.seed = options.seed;
  if (options.presencePenalty !== undefined) body.presence_penalty = options.presencePenalty;
  if (options.frequencyPenalty !== undefined) body.frequency_penalty = options.frequencyPenalty;
  if (tools.tools) body.tools = tools.tools;
  if (tools.toolChoice !== undefined) body.tool_choice = tools.toolChoice;
  if (meshOptions.parallelToolCalls !== undefined && tools.tools) body.parallel_tool_calls = meshOptions.parallelToolCalls;
  if (meshOptions.user !== undefined) body.user = meshOptions.user;
  if (options.topK !== undefined) warnings.push({ type: "unsupported", feature: "topK", details: "the OpenAI chat shape has no top_k; it was not sent." });

  const format = options.responseFormat;
  if (format?.type === "json") {
    body.response_format = format.schema
      ? { type: "json_schema", json_schema: { name: format.name ?? "response", ...(format.description ? { description: format.description } : {}), schema: format.schema as Record<string, unknown> } }
      : { type: "json_object" };
  }

  const reasoning = options.reasoning;
  if (reasoning !== undefined && reasoning !== "provider-default") {
    if (REASONING_EFFORTS.has(reasoning)) body.reasoning_effort = reasoning;
    else warnings.push({ type: "unsupported", feature: `reasoning "${reasoning}"`, details: "OpenAI reasoning_effort has no such level; it was not sent." });
  }

  const headers = meshHeaders(options.headers, warnings);
  const requestOptions: MeshRequestOptions = {};
  if (options.abortSignal) requestOptions.signal = options.abortSignal;
  if (Object.keys(headers).length > 0) requestOptions.headers = headers;
  if (meshOptions.timeout !== undefined) requestOptions.timeout = meshOptions.timeout;
  if (meshOptions.streamCommit !== undefined) requestOptions.streamCommit = meshOptions.streamCommit;
  if (meshOptions.resume !== undefined) requestOptions.resume = meshOptions.resume;
  return { body, requestOptions, warnings };
}

/**
 * The call's headers for the client (undefined values dropped). ModelMesh reads them (e.g. a session key) and
 * never forwards them upstream, so any header other than the AI SDK's own `user-agent` gets a warning saying so.
 */
export function meshHeaders(headers: Record<string, string | undefined> | undefined, warnings: SharedV4Warning[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) out[name] = value;
  const notForwarded = Object.keys(out).filter((name) => name.toLowerCase() !== "user-agent");
  if (notForwarded.length > 0) {
    warnings.push({
      type: "compatibility",
      feature: "headers",
      details: `headers (${notForwarded.join(", ")}) reach ModelMesh (e.g. a session key) but are never forwarded to upstream providers.`,
    });
  }
  return out;
}

const ARGUMENT = `providerOptions.${PROVIDER_OPTIONS_KEY}`;

function invalid(key: string, expected: string): InvalidArgumentError {
  return new InvalidArgumentError({ argument: `${ARGUMENT}.${key}`, message: `[modelmesh] [ai-sdk] ${ARGUMENT}.${key} must be ${expected}.` });
}

/** Reads and checks `providerOptions.modelmesh`; an unknown key or a wrong type is an InvalidArgumentError. */
export function readMeshCallOptions(raw: Record<string, JSONValue | undefined> | undefined): ModelMeshCallOptions {
  const out: ModelMeshCallOptions = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (value === undefined) continue;
    switch (key) {
      case "timeout":
        if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw invalid(key, "a positive number of milliseconds");
        out.timeout = value;
        break;
      case "streamCommit":
        out.streamCommit = readStreamCommit(value);
        break;
      case "resume":
      case "parallelToolCalls":
        if (typeof value !== "boolean") throw invalid(key, "a boolean");
        out[key] = value;
        break;
      case "user":
        if (typeof value !== "string") throw invalid(key, "a string");
        out.user = value;
        break;
      default:
        throw new InvalidArgumentError({
          argument: `${ARGUMENT}.${key}`,
          message: `[modelmesh] [ai-sdk] unknown option ${ARGUMENT}.${key}. Known options: timeout, streamCommit, resume, parallelToolCalls, user.`,
        });
    }
  }
  return out;
}

function readStreamCommit(value: JSONValue): StreamCommit {
  if (value === "first_token" || value === "complete") return value;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    const [key, amount] = entries[0] ?? [];
    if (entries.length === 1 && (key === "chars" || key === "ms") && typeof amount === "number" && Number.isInteger(amount) && amount >= 0) {
      return (key === "chars" ? { chars: amount } : { ms: amount }) as StreamCommit;
    }
  }
  throw invalid("streamCommit", `"first_token", "complete", { chars: N } or { ms: N }`);
}
