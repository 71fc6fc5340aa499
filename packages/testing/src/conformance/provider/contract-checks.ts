/**
 * The provider interface contract, independent of any upstream fault: identity, the required methods (and the
 * optional ones, when present), catalogue, classification and `close` (docs/ARCHITECTURE.md §2.14).
 */
import type { ErrorCategory, ModelPricing, ProviderConnectorV1 } from "@modelmesh/core";
import { isModelMeshError, ProviderError } from "@modelmesh/core";
import { check, equal, hasMethod, isCount, show, within } from "../assert.js";
import type { ConformanceCheck } from "../runner.js";
import { withProvider } from "./environment.js";
import type { ProviderCapabilities, ProviderCheckContext } from "./types.js";

/** A provider check. */
export type ProviderCheck = ConformanceCheck<ProviderCheckContext, ProviderCapabilities>;

/** Every routing category a classification may carry (docs/ARCHITECTURE.md §2.6 plus core's own). */
export const ERROR_CATEGORIES: ReadonlySet<ErrorCategory> = new Set<ErrorCategory>([
  "rate_limit", "quota_exhausted", "auth", "server", "network", "timeout", "context_length", "content_filter",
  "invalid_request", "stream_interrupted", "config", "routing", "cancelled", "internal",
]);

/** What the router calls on every provider. */
const REQUIRED_METHODS = ["complete", "stream", "listModels", "classifyError", "close"] as const;

/** Optional capabilities, discovered by presence: when a member is there, it must be a method. */
const OPTIONAL_METHODS = ["embed", "generateImage", "speech", "transcribe", "getCapabilities", "discoverModels", "submitBatch", "uploadFile", "createFineTune"] as const;

/** A capability path: dot-separated, no empty segment. */
function isCapabilityPath(value: unknown): boolean {
  return typeof value === "string" && value !== "" && value.split(".").every((part) => part !== "");
}

function checkPricing(pricing: ModelPricing | undefined, what: string): void {
  if (pricing === undefined) return;
  check(isCount(pricing.inputPerMillion) && isCount(pricing.outputPerMillion), `${what} must give non-negative inputPerMillion/outputPerMillion, got ${show(pricing)}`);
  check(pricing.perRequest === undefined || isCount(pricing.perRequest), `${what}.perRequest must be a non-negative number`);
}

/** Checks one classification's shape (and, for a ModelMesh error, that it keeps the error's own category). */
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
    name: "implements the required methods; optional members, when present, are methods",
    group: "contract",
    run: (context) =>
      withProvider(context, async (provider) => {
        for (const method of REQUIRED_METHODS) hasMethod(provider, method, "a ProviderConnectorV1");
        const record = provider as unknown as Record<string, unknown>;
        for (const method of OPTIONAL_METHODS) if (record[method] !== undefined) hasMethod(provider, method, "a ProviderConnectorV1 (optional, present)");
      }),
  },
  {
    name: "getCapabilities, when present, returns capability paths",
    group: "contract",
    run: (context) =>
      withProvider(context, async (provider) => {
        if (provider.getCapabilities === undefined) return;
        const capabilities = provider.getCapabilities();
        check(Array.isArray(capabilities), `getCapabilities() must return an array, got ${show(capabilities)}`);
        for (const capability of capabilities) check(isCapabilityPath(capability), `getCapabilities() must list dotted capability paths, got ${show(capability)}`);
      }),
  },
  {
    name: "listModels lists the served model once, with capability paths and valid prices",
    group: "contract",
    run: (context) =>
      withProvider(context, async (provider) => {
        const models = await within(provider.listModels(), 5_000, "listModels()");
        check(Array.isArray(models), `listModels() must resolve an array, got ${show(models)}`);
        const seen = new Set<string>();
        for (const model of models) {
          check(typeof model?.id === "string" && model.id !== "" && Array.isArray(model.capabilities), `each ModelInfo needs an id and a capabilities array, got ${show(model)}`);
          check(!seen.has(model.id), `listModels() must list each model id once, ${show(model.id)} appears twice`);
          seen.add(model.id);
          for (const capability of model.capabilities) check(isCapabilityPath(capability), `capabilities of ${show(model.id)} must be dotted capability paths, got ${show(capability)}`);
          checkPricing(model.pricing, `pricing of ${show(model.id)}`);
        }
        check(seen.has(context.model), `listModels() must include the configured or discovered model ${show(context.model)}, got ${show([...seen])}`);
      }),
  },
  {
    name: "classifyError classifies any error and never throws",
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
