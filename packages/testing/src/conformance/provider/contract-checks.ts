/**
 * The provider interface contract, independent of any upstream fault: identity, required methods,
 * capability matching, catalogue, accounting, classification and `close`.
 */
import type { ErrorCategory, ModelPricing, ProviderConnectorV1 } from "@modelmesh/core";
import { isModelMeshError, ProviderError } from "@modelmesh/core";
import { check, codeOf, equal, hasMethod, isCount, rejection, show, within } from "../assert.js";
import type { ConformanceCheck } from "../runner.js";
import { withProvider } from "./environment.js";
import type { ProviderCapabilities, ProviderCheckContext } from "./types.js";

/** A provider check. */
export type ProviderCheck = ConformanceCheck<ProviderCheckContext, ProviderCapabilities>;

/** Every routing category a classification may carry (ARCHITECTURE §2.6 plus core's own). */
export const ERROR_CATEGORIES: ReadonlySet<ErrorCategory> = new Set<ErrorCategory>([
  "rate_limit", "quota_exhausted", "auth", "server", "network", "timeout", "context_length", "content_filter",
  "invalid_request", "stream_interrupted", "config", "routing", "cancelled", "internal",
]);

const REQUIRED_METHODS = [
  "complete", "stream", "getCapabilities", "supports", "listModels", "getModelInfo", "checkQuota",
  "getRateLimits", "getPricing", "reportUsage", "classifyError", "isRetryable", "close",
] as const;

const UNKNOWN_MODEL = "conformance-no-such-model";

function checkPricing(pricing: ModelPricing | undefined, what: string): void {
  if (pricing === undefined) return;
  check(isCount(pricing.inputPerMillion) && isCount(pricing.outputPerMillion), `${what} must give non-negative inputPerMillion/outputPerMillion, got ${show(pricing)}`);
  check(pricing.perRequest === undefined || isCount(pricing.perRequest), `${what}.perRequest must be a non-negative number`);
}

/** Checks one classification's shape and its agreement with `isRetryable`. */
export function checkClassificationShape(provider: ProviderConnectorV1, error: unknown, what: string) {
  let classification: ReturnType<ProviderConnectorV1["classifyError"]>;
  try {
    classification = provider.classifyError(error);
  } catch (thrown) {
    throw new Error(`[modelmesh] [conformance] classifyError(${what}) must not throw, it threw ${show(thrown)}`);
  }
  check(typeof classification === "object" && classification !== null, `classifyError(${what}) must return an object`);
  check(ERROR_CATEGORIES.has(classification.category), `classifyError(${what}).category must be a known category, got ${show(classification.category)}`);
  check(typeof classification.retryable === "boolean", `classifyError(${what}).retryable must be a boolean`);
  check(typeof classification.message === "string", `classifyError(${what}).message must be a string`);
  check(classification.retryAfterMs === undefined || isCount(classification.retryAfterMs), `classifyError(${what}).retryAfterMs must be a non-negative number`);
  equal(provider.isRetryable(error), classification.retryable, `isRetryable(${what}) must equal classifyError(${what}).retryable`);
  if (isModelMeshError(error)) {
    // The router trusts a ModelMesh error's own category; classifyError must not tell a different story.
    equal(classification.category, error.category, `classifyError(${what}).category vs the thrown error's own category`);
    equal(classification.retryable, error.retryable, `classifyError(${what}).retryable vs the thrown error's own retryable`);
  }
  return classification;
}

/** The contract checks. */
export const providerContractChecks: readonly ProviderCheck[] = [
  {
    name: "declares specificationVersion v1, an id and a connectorId",
    group: "contract",
    run: (context) =>
      withProvider(context, async (provider) => {
        equal(provider.specificationVersion, "v1", "specificationVersion");
        check(typeof provider.id === "string" && provider.id !== "", `id must be a non-empty string, got ${show(provider.id)}`);
        check(typeof provider.connectorId === "string" && provider.connectorId !== "", `connectorId must be a non-empty string, got ${show(provider.connectorId)}`);
      }),
  },
  {
    name: "implements every required method",
    group: "contract",
    run: (context) =>
      withProvider(context, async (provider) => {
        for (const method of REQUIRED_METHODS) hasMethod(provider, method, "a ProviderConnectorV1");
      }),
  },
  {
    name: "supports() matches served capabilities and their ancestors, nothing else",
    group: "contract",
    run: (context) =>
      withProvider(context, async (provider) => {
        const capabilities = provider.getCapabilities();
        check(Array.isArray(capabilities) && capabilities.length > 0, `getCapabilities() must return a non-empty array, got ${show(capabilities)}`);
        for (const capability of capabilities) {
          check(typeof capability === "string" && capability !== "", `capability paths must be non-empty strings, got ${show(capability)}`);
          const parts = capability.split(".");
          for (let length = parts.length; length >= 1; length--) {
            const path = parts.slice(0, length).join(".");
            check(provider.supports(path) === true, `supports(${show(path)}) must be true: it is ${length === parts.length ? "served" : `an ancestor of ${capability}`}`);
          }
          check(provider.supports(`${capability}.conformance-child`) === false, `supports() must be false for a child of a served leaf (${capability}.conformance-child)`);
        }
        check(provider.supports("conformance-unknown.capability") === false, `supports("conformance-unknown.capability") must be false`);
      }),
  },
  {
    name: "listModels includes the served model and getModelInfo returns each listed model",
    group: "contract",
    run: (context) =>
      withProvider(context, async (provider) => {
        const models = await within(provider.listModels(), 5_000, "listModels()");
        check(Array.isArray(models), `listModels() must resolve an array, got ${show(models)}`);
        for (const model of models) {
          check(typeof model?.id === "string" && Array.isArray(model.capabilities), `each ModelInfo needs an id and a capabilities array, got ${show(model)}`);
          const info = await provider.getModelInfo(model.id);
          equal(info?.id, model.id, `getModelInfo(${show(model.id)}).id`);
        }
        check(models.some((model) => model.id === context.model), `listModels() must include the configured or discovered model ${show(context.model)}, got ${show(models.map((m) => m.id))}`);
      }),
  },
  {
    name: "getModelInfo rejects an unknown model with MM_UNKNOWN_MODEL",
    group: "contract",
    run: (context) =>
      withProvider(context, async (provider) => {
        const error = await rejection(() => provider.getModelInfo(UNKNOWN_MODEL), 5_000, `getModelInfo(${show(UNKNOWN_MODEL)})`);
        equal(codeOf(error), "MM_UNKNOWN_MODEL", "code of the rejection for an unknown model");
      }),
  },
  {
    name: "getPricing resolves valid prices or undefined (also for unknown models)",
    group: "contract",
    run: (context) =>
      withProvider(context, async (provider) => {
        checkPricing(await provider.getPricing(context.model), `getPricing(${show(context.model)})`);
        const unknown = await within(provider.getPricing(UNKNOWN_MODEL), 5_000, "getPricing(unknown)");
        check(unknown === undefined, `getPricing(unknown model) must resolve undefined, got ${show(unknown)}`);
      }),
  },
  {
    name: "reportUsage is counted by checkQuota (requests, tokens, cost from pricing)",
    group: "contract",
    run: (context) =>
      withProvider(context, async (provider) => {
        const before = await provider.checkQuota();
        check(isCount(before?.requests) && isCount(before.tokens) && isCount(before.costUsd), `checkQuota() must report requests, tokens and costUsd as numbers ≥ 0, got ${show(before)}`);
        provider.reportUsage(context.model, { promptTokens: 1_000, completionTokens: 500, totalTokens: 1_500 });
        const after = await provider.checkQuota();
        equal(after.requests - before.requests, 1, "checkQuota().requests after one reportUsage");
        equal(after.tokens - before.tokens, 1_500, "checkQuota().tokens after reporting 1500 tokens");
        const pricing = await provider.getPricing(context.model);
        const expected = pricing ? (1_000 * pricing.inputPerMillion + 500 * pricing.outputPerMillion) / 1_000_000 + (pricing.perRequest ?? 0) : 0;
        const cost = after.costUsd - before.costUsd;
        check(Math.abs(cost - expected) < 1e-9, `checkQuota().costUsd must grow by ${expected} (tokens × per-1M prices), grew by ${cost}`);
        const limits = await provider.getRateLimits();
        check(typeof limits === "object" && limits !== null, `getRateLimits() must resolve an object, got ${show(limits)}`);
      }),
  },
  {
    name: "classifyError and isRetryable agree on any error and never throw",
    group: "contract",
    run: (context) =>
      withProvider(context, async (provider) => {
        const samples: Array<[string, unknown]> = [
          ["a plain Error", new Error("boom")],
          ["a string", "something failed"],
          ["undefined", undefined],
          ["an AbortError", Object.assign(new Error("The operation was aborted"), { name: "AbortError" })],
          ["an ECONNRESET error", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })],
          ["an object with status 503", Object.assign(new Error("unavailable"), { status: 503 })],
          ["a ProviderError (rate_limit)", new ProviderError({ code: "MM_RATE_LIMIT", category: "rate_limit", message: "slow down", retryAfterMs: 1_000 })],
        ];
        for (const [what, error] of samples) checkClassificationShape(provider, error, what);
        const own = provider.classifyError(samples[6]![1]);
        equal(own.category, "rate_limit", "classifyError keeps the category of a ModelMesh error");
      }),
  },
  {
    name: "close is idempotent",
    group: "contract",
    run: async (context) => {
      const provider = await context.create();
      await within(Promise.resolve().then(() => provider.close()), 5_000, "close()");
      await within(Promise.resolve().then(() => provider.close()), 5_000, "a second close()");
    },
  },
];
