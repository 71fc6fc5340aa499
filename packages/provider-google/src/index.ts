/**
 * @modelmesh/provider-google — the `google.gemini.v1` provider connector: OpenAI-format chat, streaming,
 * tools, images, structured output and embeddings, translated to and from the Gemini Developer API.
 * Platform-neutral: no Node built-ins; the transport is injected (default `fetch`).
 */

// Connector and factory
export { connector, createGeminiProvider, geminiProviderConfigSchema, type GeminiProviderConfigBlock } from "./gemini-connector.js";
export { GeminiProvider, GEMINI_API_VERSION, GEMINI_BASE_URL, type GeminiProviderConfig } from "./gemini-provider.js";
export { VERSION } from "./version.js";

// Catalogue
export { GEMINI_CHAT_CAPABILITIES, GEMINI_CHAT_FEATURES, GEMINI_MODELS } from "./gemini-models.js";

// Pure mappings (for custom providers and tests)
export {
  convertToGeminiRequest,
  type GeminiMappingWarning,
  type GeminiRequestConversion,
  type GeminiRequestOptions,
  type GeminiSchemaMode,
} from "./gemini-chat-mapping.js";
export { convertToGeminiSchema, type SchemaConversion } from "./gemini-schema.js";
export { convertFromGeminiResponse, convertGeminiUsage, mapGeminiFinishReason, type GeminiResponseContext } from "./gemini-response-mapping.js";
export { GeminiStreamMapper } from "./gemini-stream-mapping.js";
export { classifyGoogleError, parseGoogleError, type GoogleErrorDetail } from "./gemini-error-mapping.js";
export type {
  GeminiContent,
  GeminiGenerateContentRequest,
  GeminiGenerateContentResponse,
  GeminiPart,
  GeminiSchema,
  GoogleErrorBody,
} from "./gemini-wire.js";
