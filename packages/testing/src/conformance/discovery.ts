/**
 * Discovery conformance: sync results and status have the contract's shape, an unchanged catalogue syncs
 * without noise, probes echo the provider and never reject, health reports are bounded, and — for connectors
 * that really probe — a healthy endpoint passes while a failing one fails and counts consecutive failures.
 * The suite serves both endpoints from its own mock provider (`/v1/models` answers 200, an unknown route 404).
 */
import type { DiscoveryConnectorV1, HealthReport, ProbeResult, SyncResult } from "@modelmesh/core";
import { startMockProvider } from "../server/mock-provider.js";
import { check, equal, hasMethod, isCount, show, within } from "./assert.js";
import type { ConformanceCheck, ConformanceSuite } from "./runner.js";
import { describeConformance } from "./vitest-suite.js";

/** One probe target the suite serves. */
export interface DiscoveryTarget {
  /** Provider id to register / probe. */
  providerId: string;
  /** Base URL; the health request goes to `baseUrl + healthPath`. */
  baseUrl: string;
}

/** What `create` receives: a healthy and an unhealthy target sharing one health path. */
export interface DiscoveryCreateContext {
  /** Path appended to each base URL for the health request (`/models`). */
  healthPath: string;
  /** Answers 200. */
  healthy: DiscoveryTarget;
  /** Answers 404. */
  unhealthy: DiscoveryTarget;
}

/** Capability flags of a discovery connector. */
export interface DiscoveryCapabilities {
  [flag: string]: boolean | undefined;
  /** `probe()` really contacts the targets (default true); false for connectors without health probes. */
  probes?: boolean;
}

/** Options of `describeDiscoveryConformance`. */
export interface DiscoveryConformanceOptions {
  /** Builds a fresh connector that knows both targets (probing `baseUrl + healthPath`). */
  create: (context: DiscoveryCreateContext) => DiscoveryConnectorV1 | Promise<DiscoveryConnectorV1>;
  capabilities?: DiscoveryCapabilities;
}

/** What a discovery check gets. */
export interface DiscoveryCheckContext {
  readonly targets: DiscoveryCreateContext;
  create(): Promise<DiscoveryConnectorV1>;
}

type Check = ConformanceCheck<DiscoveryCheckContext, DiscoveryCapabilities>;

async function withDiscovery(context: DiscoveryCheckContext, body: (discovery: DiscoveryConnectorV1) => Promise<void>): Promise<void> {
  const discovery = await context.create();
  try {
    await body(discovery);
  } finally {
    await Promise.resolve(discovery.stop?.()).catch(() => {});
  }
}

function checkSyncResult(result: SyncResult, what: string): void {
  for (const key of ["newModels", "deprecatedModels", "updatedModels", "errors"] as const) {
    check(Array.isArray(result?.[key]), `${what}.${key} must be an array, got ${show(result?.[key])}`);
  }
}

function checkProbe(result: ProbeResult, providerId: string, what: string): void {
  equal(result?.providerId, providerId, `${what}.providerId`);
  check(typeof result.success === "boolean", `${what}.success must be a boolean, got ${show(result.success)}`);
  check(result.latencyMs === undefined || isCount(result.latencyMs), `${what}.latencyMs must be a number ≥ 0`);
}

function checkReport(report: HealthReport, what: string): void {
  check(typeof report?.providerId === "string", `${what}.providerId must be a string`);
  check(typeof report.availabilityScore === "number" && report.availabilityScore >= 0 && report.availabilityScore <= 1, `${what}.availabilityScore must be within 0..1, got ${show(report.availabilityScore)}`);
  check(Number.isInteger(report.consecutiveFailures) && report.consecutiveFailures >= 0, `${what}.consecutiveFailures must be an integer ≥ 0`);
  check(isCount(report.timestamp), `${what}.timestamp must be epoch ms`);
}

/** Every discovery check. */
export const discoveryConformanceChecks: readonly Check[] = [
  {
    name: "declares specificationVersion v1, an id and every required method",
    group: "contract",
    run: (context) =>
      withDiscovery(context, async (discovery) => {
        equal(discovery.specificationVersion, "v1", "specificationVersion");
        check(typeof discovery.id === "string" && discovery.id !== "", `id must be a non-empty string, got ${show(discovery.id)}`);
        for (const method of ["sync", "getSyncStatus", "probe", "getHealthReport"]) hasMethod(discovery, method, "a DiscoveryConnectorV1");
      }),
  },
  {
    name: "sync resolves a SyncResult and updates getSyncStatus",
    group: "sync",
    run: (context) =>
      withDiscovery(context, async (discovery) => {
        checkSyncResult(await within(discovery.sync([]), 5_000, "sync([])"), "sync([])");
        const result = await within(discovery.sync(), 5_000, "sync()");
        checkSyncResult(result, "sync()");
        const status = await discovery.getSyncStatus();
        check(["idle", "pending", "running", "error"].includes(status?.status), `getSyncStatus().status must be idle/pending/running/error, got ${show(status?.status)}`);
        check(isCount(status.modelsSynced), `getSyncStatus().modelsSynced must be a number ≥ 0`);
        check(isCount(status.lastSync), `getSyncStatus().lastSync must be set after a sync, got ${show(status.lastSync)}`);
      }),
  },
  {
    name: "a repeated sync of an unchanged catalogue reports no changes",
    group: "sync",
    run: (context) =>
      withDiscovery(context, async (discovery) => {
        await within(discovery.sync(), 5_000, "the first sync()");
        const again = await within(discovery.sync(), 5_000, "the second sync()");
        checkSyncResult(again, "the second sync()");
        const changes = [...again.newModels, ...again.updatedModels, ...again.deprecatedModels];
        equal(changes.length, 0, `changes reported by a sync of an unchanged catalogue (${show(changes)})`);
      }),
  },
  {
    name: "probe echoes the provider id and never rejects",
    group: "health",
    run: (context) =>
      withDiscovery(context, async (discovery) => {
        for (const target of [context.targets.healthy, context.targets.unhealthy]) {
          checkProbe(await within(discovery.probe(target.providerId), 5_000, `probe(${show(target.providerId)})`), target.providerId, "probe()");
        }
        checkProbe(await within(discovery.probe("conformance-unknown-provider"), 5_000, "probe(unknown)"), "conformance-unknown-provider", "probe(unknown)");
      }),
  },
  {
    name: "getHealthReport returns bounded reports, for one provider or all",
    group: "health",
    run: (context) =>
      withDiscovery(context, async (discovery) => {
        const one = await within(discovery.getHealthReport(context.targets.healthy.providerId), 5_000, "getHealthReport(id)");
        check(Array.isArray(one) && one.length === 1, `getHealthReport(id) must resolve one report, got ${show(one)}`);
        checkReport(one[0]!, "getHealthReport(id)[0]");
        equal(one[0]!.providerId, context.targets.healthy.providerId, "getHealthReport(id)[0].providerId");
        const all = await within(discovery.getHealthReport(), 5_000, "getHealthReport()");
        check(Array.isArray(all), "getHealthReport() must resolve an array");
        all.forEach((report, index) => checkReport(report, `getHealthReport()[${index}]`));
      }),
  },
  {
    name: "a healthy endpoint passes, a failing one fails and counts consecutive failures",
    group: "health",
    requires: ["probes"],
    run: (context) =>
      withDiscovery(context, async (discovery) => {
        const { healthy, unhealthy } = context.targets;
        equal((await discovery.probe(healthy.providerId)).success, true, "probe() of the healthy endpoint");
        equal((await discovery.probe(unhealthy.providerId)).success, false, "probe() of the failing endpoint");
        await discovery.getHealthReport(unhealthy.providerId);
        const [report] = await discovery.getHealthReport(unhealthy.providerId);
        check(report !== undefined && report.success === false, `the failing endpoint must report success false, got ${show(report)}`);
        check(report.consecutiveFailures >= 2, `consecutiveFailures must grow with each failed probe, got ${report.consecutiveFailures}`);
        check(report.availabilityScore < 1, `availabilityScore of a failing endpoint must drop below 1, got ${report.availabilityScore}`);
      }),
  },
  {
    name: "start and stop are idempotent and stop settles",
    group: "optional",
    run: (context) =>
      withDiscovery(context, async (discovery) => {
        if (typeof discovery.start !== "function" || typeof discovery.stop !== "function") return;
        discovery.start();
        discovery.start();
        await within(discovery.stop(), 5_000, "stop()");
        await within(discovery.stop(), 5_000, "a second stop()");
      }),
  },
];

/** The discovery suite. */
export const discoveryConformance: ConformanceSuite<DiscoveryConformanceOptions, DiscoveryCheckContext, DiscoveryCapabilities> = {
  kind: "discovery",
  checks: discoveryConformanceChecks,
  capabilities: (options) => ({ probes: options.capabilities?.probes ?? true }),
  async setup(options) {
    const mock = await startMockProvider({ models: [{ id: "conformance-model" }] });
    const targets: DiscoveryCreateContext = {
      healthPath: "/models",
      healthy: { providerId: "conformance-up", baseUrl: mock.url },
      unhealthy: { providerId: "conformance-down", baseUrl: `${mock.url}/conformance-down` },
    };
    return { context: { targets, create: async () => options.create(targets) }, close: () => mock.close() };
  },
};

/**
 * Registers the discovery conformance suite in the current vitest file.
 * @example
 * describeDiscoveryConformance("HttpHealthDiscovery", {
 *   create: ({ healthPath, healthy, unhealthy }) =>
 *     new HttpHealthDiscovery({ healthPath, endpoints: { [healthy.providerId]: healthy.baseUrl, [unhealthy.providerId]: unhealthy.baseUrl } }),
 * });
 */
export function describeDiscoveryConformance(name: string, options: DiscoveryConformanceOptions): void {
  describeConformance(discoveryConformance, name, options);
}
