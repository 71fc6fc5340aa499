/**
 * `models.<id>`: the capability contract of one model on one provider (docs/ARCHITECTURE.md §2.7: the requirement filter reads it), plus the
 * `providers.<name>.models[]` item that declares the same thing inline (the inline shape).
 */
import { z } from "zod";
import {
  count,
  firstTokenSetting,
  flag,
  idList,
  notSupported,
  positiveInt,
  size,
  text,
  usd,
} from "./schema-primitives.js";
import { exclusive } from "./schema-checks.js";

/** Delivery modes the model supports. Unset = unknown, the connector's catalogue decides. */
export const deliverySchema = z.strictObject({
  /** Plain request → response. */
  synchronous: flag().optional(),
  /** Server-sent token stream. */
  streaming: flag().optional(),
  /** Asynchronous batch submissions. */
  batch: flag().optional(),
});

/** Feature flags used by the requirement filter and scoring. Unset = unknown (connector decides). */
export const featuresSchema = z.strictObject({
  /** Accepts `tools` and returns `tool_calls`. */
  tool_calling: flag().optional(),
  /** May return several tool calls in one turn. */
  parallel_tool_calls: flag().optional(),
  /** Accepts image input. */
  vision: flag().optional(),
  /** Accepts audio input. */
  audio_input: flag().optional(),
  /** Supports `response_format: {type: "json_object"}`. */
  json_mode: flag().optional(),
  /** Supports `response_format: {type: "json_schema"}`. */
  structured_output: flag().optional(),
  /** Honours a system message. */
  system_prompt: flag().optional(),
  /** Continues a trailing assistant message (needed for stream continuation, docs/ARCHITECTURE.md §2.8). */
  assistant_prefill: flag().optional(),
  /** Returns token log-probabilities. */
  logprobs: flag().optional(),
  /** Thinks before it answers (longer time to first token: a longer default first-token budget). */
  reasoning: flag().optional(),
  /** Grounds answers in search results. */
  grounding: flag().optional(),
  /** Can be fine-tuned. */
  fine_tunable: flag().optional(),
});

/** Hard limits of the model. */
export const constraintsSchema = z.strictObject({
  /** Maximum context (prompt + output), in tokens. */
  context_window: positiveInt().optional(),
  /** Maximum output per request, in tokens. */
  max_output_tokens: positiveInt().optional(),
  /** Maximum images per request. */
  max_images: count().optional(),
  /** Maximum size of one input file; size string, output in bytes. */
  max_file_size: size().optional(),
  /** Supported languages, ISO codes. */
  supported_languages: idList().optional(),
});

/** Declared price in USD; used by cost-first selection and budgets. */
export const pricingSchema = z.strictObject({
  /** USD per 1 million input (prompt) tokens. */
  input_per_million: usd().optional(),
  /** USD per 1 million output (completion) tokens. */
  output_per_million: usd().optional(),
  /** USD per request, on top of token prices. */
  per_request: usd().optional(),
});

/** Known vendor limits of this model; the router keeps headroom against them. */
export const modelQuotaSchema = z.strictObject({
  /** Requests per minute. */
  requests_per_minute: count().optional(),
  /** Requests per day. */
  requests_per_day: count().optional(),
  /** Tokens per minute. */
  tokens_per_minute: count().optional(),
  /** Tokens per day. */
  tokens_per_day: count().optional(),
});

/** Batch behaviour of the model: ModelMesh routes no batch calls yet, so the section is refused. */
const modelBatch = () => notSupported(z.unknown(), "ModelMesh routes no batch API calls; remove the section");

/** Fields shared by `models.<id>` and the inline `providers.<name>.models[]` item. */
const modelBody = {
  /**
   * Capability tree leaves the model registers at (full paths or unique short aliases). Non-empty when
   * given; when omitted the connector's catalogue supplies them. Resolved to full paths with a tree.
   */
  capabilities: z.array(text()).min(1, { error: "must list at least one capability" }).optional(),
  /** Supported delivery modes. */
  delivery: deliverySchema.optional(),
  /** Feature flags. */
  features: featuresSchema.optional(),
  /** Hard limits. */
  constraints: constraintsSchema.optional(),
  /** Shorthand for `constraints.context_window` (tokens); folded into `constraints`. */
  context_window: positiveInt().optional(),
  /** Shorthand for `constraints.max_output_tokens` (tokens); folded into `constraints`. */
  max_output_tokens: positiveInt().optional(),
  /** Declared price (USD). */
  pricing: pricingSchema.optional(),
  /** Known vendor limits. */
  quota: modelQuotaSchema.optional(),
  /** Batch behaviour: refused (not supported yet). */
  batch: modelBatch().optional(),
  /** Per-attempt timeouts of this model; they win over the pool's, the provider's and `routing.timeouts`. */
  timeouts: z.strictObject({
    /** Time to the first token of a stream: `auto` or a duration (see `routing.timeouts.first_token`). */
    first_token: firstTokenSetting().optional(),
  }).optional(),
  /** Switch the model off without deleting it. Default true. */
  enabled: flag().default(true),
};

const shorthandConflicts = exclusive([
  [["constraints", "context_window"], ["context_window"]],
  [["constraints", "max_output_tokens"], ["max_output_tokens"]],
]);

type Constraints = z.output<typeof constraintsSchema>;

/** Moves the `context_window` / `max_output_tokens` shorthands into `constraints`. */
function foldShorthands<T extends { context_window?: number; max_output_tokens?: number; constraints?: Constraints }>(
  entry: T,
): Omit<T, "context_window" | "max_output_tokens"> {
  const { context_window, max_output_tokens, ...rest } = entry;
  if (context_window === undefined && max_output_tokens === undefined) return rest;
  return {
    ...rest,
    constraints: {
      ...rest.constraints,
      ...(context_window !== undefined ? { context_window } : {}),
      ...(max_output_tokens !== undefined ? { max_output_tokens } : {}),
    },
  };
}

/** One `models.<id>` entry before its vendor model id is defaulted from the key. */
export const modelEntrySchema = z
  .strictObject({
    /** Name of the provider entry that serves this model (required). */
    provider: text(),
    /**
     * The vendor's model id sent upstream (e.g. `gpt-4.1`). Default: the entry key with a leading
     * `<provider>.` removed when present, else the key itself. Never split at any other dot.
     */
    model: text().optional(),
    ...modelBody,
  })
  .check(shorthandConflicts)
  .transform(foldShorthands);

/** One item of `providers.<name>.models` (or `providers.<name>.config.models`). */
export const providerModelSchema = z
  .strictObject({
    /** The vendor's model id (e.g. `gpt-4o`); the model becomes `models["<provider>.<id>"]`. */
    id: text(),
    ...modelBody,
  })
  .check(shorthandConflicts)
  .transform(foldShorthands);

/**
 * The vendor model id for a `models.<key>` entry of `provider`: the key minus a leading `<provider>.`,
 * else the key unchanged (`openai.gpt-4.1` → `gpt-4.1`; `gpt-4.1` → `gpt-4.1`).
 */
export function vendorModelId(key: string, provider: string): string {
  const prefix = `${provider}.`;
  return key.startsWith(prefix) && key.length > prefix.length ? key.slice(prefix.length) : key;
}

/** The `models` section: model id → entry, with `model` (vendor id) always set. */
export const modelsSectionSchema = z.record(text(), modelEntrySchema).transform((models) =>
  Object.fromEntries(
    Object.entries(models).map(([key, entry]) => [key, { ...entry, model: entry.model ?? vendorModelId(key, entry.provider) }]),
  ),
);
