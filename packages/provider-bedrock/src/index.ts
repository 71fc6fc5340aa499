/**
 * @modelmesh/provider-bedrock — AWS Bedrock as a ModelMesh provider (`aws.bedrock.v1`): the Converse and
 * ConverseStream APIs translated to and from the OpenAI wire format, signed with SigV4 on web crypto (no AWS
 * SDK at runtime). Platform-neutral (no Node built-ins).
 */

declare const __PACKAGE_VERSION__: string;

/** Version of this package. */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

// Connector descriptor and factory
export { connector, createBedrockProvider, type BedrockExtras } from "./bedrock-connector.js";

// Provider class
export { BedrockProvider } from "./bedrock-provider.js";

// Configuration
export {
  BEDROCK_SIGNING_SERVICE,
  bedrockProviderConfigSchema,
  bedrockRuntimeUrl,
  type AwsCredentialsProvider,
  type BedrockProviderConfig,
  type BedrockProviderConfigBlock,
} from "./bedrock-config.js";

// Model catalogue
export { BEDROCK_EMBEDDING_MODELS, BEDROCK_MODELS } from "./bedrock-models.js";

// SigV4 and the event-stream codec (for other AWS connectors)
export { signRequest, SigningKeyCache, type AwsCredentials, type SignInput, type SignResult } from "./sigv4.js";
export { crc32, decodeEventStream, type EventStreamMessage } from "./eventstream.js";
