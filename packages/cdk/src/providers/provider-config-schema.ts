import type { ConfigIssue } from "@modelmesh/core";
import { z } from "zod";

/**
 * The zod schema of the snake_case YAML block of an OpenAI-style provider, for connector descriptors
 * (`configSchema`) and for families that `.extend()` it. Kept apart from `provider-config.ts` so that the
 * provider classes, whose `fromConfig` uses the zod-free mapper there, never load zod (a browser bundle of a
 * provider stays small); `test/providers/provider-config.test.ts` keeps the two in step.
 */

const modelSchema = /* @__PURE__ */ z.looseObject({
  id: z.string().min(1),
  name: z.string().optional(),
  capabilities: z.array(z.string()).optional(),
  context_window: z.number().int().positive().optional(),
  max_output_tokens: z.number().int().positive().optional(),
  features: z.record(z.string(), z.boolean()).optional(),
  delivery: z.record(z.string(), z.boolean()).optional(),
  pricing: z
    .object({
      input_per_million: z.number().nonnegative(),
      output_per_million: z.number().nonnegative(),
      per_request: z.number().nonnegative().optional(),
    })
    .optional(),
});

/** Zod schema of the snake_case YAML block of an OpenAI-style provider (extra keys allowed). */
export const providerConfigSchema = /* @__PURE__ */ z.looseObject({
  base_url: z.url(),
  api_key: z.string().optional(),
  auth: z
    .object({
      method: z.enum(["api_key", "oauth", "service_account"]).optional(),
      api_key: z.string().optional(),
    })
    .optional(),
  models: z.array(modelSchema).optional(),
  capabilities: z.array(z.string()).optional(),
  timeout: z.union([z.number().nonnegative(), z.string()]).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  organization: z.string().optional(),
  project: z.string().optional(),
  proxy_url: z.string().optional(),
  stream_usage: z.boolean().optional(),
});

/** The snake_case YAML block, as validated. */
export type ProviderConfigBlock = z.infer<typeof providerConfigSchema>;

/** Converts zod issues to config issues (paths only; values are never echoed: they may be secrets). */
export function zodIssues(error: z.ZodError, prefix = ""): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((part) => part !== "").join("."),
    message: issue.message,
  }));
}
