import { ConnectorRegistry, type ConnectorDescriptor } from "@modelmesh/core";
import { CDK_CONNECTORS, CDK_NODE_CONNECTORS } from "@modelmesh/cdk/node";
import { connectors as OPENAI_CONNECTORS, hostToBaseUrl, OPENAI_COMPATIBLE_PRESETS, OPENAI_PRESET } from "@modelmesh/provider-openai";
import { ROTATION_CONNECTORS } from "@modelmesh/rotation";
import { connector as geminiConnector } from "@modelmesh/provider-google";
import { connector as anthropicConnector } from "@modelmesh/provider-anthropic";
import type { DetectableProvider } from "./detect.js";

// The default catalogue: every connector that ships with modelmesh, registered on a fresh registry per client
// (nothing registers at import time).
const FAMILIES: ReadonlyArray<readonly ConnectorDescriptor<any, unknown>[]> = [CDK_CONNECTORS, CDK_NODE_CONNECTORS, OPENAI_CONNECTORS, [anthropicConnector, geminiConnector], ROTATION_CONNECTORS];

/** A registry holding every shipped connector (core, CDK, provider families, rotation policies). */
export function createDefaultRegistry(): ConnectorRegistry {
  const registry = new ConnectorRegistry();
  for (const family of FAMILIES) for (const descriptor of family) if (!registry.has(descriptor.id)) registry.register(descriptor);
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
  ...OPENAI_COMPATIBLE_PRESETS.map((preset): DetectableProvider => {
    const name = preset.aliases[0] ?? preset.id;
    return preset.local
      ? { name, connector: preset.id, keyVars: [], hostVar: preset.envVar, toBaseUrl: (host) => hostToBaseUrl(host, preset.baseUrl) }
      : { name, connector: preset.id, keyVars: [preset.envVar] };
  }),
]);
