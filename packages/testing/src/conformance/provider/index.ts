/** The provider conformance suite: contract, execution and the fault list, against a real local mock provider. */
import type { ConformanceSuite } from "../runner.js";
import { describeConformance } from "../vitest-suite.js";
import { providerContractChecks, type ProviderCheck } from "./contract-checks.js";
import { providerCapabilities, setupProviderEnvironment } from "./environment.js";
import { providerExecutionChecks } from "./execution-checks.js";
import { providerFaultChecks } from "./fault-checks.js";
import type { ProviderCapabilities, ProviderCheckContext, ProviderConformanceOptions } from "./types.js";

/** Every provider check, in run order: contract, execution, faults. */
export const providerConformanceChecks: readonly ProviderCheck[] = [...providerContractChecks, ...providerExecutionChecks, ...providerFaultChecks];

/** The provider suite, for {@link runConformance} (programmatic) or {@link describeProviderConformance}. */
export const providerConformance: ConformanceSuite<ProviderConformanceOptions, ProviderCheckContext, ProviderCapabilities> = {
  kind: "provider",
  checks: providerConformanceChecks,
  capabilities: providerCapabilities,
  setup: setupProviderEnvironment,
};

/**
 * Registers the provider conformance suite in the current vitest file: one mock provider per suite (closed in
 * `afterAll`), one fresh connector per check. Checks for capabilities declared `false` are skipped.
 * @example
 * describeProviderConformance("MyProvider", {
 *   create: ({ baseUrl, apiKey, model }) => new MyProvider({ baseUrl, apiKey, models: [{ id: model, capabilities: [CHAT] }] }),
 *   capabilities: { embeddings: true },
 * });
 */
export function describeProviderConformance(name: string, options: ProviderConformanceOptions): void {
  describeConformance(providerConformance, name, options);
}
