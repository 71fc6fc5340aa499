/**
 * @modelmesh/provider-cohere — Cohere as a ModelMesh provider (`cohere.chat.v2`, alias `cohere`): the v2 chat,
 * chat stream and embed APIs translated to and from the OpenAI wire format. Platform-neutral (no Node built-ins).
 */

declare const __PACKAGE_VERSION__: string;

/** Version of this package. */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

// Connector descriptor and factory
export { connector, createCohereProvider } from "./cohere-connector.js";

// Provider class
export { CohereProvider } from "./cohere-provider.js";

// Configuration
export {
  COHERE_BASE_URL,
  COHERE_INPUT_TYPES,
  COHERE_KEY_VARS,
  cohereProviderConfigSchema,
  type CohereInputType,
  type CohereProviderConfig,
  type CohereProviderConfigBlock,
} from "./cohere-config.js";

// Errors
export { COHERE_CONNECTOR_ID } from "./cohere-error-mapping.js";

// Model catalogue
export { COHERE_MODELS } from "./cohere-models.js";
