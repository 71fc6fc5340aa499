import { ConnectorRegistry, type ConnectorDescriptor } from "@modelmesh/core";
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { DISCOVERY_CONNECTORS } from "@modelmesh/discovery";
import { OBSERVABILITY_CONNECTORS, OBSERVABILITY_NODE_CONNECTORS } from "@modelmesh/observability/node";
import { SECRETS_CONNECTORS } from "@modelmesh/secrets";
import { STORAGE_CONNECTORS } from "@modelmesh/storage";
import { connectors as OPENAI_CONNECTORS, hostToBaseUrl, OPENAI_COMPATIBLE_PRESETS, OPENAI_PRESET } from "@modelmesh/provider-openai";
import { ROTATION_CONNECTORS, ROTATION_SERVICES } from "@modelmesh/rotation";
import { connector as geminiConnector } from "@modelmesh/provider-google";
import { connector as anthropicConnector } from "@modelmesh/provider-anthropic";
import type { DetectableProvider } from "./detect.js";

// The default catalogue: every connector that ships with modelmesh, registered on a fresh registry per client
// (nothing registers at import time).
const FAMILIES: ReadonlyArray<readonly ConnectorDescriptor<any, unknown>[]> = [
  CDK_CONNECTORS,
  OPENAI_CONNECTORS,
  [anthropicConnector, geminiConnector],
  ROTATION_CONNECTORS,
  SECRETS_CONNECTORS,
  STORAGE_CONNECTORS,
  OBSERVABILITY_CONNECTORS,
  OBSERVABILITY_NODE_CONNECTORS,
  DISCOVERY_CONNECTORS,
];

/**
 * A registry holding every shipped connector (core, CDK, provider families, rotation policies, secret stores,
 * storage, observability, discovery) and the recovery scheduler service.
 */
export function createDefaultRegistry(): ConnectorRegistry {
  const registry = new ConnectorRegistry();
  for (const family of FAMILIES) for (const descriptor of family) if (!registry.has(descriptor.id)) registry.register(descriptor);
  for (const service of ROTATION_SERVICES) registry.registerService(service);
  return registry;
}

/**
 * Providers that auto-detection can enable, in preference order: the native families first, then every
 * OpenAI-compatible preset (its key variable, or for local servers its host variable).
 */
export const DETECTABLE_PROVIDERS: readonly DetectableProvider[] = Object.freeze([
  { name: "openai", connector: OPENAI_PRESET.id, keyVars: [OPENAI_PRESET.envVar] },
  { name: "anthropic", connector: anthropicConnector.id, keyVars: ["ANTHROPIC_API_KEY"] },
  { name: "google", connector: geminiConnector.id, keyVars: ["GEMINI_API_KEY", "GOOGLE_API_KEY"] },
  ...OPENAI_COMPATIBLE_PRESETS.filter((preset) => preset.autoDetect !== false).map((preset): DetectableProvider => {
    const name = preset.aliases[0] ?? preset.id;
    return preset.local
      ? { name, connector: preset.id, keyVars: [], hostVar: preset.envVar, toBaseUrl: (host) => hostToBaseUrl(host, preset.baseUrl) }
      : { name, connector: preset.id, keyVars: [preset.envVar] };
  }),
]);
