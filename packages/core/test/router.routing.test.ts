/**
 * Requirement filter, traces, events, dry runs and time-driven state (fake clock) through the router.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createManualClock, RoutingError, type Mesh, type MeshEvent } from "../src/index.js";
import { startUpstream, type Upstream } from "./support/upstream.js";
import { chatModel, meshFor, user } from "./support/mesh.js";

const open: Array<Upstream | Mesh> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

const weatherTool = { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };

describe("requirement filter", () => {
  it("a request with tools never lands on a model without tool calling", async () => {
    const up = await startUpstream();
    open.push(up);
    const mesh = await meshFor({
      providers: { p: { connector: "test.fetch.v1", config: { base_url: up.url } } },
      models: {
        "p.plain": chatModel("p", { features: { tool_calling: false } }),
        "p.undeclared": chatModel("p"),
        "p.tools": chatModel("p", { features: { tool_calling: true } }),
      },
    });
    open.push(mesh);
    for (let i = 0; i < 5; i++) {
      const { value } = await mesh.router.chat({ model: "chat-completion", messages: user("weather?"), tools: [weatherTool] });
      expect(value.model).toBe("tools");
    }
    expect(new Set(up.calls.map((c) => c.model))).toEqual(new Set(["tools"]));
    // Without tools the first model in order serves.
    expect((await mesh.router.chat({ model: "chat-completion", messages: user("hi") })).value.model).toBe("plain");
  });

  it("when no model qualifies, the error says which requirement excluded which model", async () => {
    const up = await startUpstream();
    open.push(up);
    const mesh = await meshFor({
      providers: { p: { connector: "test.fetch.v1", config: { base_url: up.url } } },
      models: {
        "p.plain": chatModel("p", { features: { tool_calling: false } }),
        "p.tiny": chatModel("p", { features: { tool_calling: true }, context_window: 50 }),
      },
    });
    open.push(mesh);
    const error = await mesh.router.chat({ model: "chat-completion", messages: user("x ".repeat(400)), tools: [weatherTool] }).catch((e) => e);
    expect(RoutingError.is(error)).toBe(true);
    expect(error.code).toBe("MM_NO_CANDIDATES");
    expect(error.status).toBe(400);
    expect(error.message).toContain("p.plain: lacks tool_calling (features.tool_calling is false)");
    expect(error.message).toMatch(/p\.tiny: lacks context_window \(needs ~\d+ tokens, context_window is 50\)/);
    expect(up.calls).toHaveLength(0);
  });

  it("vision and json_schema requests only reach models declaring them", async () => {
    const up = await startUpstream();
    open.push(up);
    const mesh = await meshFor({
      providers: { p: { connector: "test.fetch.v1", config: { base_url: up.url } } },
      models: {
        "p.text": chatModel("p"),
        "p.eyes": chatModel("p", { features: { vision: true } }),
        "p.schema": chatModel("p", { features: { structured_output: true } }),
      },
    });
    open.push(mesh);
    const image = [{ role: "user" as const, content: [{ type: "text" as const, text: "what is this" }, { type: "image_url" as const, image_url: { url: "data:image/png;base64,AAAA" } }] }];
    expect((await mesh.router.chat({ model: "chat-completion", messages: image })).value.model).toBe("eyes");
    const schema = { type: "json_schema" as const, json_schema: { name: "x", schema: { type: "object" } } };
    expect((await mesh.router.chat({ model: "chat-completion", messages: user("json"), response_format: schema })).value.model).toBe("schema");
  });
});

describe("trace and events", () => {
  it("every result carries a trace; events describe each decision", async () => {
    const a = await startUpstream({ "model-a": [{ status: 503 }] });
    const b = await startUpstream();
    open.push(a, b);
    const mesh = await meshFor({
      providers: { pa: { connector: "test.fetch.v1", config: { base_url: a.url } }, pb: { connector: "test.fetch.v1", config: { base_url: b.url } } },
      models: { "pa.model-a": chatModel("pa"), "pb.model-b": chatModel("pb") },
      pools: { chat: { capability: "chat-completion", retry: { max_attempts: 0 } } },
    });
    open.push(mesh);
    const seen: MeshEvent[] = [];
    mesh.events.on("*", (e) => seen.push(e));
    const { trace } = await mesh.router.chat({ model: "chat", messages: user("hi") });
    expect(trace.resolution).toEqual({ kind: "pool", poolId: "chat", node: "generation.text-generation.chat-completion" });
    expect(trace.outcome).toBe("success");
    expect(trace.final).toMatchObject({ routeId: "pb/pb.model-b", upstreamModel: "model-b" });
    expect(trace.attempts.map((x) => [x.routeId, x.action])).toEqual([["pa/pa.model-a", "rotate"], ["pb/pb.model-b", "success"]]);
    expect(trace.attempts[0]!.error).toMatchObject({ category: "server", status: 503 });
    const types = seen.map((e) => e.type);
    expect(types[0]).toBe("request-start");
    expect(types).toContain("attempt-error");
    expect(types).toContain("rotation");
    expect(types.at(-1)).toBe("request-end");
    const rotation = seen.find((e) => e.type === "rotation")!;
    expect(rotation).toMatchObject({ from: "pa/pa.model-a", to: "pb/pb.model-b", reason: "server" });
  });

  it("explain() answers where a request would go and why, without calling upstream", async () => {
    const up = await startUpstream();
    open.push(up);
    const mesh = await meshFor({
      providers: { p: { connector: "test.fetch.v1", config: { base_url: up.url } } },
      models: { "p.plain": chatModel("p"), "p.tools": chatModel("p", { features: { tool_calling: true } }) },
    });
    open.push(mesh);
    const trace = await mesh.router.explain({ model: "chat-completion", messages: user("x"), tools: [weatherTool] });
    expect(trace.final?.modelId).toBe("p.tools");
    expect(trace.candidates.find((c) => c.modelId === "p.plain")?.excluded?.requirement).toBe("tool_calling");
    expect(trace.requirements).toContain("tool_calling");
    expect(up.calls).toHaveLength(0);
  });
});

describe("time-driven state through the router (fake clock)", () => {
  it("cooldown grows on repeated failure and one half-open probe tests recovery", async () => {
    const clock = createManualClock(Date.UTC(2026, 5, 1, 12));
    const a = await startUpstream({ "model-a": [{ status: 500 }] });
    const b = await startUpstream();
    open.push(a, b);
    const mesh = await meshFor(
      {
        providers: { pa: { connector: "test.fetch.v1", config: { base_url: a.url } }, pb: { connector: "test.fetch.v1", config: { base_url: b.url } } },
        models: { "pa.model-a": chatModel("pa"), "pb.model-b": chatModel("pb") },
        pools: { chat: { capability: "chat-completion", strategy: "modelmesh.stick-until-failure.v1", retry: { max_attempts: 0 }, deactivation: { retry_limit: 1 }, recovery: { cooldown: "60s", cooldown_growth: 2 } } },
      },
      { clock },
    );
    open.push(mesh);
    const route = { routeId: "pa/pa.model-a", providerId: "pa", modelId: "pa.model-a", upstreamModel: "model-a", order: 0 };
    await mesh.router.chat({ model: "chat", messages: user("1") });
    let snap = await mesh.ledger.snapshot(route);
    expect(snap.status).toBe("standby");
    expect(snap.standbyUntil! - clock.now()).toBe(60_000);

    // During the cooldown the route gets no traffic.
    await mesh.router.chat({ model: "pa.model-a", messages: user("direct") }).catch(() => {});
    expect(a.callsFor("model-a")).toBe(1);

    // After it, exactly one probe; it fails → cooled longer (120 s).
    clock.advance(60_000);
    await mesh.router.chat({ model: "pa.model-a", messages: user("probe") }).catch(() => {});
    expect(a.callsFor("model-a")).toBe(2);
    snap = await mesh.ledger.snapshot(route);
    expect(snap.standbyUntil! - clock.now()).toBe(120_000);

    // Next probe succeeds → closed again.
    clock.advance(120_000);
    a.script("model-a", [{ reply: "healthy" }]);
    expect((await mesh.router.chat({ model: "pa.model-a", messages: user("probe 2") })).value.choices[0]!.message.content).toBe("healthy");
    snap = await mesh.ledger.snapshot(route);
    expect(snap).toMatchObject({ status: "active", circuit: "closed", cooldownLevel: 0 });
  });

  it("a provider's daily request quota parks it until its reset time, then it serves again", async () => {
    const clock = createManualClock(Date.UTC(2026, 5, 1, 10));
    const a = await startUpstream();
    const b = await startUpstream();
    open.push(a, b);
    const mesh = await meshFor(
      {
        providers: {
          pa: { connector: "test.fetch.v1", config: { base_url: a.url }, quota: { requests_per_day: 2, reset_time: "00:00", time_zone: "UTC" } },
          pb: { connector: "test.fetch.v1", config: { base_url: b.url }, quota: { requests_per_day: 1 } },
        },
        models: { "pa.model-a": chatModel("pa"), "pb.model-b": chatModel("pb") },
      },
      { clock },
    );
    open.push(mesh);
    const served: string[] = [];
    for (let i = 0; i < 3; i++) served.push((await mesh.router.chat({ model: "chat-completion", messages: user(`${i}`) })).value.model);
    expect(served).toEqual(["model-a", "model-a", "model-b"]);
    const error = await mesh.router.chat({ model: "chat-completion", messages: user("4") }).catch((e) => e);
    expect(error.code).toBe("MM_ALL_QUOTAS_EXHAUSTED");
    expect(error.message).toContain("until 2026-06-02T00:00:00.000Z");
    expect(error.retryAfterMs).toBe(14 * 3600_000);
    expect(a.calls.length + b.calls.length).toBe(3);
    clock.set(Date.UTC(2026, 5, 2, 0, 0, 1));
    expect((await mesh.router.chat({ model: "chat-completion", messages: user("next day") })).value.model).toBe("model-a");
  });
});
