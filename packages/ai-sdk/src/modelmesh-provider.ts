/**
 * `createModelMesh({ client })`: ModelMesh as an AI SDK provider. The provider function takes the name a
 * ModelMesh client accepts as `model` (a pool, capability, alias or model id) and returns a `LanguageModelV4`.
 */
import { InvalidArgumentError, NoSuchModelError, type ProviderV4 } from "@ai-sdk/provider";
import { ModelMeshChatLanguageModel } from "./modelmesh-chat-language-model.js";
import type { ModelMeshClient } from "./modelmesh-client.js";
import { ModelMeshEmbeddingModel } from "./modelmesh-embedding-model.js";

/** Options of {@link createModelMesh}. */
export interface ModelMeshProviderOptions {
  /**
   * A ModelMesh client: `create({ config })` from `modelmesh` (Node), `createBrowser({ config })` from
   * `@modelmesh/browser`, or anything with the same `chat.completions.create`.
   */
  client: ModelMeshClient;
  /** Provider name reported to the AI SDK (telemetry, errors). Default `modelmesh`. */
  name?: string;
  /**
   * URL patterns by media type that the routes take as they are; the AI SDK downloads other URLs and sends
   * the bytes. Default: `http(s)` image URLs (the OpenAI chat shape carries image URLs; other files as data).
   */
  supportedUrls?: Record<string, RegExp[]>;
}

/** The provider returned by {@link createModelMesh}: call it with a ModelMesh model name. */
export interface ModelMeshProvider extends ProviderV4 {
  (modelId: string): ModelMeshChatLanguageModel;
  /** The language model for a ModelMesh pool, capability, alias or model name. */
  languageModel(modelId: string): ModelMeshChatLanguageModel;
  /** Same as {@link ModelMeshProvider.languageModel}. */
  chat(modelId: string): ModelMeshChatLanguageModel;
  /** The embedding model for a ModelMesh embeddings pool or model name. */
  embeddingModel(modelId: string): ModelMeshEmbeddingModel;
  /** Same as {@link ModelMeshProvider.embeddingModel} (the name earlier AI SDK versions used). */
  textEmbeddingModel(modelId: string): ModelMeshEmbeddingModel;
  /** Not offered: throws `NoSuchModelError` (use the client's `images.generate`). */
  imageModel(modelId: string): never;
}

const DEFAULT_SUPPORTED_URLS: Readonly<Record<string, RegExp[]>> = { "image/*": [/^https?:\/\/.*$/] };

/**
 * Creates the AI SDK provider for a ModelMesh client.
 * @example
 * import { create } from "modelmesh";
 * import { createModelMesh } from "@modelmesh/ai-sdk";
 * import { generateText } from "ai";
 *
 * const modelmesh = createModelMesh({ client: create({ config: "modelmesh.yaml" }) });
 * const { text } = await generateText({ model: modelmesh("chat"), prompt: "Hello" });
 */
export function createModelMesh(options: ModelMeshProviderOptions): ModelMeshProvider {
  const client = options?.client;
  if (!client || typeof client.chat?.completions?.create !== "function") {
    throw new InvalidArgumentError({
      argument: "client",
      message: "[modelmesh] [ai-sdk] createModelMesh needs { client }: a ModelMesh client such as create({ config }) from modelmesh. Pass the client, not a config.",
    });
  }
  const name = options.name ?? "modelmesh";
  const supportedUrls = options.supportedUrls ?? { ...DEFAULT_SUPPORTED_URLS };
  const languageModel = (modelId: string) => {
    if (typeof modelId !== "string" || modelId.trim() === "") {
      throw new NoSuchModelError({ modelId: String(modelId), modelType: "languageModel", message: "[modelmesh] [ai-sdk] the model name must be a non-empty ModelMesh pool, capability, alias or model name." });
    }
    return new ModelMeshChatLanguageModel(modelId, { provider: `${name}.chat`, client, supportedUrls });
  };
  const embeddingModel = (modelId: string) => {
    if (typeof modelId !== "string" || modelId.trim() === "") {
      throw new NoSuchModelError({ modelId: String(modelId), modelType: "embeddingModel", message: "[modelmesh] [ai-sdk] the embedding model name must be a non-empty ModelMesh pool, capability, alias or model name." });
    }
    return new ModelMeshEmbeddingModel(modelId, { provider: `${name}.embedding`, client });
  };
  const provider = function (modelId: string) {
    if (new.target) throw new TypeError('[modelmesh] [ai-sdk] the provider is a function: call modelmesh("chat") without `new`.');
    return languageModel(modelId);
  } as ModelMeshProvider;
  Object.assign(provider, {
    specificationVersion: "v4" as const,
    languageModel: (modelId: string) => languageModel(modelId),
    chat: (modelId: string) => languageModel(modelId),
    embeddingModel,
    textEmbeddingModel: embeddingModel,
    imageModel: (modelId: string): never => {
      throw new NoSuchModelError({ modelId, modelType: "imageModel", message: "[modelmesh] [ai-sdk] image models are not offered through the AI SDK provider; call the ModelMesh client's images.generate." });
    },
  });
  return provider;
}
