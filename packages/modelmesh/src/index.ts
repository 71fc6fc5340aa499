/**
 * modelmesh — one OpenAI-shaped client that routes by capability across providers, with retry, rotation,
 * failover, free-tier quota pooling and honest streaming.
 */
export { MeshClient, type ChatCompletionsCreate, type ChatCompletionCreateParamsNonStreaming, type ChatCompletionCreateParamsStreaming, type MeshRequestOptions, type ModelPage, type TranscriptionCreateParams } from "./client.js";
export { MeshStream } from "./stream.js";
export { getTrace } from "./trace.js";
export { toSdkCompletion, type MeshChatCompletion, type MeshChatCompletionChunk, type MeshChatCompletionMessage } from "./openai-shapes.js";
export type { Uploadable } from "./uploadable.js";
export { create, createMeshClient, type CreateOptions } from "./create.js";
export { apiKeysEnv, detectProviders, type DetectableProvider, type DetectedProvider, type DetectOptions } from "./detect.js";
export { createDefaultRegistry, DETECTABLE_PROVIDERS } from "./catalogue.js";
// Errors and config helpers, re-exported so applications need only this package
export {
  ConfigError,
  DeadlineExceededError,
  ModelMeshError,
  ProviderError,
  RoutingError,
  StreamInterruptedError,
  defineConfig,
  isModelMeshError,
  type MeshConfigInput,
  type MeshEvent,
  type RoutingTrace,
} from "@modelmesh/core";
