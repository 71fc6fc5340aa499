/**
 * Test rig: one mock provider (real HTTP on 127.0.0.1) per provider name, each serving model `m`, wired into a
 * mesh built by `createMesh` from config, with a manual clock shared by the router, the ledger and the mocks.
 */
import { ConnectorRegistry, createManualClock, createMesh, seededRandom } from "@modelmesh/core";
import type { ChatCompletion, ConnectorDescriptor, ManualClock, Mesh, MeshEvent, RequestOptions, Routed } from "@modelmesh/core";
import { startMockProvider } from "@modelmesh/testing/server";
import type { MockProvider, MockProviderOptions } from "@modelmesh/testing/server";
import { registerRotationConnectors } from "../../src/index.js";
import { createFetchProvider } from "./fetch-provider.js";

/** One provider of the rig: mock options and extra provider config (`quota`, `budget`). */
export interface RigProvider {
  mock?: Omit<MockProviderOptions, "now" | "models">;
  entry?: Record<string, unknown>;
  /** Extra model config for its models (pricing, features…). */
  model?: Record<string, unknown>;
  /** Upstream model ids it serves; each becomes `models["<name>.<id>"]`. Default `["m"]`. */
  models?: string[];
}

export interface RigOptions {
  providers: Record<string, RigProvider>;
  pools?: Record<string, Record<string, unknown>>;
  /** Start of the fake clock. Default 2026-01-10T12:00:00Z. */
  start?: number;
  /** Extra connectors (custom policies). */
  connectors?: ConnectorDescriptor<never, unknown>[];
  /** Config as YAML text instead of an object. */
  yaml?: (urls: Record<string, string>) => string;
  /** Extra top-level config. */
  config?: Record<string, unknown>;
  /**
   * Let createMesh start the background services the config asks for (recovery scheduler, maintenance), as
   * users get them. Default false: most tests drive their own scheduler instance step by step.
   */
  services?: boolean;
}

export interface Rig {
  mesh: Mesh;
  clock: ManualClock;
  mocks: Record<string, MockProvider>;
  events: MeshEvent[];
  /** Fake latency per provider name, applied when its response headers arrive (advances the clock). */
  latency: Record<string, number>;
  /** One chat request to a pool (or model). */
  chat(model: string, options?: RequestOptions & { user?: string }): Promise<Routed<ChatCompletion>>;
  /** Successful 2xx calls each mock answered. */
  served(name: string): number;
  close(): Promise<void>;
}

const rigs: Rig[] = [];

/** Closes every rig created since the last call (use in `afterEach`). */
export async function closeRigs(): Promise<void> {
  await Promise.all(rigs.splice(0).map((rig) => rig.close()));
}

export async function startRig(options: RigOptions): Promise<Rig> {
  const clock = createManualClock(options.start ?? Date.UTC(2026, 0, 10, 12));
  const latency: Record<string, number> = {};
  const mocks: Record<string, MockProvider> = {};
  for (const [name, provider] of Object.entries(options.providers)) {
    mocks[name] = await startMockProvider({ ...provider.mock, models: (provider.models ?? ["m"]).map((id) => ({ id })), now: () => clock.now() });
  }
  const connector = {
    id: "test.fetch.v1",
    type: "provider" as const,
    specificationVersion: "v1" as const,
    runtime: "universal" as const,
    create: (config: { base_url: string }, context: { instanceId: string }) =>
      createFetchProvider(context.instanceId, config.base_url, [], () => {
        const ms = latency[context.instanceId];
        if (ms) clock.advance(ms);
      }),
  };
  const registry = registerRotationConnectors(new ConnectorRegistry({ connectors: [connector, ...(options.connectors ?? [])] }));
  const urls = Object.fromEntries(Object.entries(mocks).map(([name, mock]) => [name, mock.url]));
  const source =
    options.yaml?.(urls) ??
    {
      providers: Object.fromEntries(Object.entries(options.providers).map(([name, p]) => [name, { connector: "test.fetch.v1", config: { base_url: urls[name] }, ...p.entry }])),
      models: Object.fromEntries(
        Object.entries(options.providers).flatMap(([name, p]) => (p.models ?? ["m"]).map((id) => [`${name}.${id}`, { provider: name, model: id, capabilities: ["chat-completion"], ...p.model }])),
      ),
      pools: options.pools ?? {},
      ...options.config,
    };
  const mesh = await createMesh(source, { registry, clock, env: {}, random: seededRandom(42), startServices: options.services ?? false });
  const events: MeshEvent[] = [];
  mesh.events.on("*", (event) => events.push(event));
  const rig: Rig = {
    mesh,
    clock,
    mocks,
    events,
    latency,
    chat: (model, { user, ...requestOptions } = {}) =>
      mesh.router.chat({ model, messages: [{ role: "user", content: "hello there" }], ...(user ? { user } : {}) }, requestOptions),
    served: (name) => mocks[name]!.calls.filter((call) => call.status !== undefined && call.status < 300).length,
    async close() {
      await mesh.close();
      await Promise.all(Object.values(mocks).map((mock) => mock.close()));
    },
  };
  rigs.push(rig);
  return rig;
}

/** Runs `n` requests at once (Promise.allSettled), returning the settled results in order. */
export function burst<T>(n: number, run: (i: number) => Promise<T>): Promise<Array<PromiseSettledResult<T>>> {
  return Promise.allSettled(Array.from({ length: n }, (_, i) => run(i)));
}

/** Counts of the final route of successful results. */
export function countByRoute(results: Array<PromiseSettledResult<Routed<unknown>>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) {
    if (result.status !== "fulfilled") continue;
    const id = result.value.trace.final!.routeId;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}
