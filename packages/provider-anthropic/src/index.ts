/**
 * @modelmesh/provider-anthropic — Anthropic Claude as a ModelMesh provider (`anthropic.claude.v1`): the
 * Messages API translated to and from the OpenAI wire format. Platform-neutral (no Node built-ins).
 */

declare const __PACKAGE_VERSION__: string;

/** Version of this package (also in the user agent of tools that report it). */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

// Connector descriptor and factory
export { connector, createAnthropicProvider } from "./anthropic-connector.js";

// Provider class
export { AnthropicProvider } from "./anthropic-provider.js";

// Configuration
export {
  ANTHROPIC_BASE_URL,
  ANTHROPIC_VERSION,
  anthropicProviderConfigSchema,
  type AnthropicProviderConfig,
  type AnthropicProviderConfigBlock,
} from "./anthropic-config.js";

// Model catalogue
export { ANTHROPIC_MODELS } from "./anthropic-models.js";
