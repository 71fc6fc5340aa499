/**
 * Precomputed candidate sets, the availability index and the pool registry, seen through the router: state
 * transitions change where requests go at once, on-demand pools come from the registry, requirement signatures
 * never share a set, and a large pool's request trace stays bounded while `explain()` lists everything.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  CapabilityTree,
  ConnectorRegistry,
  createManualClock,
  MemoryStateStore,
  PoolRegistry,
  Router,
  StateLedger,
  createPrioritySelection,
  createCooldownRecovery,
  createThresholdDeactivation,
  type Mesh,
  type RouterModel,
  type RouterPool,
  type RouteSnapshot,
  type SelectionStrategyV1,
} from "../src/index.js";
import { createFetchProvider } from "./support/fetch-provider.js";
import { chatModel, meshFor, testProviderConnector, user } from "./support/mesh.js";
import { startUpstream, type Upstream } from "./support/upstream.js";

const open: Array<Upstream | Mesh> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

const weatherTool = { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: {} } } };

async function meshWith(models: Record<string, unknown>, options: Parameters<typeof meshFor>[1] = {}, extra: Record<string, unknown> = {}) {
  const up = await startUpstream();
  open.push(up);
  const mesh = await meshFor({ providers: { p: { connector: "test.fetch.v1", config: { base_url: up.url } } }, models, ...extra }, options);
  open.push(mesh);
  return { up, mesh };
}

/** `count` chat models `p.m000`, `p.m001`, … with a context window of 8,000 tokens. */
function manyModels(count: number): Record<string, unknown> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`p.m${String(i).padStart(3, "0")}`, chatModel("p", { model: `m${String(i).padStart(3, "0")}`, context_window: 8_000 })]));
}

describe("availability index in routing", () => {
  it("a route parked by hand is skipped at once and serves again as soon as it is back", async () => {
    const { mesh } = await meshWith({ "p.a": chatModel("p"), "p.b": chatModel("p") });
    const ask = async () => (await mesh.router.chat({ model: "chat-completion", messages: user("hi") })).value.model;
    expect(await ask()).toBe("a");
    const index = await mesh.ledger.availability();
    const steady = index.version;
    expect(await ask()).toBe("a");
    expect(index.version).toBe(steady); // a successful request is no transition

    await mesh.ledger.deactivateRoute("p/p.a", "manual");
    expect(index.version).toBeGreaterThan(steady);
    const parked = await mesh.router.chat({ model: "chat-completion", messages: user("hi") });
    expect(parked.value.model).toBe("b");
    expect(parked.trace.candidates.find((c) => c.routeId === "p/p.a")?.excluded).toEqual({ stage: "state", reason: "on standby (manual)" });

    await mesh.ledger.reactivateRoute("p/p.a");
    expect(await ask()).toBe("a");
  });

  it("a route whose standby ran out is eligible again: its probe is the next request", async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 10, 12));
    const { mesh, up } = await meshWith({ "p.a": chatModel("p"), "p.b": chatModel("p") }, { clock });
    await mesh.ledger.deactivateRoute("p/p.a", "maintenance_window", clock.now() + 60_000);
    expect((await mesh.router.chat({ model: "chat-completion", messages: user("hi") })).value.model).toBe("b");
    clock.advance(60_000);
    const back = await mesh.router.chat({ model: "chat-completion", messages: user("hi") });
    expect(back.value.model).toBe("a");
    expect(back.trace.candidates.every((c) => c.excluded === undefined)).toBe(true);
    expect((await mesh.ledger.availability()).route("p/p.a")).toBeUndefined();
    expect(up.calls.map((c) => c.model)).toEqual(["b", "a"]);
  });

  it("a parked provider takes all its routes out; the error names the state", async () => {
    const { mesh } = await meshWith({ "p.a": chatModel("p"), "p.b": chatModel("p") });
    await mesh.ledger.deactivateProvider("p", "manual");
    const error = await mesh.router.chat({ model: "chat-completion", messages: user("hi") }).catch((e) => e);
    expect(error.code).toBe("MM_NO_CANDIDATES");
    expect(error.status).toBe(503);
    expect(error.message).toContain("p.a: provider p on standby (manual)");
    await mesh.ledger.reactivateProvider("p");
    expect((await mesh.router.chat({ model: "chat-completion", messages: user("hi") })).value.model).toBe("a");
  });
});

describe("parked routes ahead of the pick", () => {
  it("are skipped request after request, and whichever way one comes back, it serves again", async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 10, 12));
    const { mesh } = await meshWith(manyModels(120), { clock });
    const name = (i: number) => `p/p.m${String(i).padStart(3, "0")}`;
    const ask = async () => (await mesh.router.chat({ model: "chat-completion", messages: user("hi") })).value.model;
    for (let i = 0; i < 80; i++) await mesh.ledger.deactivateRoute(name(i), "maintenance_window", clock.now() + 60_000);
    expect(await ask()).toBe("m080");
    expect(await ask()).toBe("m080");
    await mesh.ledger.reactivateRoute(name(40));
    expect(await ask()).toBe("m040");
    await mesh.ledger.deactivateRoute(name(40), "manual");
    expect(await ask()).toBe("m080");
    clock.advance(60_000); // the maintenance window is over: m000 is probed first
    expect(await ask()).toBe("m000");
    // Everything out: the fast path gives up at once and the error says so.
    await mesh.ledger.deactivateProvider("p", "manual");
    expect((await mesh.router.chat({ model: "chat-completion", messages: user("hi") }).catch((e) => e)).code).toBe("MM_NO_CANDIDATES");
    await mesh.ledger.reactivateProvider("p");
    expect(await ask()).toBe("m000");
  });
});

describe("pools from the registry", () => {
  it("on-demand pools are built by the pool registry; the map handed to the router is left alone", async () => {
    const up = await startUpstream();
    open.push(up);
    const clock = createManualClock();
    const tree = CapabilityTree.createDefault();
    const chat = "generation.text-generation.chat-completion";
    const models = new Map<string, RouterModel>(
      ["a", "b"].map((id) => [`p.${id}`, { id: `p.${id}`, providerId: "p", upstreamModel: id, capabilities: [chat], features: {}, delivery: { synchronous: true, streaming: true } }]),
    );
    const only: RouterPool = {
      id: "only-b", members: ["p.b"], failoverOnContentFilter: false,
      policies: { selection: createPrioritySelection(), deactivation: createThresholdDeactivation(), recovery: createCooldownRecovery() },
      retry: { maxSameRouteRetries: 0, maxTotalAttempts: 2, backoff: "fixed", initialDelayMs: 0, maxDelayMs: 0, honorRetryAfter: false },
    };
    const given = new Map([[only.id, only]]);
    const router = new Router({
      providers: new Map([["p", { id: "p", connector: createFetchProvider("p", up.url) }]]),
      models, pools: given, tree, clock,
      ledger: new StateLedger({ store: new MemoryStateStore({ clock }), clock }),
      defaults: { deadlineMs: 10_000, connectMs: 5_000, firstTokenMs: 5_000, idleMs: 5_000 },
    });
    expect((await router.chat({ model: "only-b", messages: user("hi") })).value.model).toBe("b");
    const routed = await router.chat({ model: "chat-completion", messages: user("hi") });
    expect(routed.trace.resolution).toEqual({ kind: "alias", poolId: `capability:${chat}`, node: chat });
    expect(routed.value.model).toBe("a");
    expect((await router.chat({ model: "p.b", messages: user("hi") })).trace.resolution).toMatchObject({ kind: "model", poolId: "model:p.b" });
    expect([...given.keys()]).toEqual(["only-b"]);
    expect(router.poolRegistry).toBeInstanceOf(PoolRegistry);
    expect([...router.pools.keys()]).toEqual(["only-b", `capability:${chat}`, "model:p.b"]);
    expect(router.poolRegistry.get(`capability:${chat}`)!.members).toEqual(["p.a", "p.b"]);
  });

  it("createMesh fills the registry; a replaced pool routes by its new members", async () => {
    const { mesh } = await meshWith({ "p.a": chatModel("p"), "p.b": chatModel("p") }, {}, { pools: { team: { models: ["p.a", "p.b"] } } });
    expect((await mesh.router.chat({ model: "team", messages: user("hi") })).value.model).toBe("a");
    const registry = mesh.router.poolRegistry;
    registry.set({ ...registry.get("team")!, members: ["p.b"] });
    const routed = await mesh.router.chat({ model: "team", messages: user("hi") });
    expect(routed.value.model).toBe("b");
    expect(routed.trace.candidates.map((c) => c.modelId)).toEqual(["p.b"]);
  });
});

describe("candidate sets", () => {
  it("requests with different requirements never share a candidate set", async () => {
    const { mesh } = await meshWith({
      "p.plain": chatModel("p", { features: { tool_calling: false }, context_window: 100 }),
      "p.tools": chatModel("p", { features: { tool_calling: true }, context_window: 100_000 }),
    });
    const ask = (body: Record<string, unknown>) => mesh.router.chat({ model: "chat-completion", messages: user("hi"), ...body });
    const withTools = await ask({ tools: [weatherTool] });
    expect(withTools.value.model).toBe("tools");
    expect(withTools.trace.candidates.find((c) => c.modelId === "p.plain")?.excluded).toMatchObject({ stage: "requirement", requirement: "tool_calling" });
    const plain = await ask({});
    expect(plain.value.model).toBe("plain");
    expect(plain.trace.candidates.every((c) => c.excluded === undefined)).toBe(true);
    // A longer prompt crosses the small model's window: another set; a short one after it is back to the first.
    const long = await mesh.router.chat({ model: "chat-completion", messages: user("x ".repeat(400)) });
    expect(long.value.model).toBe("tools");
    expect(long.trace.candidates.find((c) => c.modelId === "p.plain")?.excluded?.reason).toMatch(/^needs ~\d+ tokens, context_window is 100$/);
    expect((await ask({})).value.model).toBe("plain");
    // Requests whose floors admit the same models share a set, yet each trace quotes its own numbers.
    const a = await mesh.router.chat({ model: "chat-completion", messages: user("y ".repeat(300)) });
    const b = await mesh.router.chat({ model: "chat-completion", messages: user("y ".repeat(500)) });
    const reasonOf = (r: typeof a) => r.trace.candidates.find((c) => c.modelId === "p.plain")!.excluded!.reason;
    expect(reasonOf(a)).not.toBe(reasonOf(b));
  });

  it("a strategy without a static rank is handed every available candidate", async () => {
    const seen: number[] = [];
    const recording: SelectionStrategyV1 = {
      specificationVersion: "v1",
      id: "test.last.v1",
      select(candidates: readonly RouteSnapshot[]) {
        seen.push(candidates.length);
        const last = candidates.at(-1);
        return last ? { routeId: last.routeId, reason: "last" } : null;
      },
    };
    const registry = new ConnectorRegistry({
      connectors: [testProviderConnector, { id: "test.last.v1", type: "rotation", role: "selection", specificationVersion: "v1", runtime: "universal", create: () => recording }],
    });
    const { mesh } = await meshWith(manyModels(5), { registry }, { pools: { all: { capability: "chat-completion", strategy: "test.last.v1" } } });
    await mesh.ledger.deactivateRoute("p/p.m004", "manual");
    await mesh.ledger.deactivateRoute("p/p.m001", "manual");
    expect((await mesh.router.chat({ model: "all", messages: user("hi") })).value.model).toBe("m003");
    expect(seen).toEqual([3]);
  });
});

describe("traces of large pools", () => {
  it("a request lists the first 50 members and its pick, and counts the rest; explain() lists all", async () => {
    const { mesh } = await meshWith(manyModels(120));
    for (let i = 0; i < 60; i++) await mesh.ledger.deactivateRoute(`p/p.m${String(i).padStart(3, "0")}`, "manual");
    const routed = await mesh.router.chat({ model: "chat-completion", messages: user("hi") });
    expect(routed.value.model).toBe("m060");
    const { trace } = routed;
    expect(trace.candidates).toHaveLength(51);
    expect(trace.candidates.slice(0, 50).every((c) => c.excluded?.reason === "on standby (manual)")).toBe(true);
    expect(trace.candidates[50]).toEqual({ routeId: "p/p.m060", modelId: "p.m060", providerId: "p" });
    expect(trace.candidateSummary).toEqual({ members: 120, listed: 51, excluded: { pool: 0, requirement: 0, state: 60 } });
    expect(trace.final?.routeId).toBe("p/p.m060");

    const full = await mesh.router.explain({ model: "chat-completion", messages: user("hi") });
    expect(full.candidates).toHaveLength(120);
    expect(full.candidates.filter((c) => c.excluded?.stage === "state")).toHaveLength(60);
    expect(full.candidateSummary).toBeUndefined();
    expect(full.final?.routeId).toBe("p/p.m060");
    const asRequest = await mesh.router.explain({ model: "chat-completion", messages: user("hi") }, { detail: "request" });
    expect(asRequest.candidates).toEqual(trace.candidates);
    expect(asRequest.candidateSummary).toEqual(trace.candidateSummary);
  });

  it("when nothing in a large pool can serve, the error names the listed members and counts the others", async () => {
    const { mesh } = await meshWith(manyModels(120));
    const tooLong = await mesh.router.chat({ model: "chat-completion", messages: user("x ".repeat(20_000)) }).catch((e) => e);
    expect(tooLong.code).toBe("MM_NO_CANDIDATES");
    expect(tooLong.status).toBe(400);
    expect(tooLong.message).toContain("70 more of the pool's 120 members are not listed");
    expect(tooLong.trace.candidateSummary).toEqual({ members: 120, listed: 50, excluded: { pool: 0, requirement: 120, state: 0 } });

    await mesh.ledger.deactivateProvider("p", "manual");
    const parked = await mesh.router.chat({ model: "chat-completion", messages: user("hi") }).catch((e) => e);
    expect(parked.code).toBe("MM_NO_CANDIDATES");
    expect(parked.status).toBe(503);
    expect(parked.trace.candidates).toHaveLength(50);
    expect(parked.trace.candidateSummary.excluded).toEqual({ pool: 0, requirement: 0, state: 120 });
  });
});
