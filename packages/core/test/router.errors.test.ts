/**
 * The error table of ARCHITECTURE §2.6, row by row, through createMesh + Router against real HTTP upstreams
 * on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DeadlineExceededError, isModelMeshError, RoutingError, type Mesh } from "../src/index.js";
import { startUpstream, type Upstream } from "./support/upstream.js";
import { chatModel, meshFor, user } from "./support/mesh.js";

const open: Array<Upstream | Mesh> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function twoProviders(scripts: { a?: Parameters<Upstream["script"]>[1]; b?: Parameters<Upstream["script"]>[1] }, extra: Record<string, unknown> = {}) {
  const a = await startUpstream(scripts.a ? { "model-a": scripts.a } : {});
  const b = await startUpstream(scripts.b ? { "model-b": scripts.b } : {});
  open.push(a, b);
  const mesh = await meshFor({
    providers: { pa: { connector: "test.fetch.v1", config: { base_url: a.url } }, pb: { connector: "test-fetch", config: { base_url: b.url } } },
    models: { "pa.model-a": chatModel("pa"), "pb.model-b": chatModel("pb") },
    pools: { chat: { capability: "chat-completion", retry: { initial_delay: "5ms", max_delay: "2s" }, ...extra } },
    routing: { deadline: "8s", timeouts: { connect: "1500ms", first_token: "3s", idle: "2s" } },
  });
  open.push(mesh);
  return { a, b, mesh };
}

describe("error table", () => {
  it("rate_limit: honours Retry-After (seconds) on the same route when it fits the deadline", async () => {
    const { a, b, mesh } = await twoProviders({ a: [{ status: 429, headers: { "retry-after": "0.05" } }, { reply: "after wait" }] });
    const { value, trace } = await mesh.router.chat({ model: "chat", messages: user("hi") });
    expect(value.choices[0]!.message.content).toBe("after wait");
    expect(a.callsFor("model-a")).toBe(2);
    expect(b.calls).toHaveLength(0);
    expect(trace.attempts.map((x) => x.action)).toEqual(["retry-same-route", "success"]);
    expect(trace.attempts[0]!.delayMs).toBe(50);
    expect(a.calls[1]!.at - a.calls[0]!.at).toBeGreaterThanOrEqual(45);
  });

  it("rate_limit: Retry-After as an HTTP-date beyond max_delay rotates instead of waiting", async () => {
    const later = new Date(Date.now() + 120_000).toUTCString();
    const { a, b, mesh } = await twoProviders({ a: [{ status: 429, headers: { "retry-after": later } }] });
    const { trace } = await mesh.router.chat({ model: "chat", messages: user("hi") });
    expect(a.callsFor("model-a")).toBe(1);
    expect(b.callsFor("model-b")).toBe(1);
    expect(trace.attempts[0]!.error?.retryAfterMs).toBeGreaterThan(100_000);
    expect(trace.attempts[0]!.action).toBe("rotate");
    // The route is cooled for the Retry-After: the next request goes straight to b.
    await mesh.router.chat({ model: "chat", messages: user("again") });
    expect(a.callsFor("model-a")).toBe(1);
  });

  it("server: retries the same route with backoff, then rotates", async () => {
    const { a, b, mesh } = await twoProviders({ a: [{ status: 503 }] }, { retry: { max_attempts: 2, initial_delay: "1ms", max_delay: "5ms" } });
    const { value, trace } = await mesh.router.chat({ model: "chat", messages: user("hi") });
    expect(value.choices[0]!.message.content).toBe("hello from model-b");
    expect(a.callsFor("model-a")).toBe(3);
    expect(b.callsFor("model-b")).toBe(1);
    expect(trace.attempts.map((x) => x.action)).toEqual(["retry-same-route", "retry-same-route", "rotate", "success"]);
  });

  it("timeout: a silent upstream is not retried on the same route", async () => {
    const { a, b, mesh } = await twoProviders({ a: [{ silent: true }] }, { deadline: "5s" });
    const { value, trace } = await mesh.router.chat({ model: "chat", messages: user("hi") }, { deadlineMs: 8000 });
    expect(value.choices[0]!.message.content).toBe("hello from model-b");
    expect(a.callsFor("model-a")).toBe(1);
    expect(trace.attempts[0]!.error?.category).toBe("timeout");
    expect(trace.attempts[0]!.action).toBe("rotate");
    expect(b.callsFor("model-b")).toBe(1);
  });

  it("context_length: tries larger windows first, then equal ones on other models, never smaller ones or the same model", async () => {
    const tooLong = { status: 400, body: { error: { message: "This model's maximum context length is 4096 tokens", code: "context_length_exceeded", type: "invalid_request_error" } } };
    const small = await startUpstream({ small: [tooLong, tooLong] });
    const mid = await startUpstream();
    const large = await startUpstream();
    const tiny = await startUpstream();
    open.push(small, mid, large, tiny);
    const models = {
      "ps.small": chatModel("ps", { context_window: 4096 }),
      "pt.tiny": chatModel("pt", { context_window: 2048 }),
      "pm.same": chatModel("pm", { context_window: 4096 }),
      "pl.large": chatModel("pl", { context_window: 8192 }),
    };
    const providers = {
      ps: { connector: "test.fetch.v1", config: { base_url: small.url } },
      pt: { connector: "test.fetch.v1", config: { base_url: tiny.url } },
      pm: { connector: "test.fetch.v1", config: { base_url: mid.url } },
      pl: { connector: "test.fetch.v1", config: { base_url: large.url } },
    };
    // With a larger window in the pool, it goes first (ahead of "pm.same", which comes earlier in pool order).
    const withLarge = await meshFor({ providers, models });
    open.push(withLarge);
    const first = await withLarge.router.chat({ model: "chat-completion", messages: user("a long document") });
    expect(first.value.model).toBe("large");
    expect(first.trace.attempts.map((a) => a.modelId)).toEqual(["ps.small", "pl.large"]);
    expect(first.trace.attempts[1]!.reason).toMatch(/largest remaining window \(8192\)/);
    expect(first.trace.candidates.find((c) => c.modelId === "pt.tiny")!.excluded).toMatchObject({ stage: "requirement", requirement: "context_window" });

    // Without one, another model with the same window is tried: another vendor's tokenizer may count fewer tokens.
    const { "pl.large": _dropped, ...withoutLarge } = models;
    const equalOnly = await meshFor({ providers, models: withoutLarge });
    open.push(equalOnly);
    const second = await equalOnly.router.chat({ model: "chat-completion", messages: user("a long document") });
    expect(second.value.model).toBe("same");
    expect(second.trace.attempts.map((a) => a.modelId)).toEqual(["ps.small", "pm.same"]);
    expect(small.callsFor("small")).toBe(2);
    expect(tiny.calls).toHaveLength(0);
  });

  it("every candidate parked for a known time: MM_NO_CANDIDATES (503) says when the first comes back", async () => {
    const up = await startUpstream({ "m-1": [{ status: 500, body: { error: { message: "boom" } } }] });
    open.push(up);
    const mesh = await meshFor({
      providers: { p: { connector: "test.fetch.v1", config: { base_url: up.url } } },
      models: { "p.m-1": chatModel("p") },
      pools: { chat: { models: ["p.m-1"], deactivation: { retry_limit: 1 }, recovery: { cooldown: "90s" }, retry: { max_attempts: 0 } } },
    });
    open.push(mesh);
    await expect(mesh.router.chat({ model: "chat", messages: user("first") })).rejects.toMatchObject({ code: expect.stringMatching(/^MM_/) });
    const parked = await mesh.router.chat({ model: "chat", messages: user("second") }).catch((error: unknown) => error as RoutingError);
    expect(parked).toMatchObject({ code: "MM_NO_CANDIDATES", status: 503 });
    expect((parked as RoutingError).retryAfterMs).toBeGreaterThan(80_000);
    expect((parked as RoutingError).retryAfterMs).toBeLessThanOrEqual(90_000);
    expect(up.calls).toHaveLength(1);
  });

  it("auth: a 401 puts the whole provider on standby (all its models, every pool)", async () => {
    const a = await startUpstream({ "a-1": [{ status: 401, body: { error: { message: "Incorrect API key provided", code: "invalid_api_key" } } }] });
    const b = await startUpstream();
    open.push(a, b);
    const mesh = await meshFor({
      providers: { pa: { connector: "test.fetch.v1", config: { base_url: a.url } }, pb: { connector: "test.fetch.v1", config: { base_url: b.url } } },
      models: { "pa.a-1": chatModel("pa"), "pa.a-2": chatModel("pa"), "pb.b-1": chatModel("pb") },
    });
    open.push(mesh);
    const first = await mesh.router.chat({ model: "chat-completion", messages: user("hi") });
    expect(first.value.model).toBe("b-1");
    expect(a.calls.map((c) => c.model)).toEqual(["a-1"]); // a-2 was never tried: its provider is down
    expect(first.trace.attempts[0]!.stateChanges?.join(" ")).toMatch(/provider/);
    expect((await mesh.ledger.providerStatus("pa")).status).toBe("standby");
    // Another pool and a direct model name: still skipped.
    await expect(mesh.router.chat({ model: "pa.a-2", messages: user("direct") })).rejects.toMatchObject({ code: "MM_NO_CANDIDATES" });
    expect(a.calls).toHaveLength(1);
    await mesh.ledger.reactivateProvider("pa");
    a.script("a-2", [{ reply: "back" }]);
    expect((await mesh.router.chat({ model: "pa.a-2", messages: user("direct") })).value.choices[0]!.message.content).toBe("back");
  });

  it("invalid_request: a 400 surfaces at once, without rotation, counted against nothing", async () => {
    const { a, b, mesh } = await twoProviders({ a: [{ status: 400, body: { error: { message: "Invalid value for 'temperature'", type: "invalid_request_error" } } }] });
    const error = await mesh.router.chat({ model: "chat", messages: user("hi"), temperature: 9 }).catch((e) => e);
    expect(isModelMeshError(error)).toBe(true);
    expect(error.category).toBe("invalid_request");
    expect(error.status).toBe(400);
    expect(error.message).toContain("temperature");
    expect(b.calls).toHaveLength(0);
    expect(a.callsFor("model-a")).toBe(1);
    expect(error.trace.attempts).toHaveLength(1);
    const snapshot = await mesh.ledger.snapshot({ routeId: "pa/pa.model-a", providerId: "pa", modelId: "pa.model-a", upstreamModel: "model-a", order: 0 });
    expect(snapshot.consecutiveFailures).toBe(0);
  });

  it("content_filter: surfaces the provider's reason unless failover is configured", async () => {
    const refusal = { status: 400, body: { error: { message: "Your request was rejected as a result of our safety system", code: "content_policy_violation" } } };
    const first = await twoProviders({ a: [refusal] });
    const error = await first.mesh.router.chat({ model: "chat", messages: user("x") }).catch((e) => e);
    expect(error.category).toBe("content_filter");
    expect(error.message).toContain("safety system");
    expect(first.b.calls).toHaveLength(0);
    const second = await twoProviders({ a: [refusal] }, { failover_on_content_filter: true });
    expect((await second.mesh.router.chat({ model: "chat", messages: user("x") })).value.model).toBe("model-b");
  });

  it("quota_exhausted: the route is parked until its window resets and the next candidate serves", async () => {
    const { a, b, mesh } = await twoProviders({ a: [{ status: 429, body: { error: { message: "You exceeded your current quota, please check your plan and billing details.", code: "insufficient_quota" } } }] });
    await mesh.router.chat({ model: "chat", messages: user("1") });
    await mesh.router.chat({ model: "chat", messages: user("2") });
    expect(a.callsFor("model-a")).toBe(1);
    expect(b.callsFor("model-b")).toBe(2);
    const snap = await mesh.ledger.snapshot({ routeId: "pa/pa.model-a", providerId: "pa", modelId: "pa.model-a", upstreamModel: "model-a", order: 0 });
    expect(snap.reason).toBe("quota_exhausted");
  });

  it("exhausted: the final error lists every attempt and surfaces the most meaningful cause", async () => {
    const { mesh } = await twoProviders(
      { a: [{ status: 503 }], b: [{ status: 429, body: { error: { message: "insufficient_quota: exceeded your current quota", code: "insufficient_quota" } } }] },
      { retry: { max_attempts: 0 } },
    );
    const error = await mesh.router.chat({ model: "chat", messages: user("x") }).catch((e) => e);
    expect(RoutingError.is(error)).toBe(true);
    expect(error.code).toBe("MM_ROUTING_EXHAUSTED");
    expect(error.category).toBe("quota_exhausted");
    expect(error.attempts).toHaveLength(2);
    expect(error.message).toMatch(/1\) pa\/pa.model-a: server 503/);
    expect(error.message).toMatch(/2\) pb\/pb.model-b: quota_exhausted 429/);
  });
});

describe("deadline", () => {
  it("an upstream that never answers ends inside the deadline with a typed timeout error", async () => {
    const silent = await startUpstream({ mute: [{ silent: true }] });
    open.push(silent);
    const mesh = await meshFor({
      providers: { p: { connector: "test.fetch.v1", config: { base_url: silent.url } } },
      models: { "p.mute": chatModel("p") },
      routing: { deadline: "400ms", timeouts: { connect: "10s", first_token: "10s" } },
    });
    open.push(mesh);
    const started = Date.now();
    const error = await mesh.router.chat({ model: "p.mute", messages: user("anyone?") }).catch((e) => e);
    const elapsed = Date.now() - started;
    expect(DeadlineExceededError.is(error)).toBe(true);
    expect(error.category).toBe("timeout");
    expect(error.code).toBe("MM_DEADLINE_EXCEEDED");
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(4000); // the deadline, plus slack for a loaded CI machine
    expect(error.trace.attempts[0].action).toBe("deadline");
  });

  it("a caller's AbortSignal cancels the request with a typed error", async () => {
    const silent = await startUpstream({ mute: [{ silent: true }] });
    open.push(silent);
    const mesh = await meshFor({ providers: { p: { connector: "test.fetch.v1", config: { base_url: silent.url } } }, models: { "p.mute": chatModel("p") } });
    open.push(mesh);
    const controller = new AbortController();
    const pending = mesh.router.chat({ model: "p.mute", messages: user("x") }, { signal: controller.signal });
    await new Promise((r) => setImmediate(r));
    while (silent.calls.length === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "MM_ABORTED", category: "cancelled" });
  });
});
