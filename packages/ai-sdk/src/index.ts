/** @modelmesh/ai-sdk: ModelMesh as a Vercel AI SDK provider (LanguageModelV4 / ProviderV4). */

declare const __PACKAGE_VERSION__: string;

/** Version of this package. */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

// Provider
export { createModelMesh, type ModelMeshProvider, type ModelMeshProviderOptions } from "./modelmesh-provider.js";
export type { ModelMeshClient } from "./modelmesh-client.js";

// Models
export { ModelMeshChatLanguageModel, type ModelMeshModelConfig } from "./modelmesh-chat-language-model.js";
export { ModelMeshEmbeddingModel, MAX_EMBEDDINGS_PER_CALL } from "./modelmesh-embedding-model.js";

// Per-call options and what comes back
export { PROVIDER_OPTIONS_KEY, type ModelMeshCallOptions } from "./build-mesh-chat-request.js";
export type { ModelMeshRouteMetadata } from "./mesh-route-metadata.js";
export type { ModelMeshErrorData } from "./map-mesh-error.js";
