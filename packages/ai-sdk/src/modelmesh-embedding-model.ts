/** `EmbeddingModelV4` over a ModelMesh client's `embeddings.create` (routed and failed over like chat). */
import { InvalidResponseDataError, UnsupportedFunctionalityError, type EmbeddingModelV4, type EmbeddingModelV4CallOptions, type EmbeddingModelV4Result, type SharedV4Warning } from "@ai-sdk/provider";
import type { EmbeddingParams, EmbeddingResponse } from "@modelmesh/core";
import { meshHeaders } from "./build-mesh-chat-request.js";
import { mapMeshError } from "./map-mesh-error.js";
import { providerMetadataOf, traceOf, traceWarnings } from "./mesh-route-metadata.js";
import type { ModelMeshClient } from "./modelmesh-client.js";

/** Inputs per embeddings request: OpenAI's limit, the strictest common one among OpenAI-shaped routes. */
export const MAX_EMBEDDINGS_PER_CALL = 2048;

/** A ModelMesh embeddings pool or model as an AI SDK embedding model. */
export class ModelMeshEmbeddingModel implements EmbeddingModelV4 {
  readonly specificationVersion = "v4" as const;
  readonly provider: string;
  readonly modelId: string;
  readonly maxEmbeddingsPerCall = MAX_EMBEDDINGS_PER_CALL;
  readonly supportsParallelCalls = true;
  readonly #client: ModelMeshClient;

  constructor(modelId: string, config: { provider: string; client: ModelMeshClient }) {
    this.modelId = modelId;
    this.provider = config.provider;
    this.#client = config.client;
  }

  /** One ModelMesh embeddings request for all `values`; rejects with an `APICallError` on failure. */
  async doEmbed(options: EmbeddingModelV4CallOptions): Promise<EmbeddingModelV4Result> {
    const embeddings = this.#client.embeddings;
    if (!embeddings) throw new UnsupportedFunctionalityError({ functionality: "embeddings (the ModelMesh client given to createModelMesh has no embeddings.create)" });
    const body: EmbeddingParams = { model: this.modelId, input: options.values, ...(options.dimensions === undefined ? {} : { dimensions: options.dimensions }) };
    const warnings: SharedV4Warning[] = [];
    const headers = meshHeaders(options.headers, warnings);
    let response: EmbeddingResponse;
    try {
      response = await embeddings.create(body, { ...(options.abortSignal ? { signal: options.abortSignal } : {}), ...(Object.keys(headers).length ? { headers } : {}) });
    } catch (error) {
      throw mapMeshError(error, { modelId: this.modelId, body, signal: options.abortSignal });
    }
    const vectors = [...response.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    if (vectors.length !== options.values.length || vectors.some((v) => !Array.isArray(v))) {
      throw new InvalidResponseDataError({ data: { count: vectors.length }, message: `[modelmesh] [ai-sdk] embeddings response has ${vectors.length} float vectors for ${options.values.length} inputs.` });
    }
    const trace = traceOf(response);
    const providerMetadata = providerMetadataOf(trace);
    return {
      embeddings: vectors,
      usage: { tokens: response.usage.prompt_tokens },
      ...(providerMetadata ? { providerMetadata } : {}),
      warnings: [...warnings, ...traceWarnings(trace)],
    };
  }
}
