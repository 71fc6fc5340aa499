import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChatFinishReason } from "@modelmesh/core";
import { BaseProvider } from "./base-provider.js";
import {
  mapRequest,
  mapResponse,
  mapStreamChunk,
  type HttpApiRequestMapping,
  type HttpApiResponseMapping,
  type MappingContext,
} from "./http-api-mapping.js";
import { snakeToCamel, type ProviderConfig } from "./provider-config.js";

/** Config of {@link HttpApiProvider}. Mapping keys may be camelCase or snake_case (YAML). */
export interface HttpApiProviderConfig extends ProviderConfig {
  /** Path appended to `baseUrl` for completions. Default `/chat/completions`. */
  completionEndpoint?: string;
  /** Path for streamed completions. Default: `completionEndpoint`. */
  streamEndpoint?: string;
  /** Where request fields go (dot paths). */
  requestMapping?: HttpApiRequestMapping;
  /** Where response fields are read from (dot paths). */
  responseMapping?: HttpApiResponseMapping;
  /** Where stream chunk fields are read from (dot paths). */
  streamMapping?: HttpApiResponseMapping;
  /** Vendor finish reasons → OpenAI's (`{ end_turn: "stop" }`); common vendor values are built in. */
  finishReasonMap?: Record<string, ChatFinishReason>;
}

/** Converts a mapping's own keys from snake_case to camelCase; values (paths, constants) stay as written. */
function camelKeys<T extends object>(mapping: T | undefined): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(mapping ?? {})) out[snakeToCamel(key)] = value;
  return out as T;
}

/**
 * A provider for REST APIs with their own request/response format, configured declaratively: dot paths map
 * the OpenAI request fields (model, messages, temperature, max_tokens, tools, tool_choice, stream) into the
 * vendor payload, plus constant `extraFields`; response and stream-chunk paths map id, model, content,
 * tool calls, finish reason and usage back. Stream transport is SSE with JSON payloads; a stream without
 * `[DONE]` ends cleanly once a finish reason was mapped.
 * @example
 * const provider = new HttpApiProvider({
 *   baseUrl: "https://ml.internal/api",
 *   completionEndpoint: "/v2/generate",
 *   requestMapping: { messages: "input.messages", maxTokens: "params.max_length", extraFields: { "params.safe": true } },
 *   responseMapping: { content: "output.text", finishReason: "output.stop_reason", promptTokens: "meta.tokens_in", completionTokens: "meta.tokens_out" },
 * });
 */
export class HttpApiProvider<C extends HttpApiProviderConfig = HttpApiProviderConfig> extends BaseProvider<C> {
  /** Connector id used when the config names none. */
  static override readonly CONNECTOR_ID: string = "modelmesh.http-api.v1";

  readonly #request: HttpApiRequestMapping;
  readonly #response: HttpApiResponseMapping;
  readonly #stream: HttpApiResponseMapping;

  constructor(config: C) {
    super(config);
    this.#request = camelKeys(config.requestMapping);
    this.#response = camelKeys(config.responseMapping);
    this.#stream = camelKeys(config.streamMapping);
  }

  /** Maps the OpenAI request through `requestMapping`. */
  protected override buildRequestPayload(request: ChatCompletionRequest): Record<string, unknown> {
    return mapRequest(request, this.#request);
  }

  /** Maps the vendor response through `responseMapping`. */
  protected override parseResponse(json: unknown): ChatCompletion {
    return mapResponse(json, this.#response, this.#mappingContext());
  }

  /** Maps one vendor stream payload through `streamMapping`. */
  protected override parseSseChunk(data: unknown): ChatCompletionChunk | null {
    return mapStreamChunk(data, this.#stream, this.#mappingContext());
  }

  /** `baseUrl` + `completionEndpoint` (or `streamEndpoint` for streams). */
  protected override getCompletionEndpoint(stream?: boolean): string {
    const path = (stream ? this.config.streamEndpoint : undefined) ?? this.config.completionEndpoint ?? "/chat/completions";
    return `${this.config.baseUrl}${path.startsWith("/") ? path : `/${path}`}`;
  }

  #mappingContext(): MappingContext {
    // The model falls back to "" here; the base class fills in the requested model.
    return { model: "", finishReasons: this.config.finishReasonMap ?? {}, now: this.clock.now() };
  }
}
