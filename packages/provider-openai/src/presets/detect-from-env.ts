import { OPENAI_PRESET } from "../openai-connector.js";
import { OPENAI_COMPATIBLE_PRESETS } from "./index.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";
import { hostToBaseUrl, type EnvRecord } from "./resolve-preset-config.js";

/** A connector whose environment variable is set, with the provider config block that uses it. */
export interface DetectedConnector {
  /** Connector id (`groq.api.v1`). */
  connectorId: string;
  /** Its first alias (`groq`), a natural provider name. */
  name: string;
  /** The variable found (`GROQ_API_KEY`, `OLLAMA_HOST`). */
  envVar: string;
  /** True for a local server (the variable is a host, not a key). */
  local: boolean;
  /**
   * A config block for the connector. Hosted vendors get `api_key: "${env:VAR}"` — a reference, never the
   * secret itself; local servers get the `base_url` their host variable points at.
   */
  config: Record<string, string>;
}

/**
 * Lists the presets whose environment variable is set to a non-empty value, in the order given (default:
 * OpenAI, then `OPENAI_COMPATIBLE_PRESETS`): the data the auto-detection issue builds providers from. Reads
 * only the variables the presets name, from the record passed in.
 * @example
 * detectFromEnv({ GROQ_API_KEY: "gsk_…", OLLAMA_HOST: "127.0.0.1:11434" });
 * // → [{ connectorId: "groq.api.v1", name: "groq", envVar: "GROQ_API_KEY", local: false, config: { api_key: "${env:GROQ_API_KEY}" } },
 * //    { connectorId: "ollama.local.v1", name: "ollama", envVar: "OLLAMA_HOST", local: true, config: { base_url: "http://127.0.0.1:11434/v1" } }]
 */
export function detectFromEnv(env: EnvRecord, presets: readonly OpenAICompatiblePreset[] = [OPENAI_PRESET, ...OPENAI_COMPATIBLE_PRESETS]): DetectedConnector[] {
  const detected: DetectedConnector[] = [];
  for (const preset of presets) {
    const value = env[preset.envVar]?.trim();
    if (!value) continue;
    const local = preset.local === true;
    const baseUrl = local ? hostToBaseUrl(value, preset.baseUrl) : undefined;
    if (local && !baseUrl) continue;
    detected.push({
      connectorId: preset.id,
      name: preset.aliases[0] ?? preset.id,
      envVar: preset.envVar,
      local,
      config: local ? { base_url: baseUrl! } : { api_key: `\${env:${preset.envVar}}` },
    });
  }
  return detected;
}
