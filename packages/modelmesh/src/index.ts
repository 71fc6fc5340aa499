/**
 * modelmesh — one OpenAI-shaped client that routes by capability across providers, with retry, rotation,
 * failover, free-tier quota pooling and honest streaming.
 */
// The OpenAI-shaped client lives in core (the browser build uses the same one)
export {
  MeshClient,
  MeshStream,
  getTrace,
  toSdkCompletion,
  type ChatCompletionsCreate,
  type ChatCompletionCreateParamsNonStreaming,
  type ChatCompletionCreateParamsStreaming,
  type MeshChatCompletion,
  type MeshChatCompletionChunk,
  type MeshChatCompletionMessage,
  type MeshRequestOptions,
  type ModelPage,
  type TranscriptionCreateParams,
  type Uploadable,
} from "@modelmesh/core";
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
