/** A recording DiscoveryHost and a registry with this package's descriptors. */
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { ConnectorRegistry, createManualClock, type ConnectorContext, type ConnectorDescriptor, type DiscoveryHost, type HealthReport, type ManualClock, type SyncResult } from "@modelmesh/core";
import { DISCOVERY_CONNECTORS } from "../src/index.js";

export type HostCall =
  | { kind: "unhealthy"; providerId: string; report: HealthReport }
  | { kind: "healthy"; providerId: string; report: HealthReport }
  | { kind: "sync"; result: SyncResult };

/** A host with the given providers; `listings` is what `listModels` answers (an Error rejects). */
export function recordingHost(providerIds: string[], listings: Record<string, string[] | Error | Promise<string[]>> = {}) {
  const calls: HostCall[] = [];
  const listed: string[] = [];
  const host: DiscoveryHost = {
    providerIds: () => providerIds,
    async listModels(providerId) {
      listed.push(providerId);
      const listing = listings[providerId];
      if (listing === undefined) throw new Error(`unknown provider '${providerId}'`);
      if (listing instanceof Error) throw listing;
      return [...(await listing)];
    },
    providerUnhealthy: (providerId, report) => void calls.push({ kind: "unhealthy", providerId, report }),
    providerHealthy: (providerId, report) => void calls.push({ kind: "healthy", providerId, report }),
    syncResult: (result) => void calls.push({ kind: "sync", result }),
  };
  return { host, calls, listed, listings };
}

/** The registry of a mesh: the CDK's connectors with this package's discovery descriptors in place of the CDK's. */
export const registry = () => new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...DISCOVERY_CONNECTORS] });

/** A connector context on a manual clock. */
export function manualContext(path: string): { clock: ManualClock; context: ConnectorContext } {
  const clock = createManualClock();
  return { clock, context: { instanceId: path, clock, env: {}, runtime: "node" } };
}

/** Creates a discovery connector through the registry (so its config schema applies). */
export function make<T>(idOrAlias: string, config: Record<string, unknown>, context: ConnectorContext, path = "discovery.health"): Promise<T> {
  return registry().create<T>(idOrAlias, config, context, { type: "discovery", path });
}

/** Error thrown by `promise` or `fn` (fails the test if there is none). */
export async function failure(run: Promise<unknown> | (() => unknown)): Promise<Error & { code?: string; issues?: Array<{ path: string; message: string }> }> {
  try {
    await (typeof run === "function" ? run() : run);
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

/** Polls `probe` until it returns true, failing after `ms`. */
export async function until(what: string, probe: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A mesh registry whose discovery connectors are recorded as they are created (to await their rounds). */
export function capturingRegistry() {
  const created: Array<{ idle(): Promise<void> }> = [];
  const wrap = (descriptor: ConnectorDescriptor): ConnectorDescriptor => ({
    ...descriptor,
    create: async (config, context) => {
      const instance = (await descriptor.create(config, context)) as { idle(): Promise<void> };
      created.push(instance);
      return instance;
    },
  });
  const meshRegistry = new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...DISCOVERY_CONNECTORS.map(wrap)] });
  return { registry: meshRegistry, created };
}
