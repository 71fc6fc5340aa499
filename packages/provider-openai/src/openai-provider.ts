import {
  ProviderError,
  formatMessage,
  type CallOptions,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ImageGenerationRequest,
  type ImagesResponse,
  type ModelInfo,
  type TranscriptionRequest,
  type TranscriptionResponse,
} from "@modelmesh/core";
import { OpenAICompatibleProvider, type OpenAICompatibleConfig, type SseEvent } from "@modelmesh/cdk";
import { convertToOpenAIChatPayload } from "./openai-chat-mapping.js";
import { refineOpenAIError } from "./openai-error-mapping.js";
import { convertToTranscriptionForm, parseTranscription } from "./openai-media-mapping.js";
import { OPENAI_MODELS } from "./openai-models.js";
import { cloneModel, mergeDiscoveredModels, unionModels } from "./openai-response-mapping.js";
import { liftVendorUsage } from "./openai-stream-mapping.js";
import type { OpenAICompatibleQuirks } from "./presets/openai-compatible-preset.js";

/** Config of {@link OpenAIProvider}: the CDK's OpenAI-compatible config plus a vendor's quirks. */
export interface OpenAIProviderConfig extends OpenAICompatibleConfig {
  /**
   * Where the vendor departs from OpenAI (presets set this; OpenAI itself has none). `supportsStreamUsage`
   * is the default of `streamUsage`.
   */
  quirks?: OpenAICompatibleQuirks;
}

/**
 * The `openai.llm.v1` provider, also behind every OpenAI-compatible preset. All protocol logic — requests,
 * SSE, timeouts, classification, embeddings, images, speech — is the CDK's; this class overrides only where
 * OpenAI (or a preset's quirks) differ:
 * - `toProviderError`: OpenAI's error codes and `retry-after-ms` / `x-ratelimit-reset-*` waits;
 * - `buildRequestPayload` / `parseSseChunk`: a preset's quirks (OpenAI's own requests pass untouched);
 * - `transcribe`: the multipart form encoded exactly as the official SDK encodes it;
 * - `generateImage`: checks the images answer (its token usage, for `gpt-image-1`, passes through);
 * - `discoverModels`: `GET /models` merged with the catalogue, which it then extends.
 * Without `models` the OpenAI catalogue is used; without `baseUrl`, `https://api.openai.com/v1`.
 * @example
 * const openai = new OpenAIProvider({ baseUrl: "https://api.openai.com/v1", apiKey: key, organization: "org-…" });
 * const answer = await openai.complete({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
 */
export class OpenAIProvider<C extends OpenAIProviderConfig = OpenAIProviderConfig> extends OpenAICompatibleProvider<C> {
  /** Connector id used when the config names none. */
  static override readonly CONNECTOR_ID: string = "openai.llm.v1";

  constructor(config: C) {
    super({
      ...config,
      models: (config.models?.length ? config.models : OPENAI_MODELS).map(cloneModel),
      streamUsage: config.streamUsage ?? config.quirks?.supportsStreamUsage ?? true,
    });
  }

  /**
   * Discovers models with `GET {baseUrl}/models`, merges them with the catalogue (known ids keep their
   * capabilities, features and prices; unknown ids get capabilities inferred from the id) and adds the new
   * ones to the catalogue, so `listModels()` knows them afterwards.
   */
  override async discoverModels(options: Partial<CallOptions> = {}): Promise<ModelInfo[]> {
    const listed = await super.discoverModels(options);
    const catalogue = await this.listModels();
    const merged = mergeDiscoveredModels(listed, catalogue);
    this.setModels(unionModels(catalogue, merged));
    return merged.map(cloneModel);
  }

  /** `POST /images/generations`, request passed through; the answer (with any token usage) returned as is. */
  override async generateImage(request: ImageGenerationRequest, options: Partial<CallOptions> = {}): Promise<ImagesResponse> {
    const call = this.resolveCall(options);
    const model = request.model ?? undefined;
    const json = await this.http.postJson(this.getEndpoint("images"), this.requestHeaders(call), request, call, model);
    if (typeof json !== "object" || json === null || !Array.isArray((json as { data?: unknown }).data)) {
      throw this.#invalidResponse("the images response has no data array", model);
    }
    return json as ImagesResponse;
  }

  /** `POST /audio/transcriptions`, multipart encoded like the official SDK (see `openai-media-mapping.ts`). */
  override async transcribe(request: TranscriptionRequest, options: Partial<CallOptions> = {}): Promise<TranscriptionResponse> {
    const call = this.resolveCall(options);
    // The runtime writes the multipart content type with its boundary; a JSON content type must not be sent.
    const headers = this.requestHeaders(call);
    delete headers["content-type"];
    const init = { method: "POST" as const, url: this.getEndpoint("transcriptions"), headers, body: convertToTranscriptionForm(request) };
    const body = await this.http.exchange(init, call, request.model, (response) => response.text());
    const parsed = parseTranscription(body, request.response_format);
    if (!parsed) throw this.#invalidResponse("the transcription has no text", request.model);
    return parsed;
  }

  /** The request itself, minus fields a preset's vendor rejects (none for OpenAI). */
  protected override buildRequestPayload(request: ChatCompletionRequest): Record<string, unknown> {
    return convertToOpenAIChatPayload(request, this.config.quirks);
  }

  /** The CDK's chunk parser, plus a preset's vendor usage field lifted into `usage`. */
  protected override parseSseChunk(data: unknown, event: SseEvent): ChatCompletionChunk | null {
    const chunk = super.parseSseChunk(data, event);
    return chunk ? liftVendorUsage(chunk, this.config.quirks?.vendorUsageField) : chunk;
  }

  /** A 2xx body that is not what the endpoint promises (same shape as the CDK's own). */
  #invalidResponse(what: string, model: string | undefined): ProviderError {
    return new ProviderError({
      code: "MM_INVALID_RESPONSE",
      category: "server",
      retryable: false,
      provider: this.id,
      ...(model !== undefined ? { model } : {}),
      message: formatMessage(`provider ${this.id}`, `invalid response: ${what}`),
    });
  }

  /** Core's classification, refined by OpenAI's error codes and retry headers (`openai-error-mapping.ts`). */
  protected override toProviderError(status: number, headers: Record<string, string>, body: string, model?: string): ProviderError {
    return refineOpenAIError(super.toProviderError(status, headers, body, model), status, headers, body, this.clock.now());
  }
}
