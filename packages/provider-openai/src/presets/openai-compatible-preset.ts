import type { ModelInfo } from "@modelmesh/core";

/**
 * The data shape of one OpenAI-compatible vendor. Adding a vendor is one object of this shape in
 * `OPENAI_COMPATIBLE_PRESETS`; `presetConnector()` turns it into a connector descriptor. No classes, no code.
 */

/**
 * Where a vendor departs from OpenAI's chat-completions wire format. Every flag defaults to OpenAI's
 * behaviour (`true`), so a preset only lists what differs. Flags describe the vendor API as documented when
 * the preset was written; flip one when the vendor changes.
 */
export interface OpenAICompatibleQuirks {
  /**
   * The vendor accepts `stream_options: {include_usage: true}`. When false the field is never sent
   * (vendors that validate strictly reject unknown fields); usage is still read if the stream carries it.
   * Default true.
   */
  readonly supportsStreamUsage?: boolean;
  /**
   * The vendor accepts the `parallel_tool_calls` request field. When false the field is removed before the
   * request is sent, and the models should declare `parallelToolCalls: false`. Default true.
   */
  readonly supportsParallelToolCalls?: boolean;
  /**
   * Other top-level request fields the vendor rejects; they are removed before sending. Default none.
   * Use sparingly: unknown fields pass through (docs/ARCHITECTURE.md §2.1).
   */
  readonly unsupportedFields?: readonly string[];
  /**
   * A vendor object in stream chunks that carries usage instead of the standard `usage` field (Groq's
   * `x_groq`): when a chunk has no `usage` but `chunk[vendorUsageField].usage` is an object, it is copied to
   * `usage`. Default none.
   */
  readonly vendorUsageField?: string;
}

/** One OpenAI-compatible vendor, as data. */
export interface OpenAICompatiblePreset {
  /** Connector id, `vendor.name.vN` (e.g. `groq.api.v1`). */
  readonly id: string;
  /** Short names accepted as `connector:` in a config (e.g. `groq`). */
  readonly aliases: readonly string[];
  /** Display name of the vendor. */
  readonly name: string;
  /**
   * Base URL INCLUDING the vendor's version prefix (`https://api.groq.com/openai/v1`); endpoints append
   * `/chat/completions`, `/embeddings`, `/models` … A config's `base_url` replaces it.
   */
  readonly baseUrl: string;
  /**
   * Environment variable read through the connector context when the config gives no value: the API key
   * (`GROQ_API_KEY`), or for a `local` preset the host (`OLLAMA_HOST`) whose value replaces the base URL.
   */
  readonly envVar: string;
  /**
   * A server on the user's own machine or network: no API key is required, and `envVar` names the host
   * (`127.0.0.1:11434`, `http://gpu-box:8000`); a host without a path gets the base URL's version prefix.
   */
  readonly local?: boolean;
  /**
   * For a `local` preset: an environment variable holding an OPTIONAL API key (a server started with one, e.g.
   * LocalAI's `LOCALAI_API_KEY`), read when the config has no `api_key` and sent as `Authorization: Bearer`.
   * Hosted presets read their key from `envVar` and ignore this. Default none.
   */
  readonly keyEnvVar?: string;
  /**
   * Whether `modelmesh`'s `create()` enables this vendor by itself when `envVar` is set. False for a variable
   * that is often set for something else (`HF_TOKEN` downloads models): the vendor is then used only when a
   * config names it. Default true.
   */
  readonly autoDetect?: boolean;
  /** Default models, used when the config lists none. */
  readonly models: readonly ModelInfo[];
  /** Departures from OpenAI's wire format. */
  readonly quirks?: OpenAICompatibleQuirks;
  /** Headers sent with every request (a config's `headers` win). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The vendor's documentation of its OpenAI-compatible API. */
  readonly docs?: string;
}
