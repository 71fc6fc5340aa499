/**
 * The recovery keys from config, as users get them: `createMesh` starts the recovery scheduler service when a
 * pool asks for probes (`probe_interval`, `probe_on_start`), outage detection or a maintenance window, stops it on
 * `close()`, and refuses those keys when no registered service can honour them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { ConnectorRegistry, createManualClock, createMesh, MemoryStateStore, MeshEventBus } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { ROTATION_CONNECTORS, registerRotationConnectors } from "../src/index.js";
import { closeRigs, startRig } from "./support/rig.js";

afterEach(closeRigs);

const T0 = Date.UTC(2026, 0, 10, 12);

/** Polls `condition` (real time, bounded) while background probes over real sockets finish. */
async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("recovery scheduler service", () => {
  it("recovery.probe_interval from YAML probes a parked route on its period and brings it back before the cooldown", async () => {
    const rig = await startRig({
      services: true,
      providers: { a: { mock: { faults: [{ fault: { kind: "down", forMs: 45_000 } }] } }, b: {} },
      yaml: (urls) => `
providers:
  a: { connector: test.fetch.v1, config: { base_url: "${urls.a}" } }
  b: { connector: test.fetch.v1, config: { base_url: "${urls.b}" } }
models:
  a.m: { provider: a, model: m, capabilities: [chat-completion] }
  b.m: { provider: b, model: m, capabilities: [chat-completion] }
pools:
  main:
    models: [a.m, b.m]
    strategy: modelmesh.priority-selection.v1
    deactivation: { retry_limit: 1 }
    recovery: { cooldown: 10m, probe_interval: 20s }
`,
    });
    expect((await rig.chat("main")).trace.final!.routeId).toBe("b/b.m"); // a fails at t=0 and is parked for 10 minutes
    const probes = () => rig.events.filter((e) => e.type === "route-probe" && e.routeId === "a/a.m");
    for (let t = 5; t <= 60; t += 5) {
      rig.clock.advance(5_000);
      // A due probe is judged before the clock moves on: one still in flight at the next period is skipped.
      if (t % 20 === 0) await until(() => probes().length === t / 20, `the probe at ${t}s`);
    }
    expect(probes().map((e) => (e as { ok: boolean }).ok)).toEqual([false, false, true]);
    expect(rig.mocks.a!.calls.map((c) => [(c.at - T0) / 1000, c.status])).toEqual([[0, 503], [20, 503], [40, 503], [60, 200]]);
    await until(() => rig.events.some((e) => e.type === "route-recovered" && e.routeId === "a/a.m"), "the recovery");
    expect((await rig.chat("main")).trace.final!.routeId).toBe("a/a.m");
  });

  it("recovery.probe_on_start probes routes left on standby when the mesh starts, without holding createMesh up", async () => {
    const clock = createManualClock(T0);
    const mock: MockProvider = await startMockProvider({ models: [{ id: "m" }], now: () => clock.now() });
    try {
      const registry = registerRotationConnectors(new ConnectorRegistry({ connectors: [...CDK_CONNECTORS] }));
      // The state a restarted instance loads: route a on standby for an error, an hour to go.
      const store = new (class KeptStore extends MemoryStateStore {
        // Outlives the first mesh, as a storage connector's snapshot would.
        override close(): Promise<void> {
          return Promise.resolve();
        }
      })({ clock });
      const config = {
        providers: { a: { connector: "openai-compatible", config: { base_url: mock.url, models: [{ id: "m", capabilities: ["chat-completion"] }] } } },
        pools: { main: { models: ["a.m"], recovery: { probe_on_start: true } } },
      };
      const first = await createMesh(config, { registry, clock, env: {}, store, startServices: false });
      await first.ledger.deactivateRoute("a/a.m", "error_threshold", T0 + 3_600_000);
      await first.close();
      expect(mock.calls).toHaveLength(0);
      const events = new MeshEventBus();
      const recovered: string[] = [];
      events.on("route-recovered", (event) => recovered.push(`${event.routeId} ${event.trigger}`));
      const mesh = await createMesh(config, { registry, clock, env: {}, store, events });
      try {
        await until(() => recovered.length > 0, "the start-up probe");
        expect(recovered).toEqual(["a/a.m probe_success"]); // the probe at start-up, before any request
        expect(mock.calls).toHaveLength(1);
      } finally {
        await mesh.close();
      }
    } finally {
      await mock.close();
    }
  });

  it("provider_deactivation: on_api_outage from config parks the whole provider once every route of it is down", async () => {
    const rig = await startRig({
      services: true,
      providers: { a: { models: ["m1", "m2"], mock: { faults: [{ fault: { kind: "down", forMs: 3_600_000 } }] } }, b: {} },
      pools: { main: { models: ["a.m1", "a.m2", "b.m"], strategy: "modelmesh.priority-selection.v1", deactivation: { retry_limit: 1 }, provider_deactivation: "on_api_outage", provider_recovery: "on_manual" } },
    });
    expect((await rig.chat("main")).trace.attempts.map((a) => a.routeId)).toEqual(["a/a.m1", "a/a.m2", "b/b.m"]);
    await until(() => rig.events.some((e) => e.type === "provider-deactivated" && e.providerId === "a"), "the provider to be parked");
    const status = await rig.mesh.ledger.providerStatus("a");
    expect([status.status, status.reason, status.until]).toEqual(["standby", "error_threshold", undefined]);
  });

  it("refuses the keys when the registry has no recovery scheduler, naming the package", async () => {
    const registry = new ConnectorRegistry({ connectors: [...ROTATION_CONNECTORS, ...CDK_CONNECTORS] });
    const yaml = `
providers:
  a: { connector: openai-compatible, config: { base_url: "http://127.0.0.1:9", models: [{ id: m }] } }
pools:
  main:
    models: [a.m]
    recovery: { probe_interval: 30s }
    provider_deactivation: on_api_outage
`;
    const error = await createMesh(yaml, { registry, env: {} }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/pools\.main\.recovery\.probe_interval: needs the recovery scheduler of @modelmesh\/rotation/);
    expect(String(error)).toMatch(/pools\.main\.provider_deactivation: needs the recovery scheduler/);
  });

  it("a maintenance_window from config parks the pool's routes as the window opens; close() stops the timers", async () => {
    const rig = await startRig({
      services: true,
      start: Date.UTC(2026, 0, 10, 1, 59),
      providers: { a: {}, b: {} },
      pools: {
        "a-maintenance": { models: ["a.m"], deactivation: { maintenance_window: "* 2 * * *" } },
        main: { models: ["a.m", "b.m"], strategy: "modelmesh.priority-selection.v1" },
      },
    });
    expect((await rig.chat("main")).trace.final!.routeId).toBe("a/a.m");
    rig.clock.advance(60_000); // 02:00
    await until(() => rig.events.some((e) => e.type === "route-deactivated" && e.reason === "maintenance_window"), "the window to park a");
    expect((await rig.chat("main")).trace.final!.routeId).toBe("b/b.m");
    expect(rig.mocks.a!.calls).toHaveLength(1); // nothing was sent into the window
    const parked = () => rig.events.filter((e) => e.type === "route-deactivated").length;
    expect(parked()).toBe(1);
    await rig.mesh.close();
    rig.clock.set(Date.UTC(2026, 0, 11, 2, 0)); // the next night's window: no scheduler left to open it
    expect(parked()).toBe(1);
  });
});
