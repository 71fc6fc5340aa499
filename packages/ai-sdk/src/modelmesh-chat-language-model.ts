/**
 * `LanguageModelV4` over a ModelMesh client: one AI SDK call is one ModelMesh chat request, routed, retried
 * and failed over by the mesh. I/O and orchestration only; the mapping lives in the convert/map modules.
 */
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Content, LanguageModelV4GenerateResult, LanguageModelV4StreamResult } from "@ai-sdk/provider";
import type { MeshChatCompletion } from "@modelmesh/core";
import { buildMeshChatRequest } from "./build-mesh-chat-request.js";
import { convertMeshUsage } from "./convert-mesh-usage.js";
import { mapMeshError } from "./map-mesh-error.js";
import { mapMeshFinishReason } from "./map-mesh-finish-reason.js";
import { providerMetadataOf, traceOf, traceWarnings } from "./mesh-route-metadata.js";
import { meshStreamToParts, type MeshChunkStream } from "./mesh-stream-to-parts.js";
import type { ModelMeshClient } from "./modelmesh-client.js";

/** Settings shared by the models of one `createModelMesh()` provider. */
export interface ModelMeshModelConfig {
  /** Provider id reported to the AI SDK, e.g. `modelmesh.chat`. */
  provider: string;
  client: ModelMeshClient;
  /** URL patterns the routes take as they are (not downloaded by the AI SDK first). */
  supportedUrls: Record<string, RegExp[]>;
}

/** A ModelMesh pool, capability, alias or model as an AI SDK language model. */
export class ModelMeshChatLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = "v4" as const;
  readonly provider: string;
  readonly modelId: string;
  readonly supportedUrls: Record<string, RegExp[]>;
  readonly #client: ModelMeshClient;

  constructor(modelId: string, config: ModelMeshModelConfig) {
    this.modelId = modelId;
    this.provider = config.provider;
    this.supportedUrls = config.supportedUrls;
    this.#client = config.client;
  }

  /** One non-streamed ModelMesh chat request; rejects with an `APICallError` (or the abort reason) on failure. */
  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const { body, requestOptions, warnings } = buildMeshChatRequest(this.modelId, options);
    let completion: MeshChatCompletion;
    try {
      completion = await this.#client.chat.completions.create({ ...body, stream: false }, requestOptions);
    } catch (error) {
      throw mapMeshError(error, { modelId: this.modelId, body, signal: options.abortSignal });
    }
    const trace = traceOf(completion);
    const choice = completion.choices[0];
    const content: LanguageModelV4Content[] = [];
    const text = choice?.message.content;
    if (typeof text === "string" && text !== "") content.push({ type: "text", text });
    for (const call of choice?.message.tool_calls ?? []) {
      content.push({ type: "tool-call", toolCallId: call.id, toolName: call.function.name, input: call.function.arguments.trim() === "" ? "{}" : call.function.arguments });
    }
    const providerMetadata = providerMetadataOf(trace, choice?.message.refusal);
    return {
      content,
      finishReason: mapMeshFinishReason(choice?.finish_reason),
      usage: convertMeshUsage(completion.usage),
      ...(providerMetadata ? { providerMetadata } : {}),
      request: { body },
      response: { id: completion.id, modelId: completion.model, ...(completion.created ? { timestamp: new Date(completion.created * 1000) } : {}), body: completion },
      warnings: [...warnings, ...traceWarnings(trace)],
    };
  }

  /**
   * One streamed ModelMesh chat request. Resolves once ModelMesh has a route streaming (failures before that,
   * including every route failing, reject here); later failures arrive as an `error` part.
   */
  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const { body, requestOptions, warnings } = buildMeshChatRequest(this.modelId, options);
    const streamBody = { ...body, stream: true as const, stream_options: { include_usage: true } };
    const context = { modelId: this.modelId, body: streamBody, signal: options.abortSignal };
    let source: MeshChunkStream;
    try {
      source = await this.#client.chat.completions.create(streamBody, requestOptions);
    } catch (error) {
      throw mapMeshError(error, context);
    }
    const stream = meshStreamToParts(source, {
      warnings: [...warnings, ...traceWarnings(traceOf(source))],
      includeRawChunks: options.includeRawChunks === true,
      trace: () => traceOf(source),
      context,
    });
    return { stream, request: { body: streamBody } };
  }
}
