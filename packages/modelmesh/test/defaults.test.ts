/**
 * Failover at day-one defaults (issue 10), through create(): configs a user writes first, with no tuning of
 * strategy, retries, cooldowns or timeouts.
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createManualClock, type ManualClock } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { create, getTrace, type MeshClient } from "../src/index.js";

/** The chat models of the `openai` connector's default list (served by the mock under the same ids). */
const OPENAI_CHAT_MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini"];

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

async function mock(options: Parameters<typeof startMockProvider>[0] = {}): Promise<MockProvider> {
  const server = await startMockProvider(options);
  cleanup.push(() => server.close());
  return server;
}

function client(config: object, mesh: Record<string, unknown> = {}): MeshClient {
  const c = create({ env: {}, config, mesh });
  cleanup.push(() => c.close());
  return c;
}

/** A port nothing listens on: bound, then closed. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server that counts connections and resets each one before any response byte. */
async function resettingServer(): Promise<{ port: number; connections: () => number }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.once("data", () => socket.resetAndDestroy());
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as { port: number }).port, connections: () => count };
}

const ask = (c: MeshClient, text = "hello") => c.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: text }] });

describe("a dead provider does not eat the attempt budget (default model lists)", () => {
  it.each([
    ["refuses connections", "refused"],
    ["resets every connection before the headers", "reset"],
  ] as const)("first provider %s: all 15 requests answered, the dead endpoint tried at most twice", async (_name, kind) => {
    const live = await mock({ models: OPENAI_CHAT_MODELS.map((id) => ({ id })) });
    const reset = kind === "reset" ? await resettingServer() : undefined;
    const deadPort = reset?.port ?? (await refusedPort());
    const c = client({
      providers: {
        dead: { connector: "openai", config: { base_url: `http://127.0.0.1:${deadPort}/v1`, api_key: "sk-dead" } },
        live: { connector: "openai", config: { base_url: live.url, api_key: "sk-live" } },
      },
    });
    let deadAttempts = 0;
    for (let i = 0; i < 15; i++) {
      const completion = await ask(c, `request ${i}`);
      expect(completion.choices[0]!.message.content).toBe(`echo: request ${i}`);
      const trace = getTrace(completion)!;
      expect(trace.final!.providerId).toBe("live");
      deadAttempts += trace.attempts.filter((a) => a.providerId === "dead").length;
    }
    expect(deadAttempts).toBeLessThanOrEqual(2);
    if (reset) expect(reset.connections()).toBeLessThanOrEqual(2);
    expect(live.calls.filter((call) => call.path.endsWith("/chat/completions"))).toHaveLength(15);
  });

  it("the parked endpoint is probed once per cooldown (growing), and takes traffic again when it answers", async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 10, 12));
    const port = await refusedPort();
    const live = await mock({ models: OPENAI_CHAT_MODELS.map((id) => ({ id })) });
    const c = client(
      {
        providers: {
          first: { connector: "openai", config: { base_url: `http://127.0.0.1:${port}/v1`, api_key: "sk-1" } },
          live: { connector: "openai", config: { base_url: live.url, api_key: "sk-2" } },
        },
      },
      { clock, random: () => 0 },
    );
    const events: string[] = [];
    c.on("provider-deactivated", (e) => events.push(`down ${e.providerId} ${e.reason}`));
    c.on("provider-recovered", (e) => events.push(`up ${e.providerId} ${e.trigger}`));
    const firstAttempts = async () => getTrace(await ask(c))!.attempts.filter((a) => a.providerId === "first").length;
    expect(await firstAttempts()).toBe(1); // refused: parked for 5 s
    clock.advance(4_000);
    expect(await firstAttempts()).toBe(0);
    clock.advance(1_500);
    expect(await firstAttempts()).toBe(1); // the probe: refused again, parked for 10 s
    clock.advance(9_000);
    expect(await firstAttempts()).toBe(0);
    const revived = await mock({ port, models: OPENAI_CHAT_MODELS.map((id) => ({ id })) });
    clock.advance(1_500);
    const back = await ask(c);
    expect(getTrace(back)!.final!.providerId).toBe("first"); // the probe answered: back in full, and first in order
    expect(getTrace(await ask(c))!.final!.providerId).toBe("first");
    expect(revived.calls.filter((call) => call.path.endsWith("/chat/completions"))).toHaveLength(2);
    expect(events).toEqual([
      "down first endpoint_unreachable",
      "up first cooldown_expired",
      "down first endpoint_unreachable",
      "up first cooldown_expired",
      "up first probe_success",
    ]);
  });

  it("a single provider that refuses once (a restart) is waited for and probed again within the request", async () => {
    const reset = await resettingServer();
    const clock = createManualClock(Date.UTC(2026, 0, 10, 12));
    const c = client(
      { providers: { only: { connector: "openai-compatible", config: { base_url: `http://127.0.0.1:${reset.port}/v1`, api_key: "sk-1" }, models: [{ id: "m", capabilities: ["chat-completion"] }] } } },
      { clock, random: () => 0 },
    );
    let settled = false;
    const pending = ask(c)
      .catch((e: unknown) => e)
      .finally(() => (settled = true));
    // Drive the fake clock in 100 ms steps while the request runs (the wait for the endpoint is 5 s).
    for (let i = 0; i < 2_000 && !settled; i++) {
      await new Promise((r) => setImmediate(r));
      if (reset.connections() > 0) clock.advance(100);
    }
    const error = (await pending) as { code?: string; trace?: unknown };
    // The endpoint still resets: the request fails, typed, after exactly one wait and one probe.
    expect(reset.connections()).toBe(2);
    expect(error.code).toBe("MM_ROUTING_EXHAUSTED");
    expect((getTrace(error as object)?.warnings ?? []).join(" ")).toMatch(/parked provider endpoint/);
  });
});

describe("traffic returns to the first-listed model (default strategy)", () => {
  it("after its outage, once a probe succeeds; a model still down is probed at most once per cooldown", async () => {
    const clock: ManualClock = createManualClock(Date.UTC(2026, 0, 10, 12));
    const start = clock.now();
    const primary = await mock({ now: () => clock.now(), faults: [{ fault: { kind: "down", forMs: 90_000 } }] });
    const backup = await mock({ now: () => clock.now() });
    const provider = (url: string) => ({ connector: "openai-compatible", config: { base_url: url, api_key: "sk-x" }, models: [{ id: "mock-model", capabilities: ["chat-completion"] }] });
    // No strategy, no retry or cooldown settings: the defaults.
    const c = client({ providers: { primary: provider(primary.url), backup: provider(backup.url) } }, { clock, random: () => 0 });
    const servedBy: Array<[number, string]> = [];
    for (let t = 0; t <= 250_000; t += 10_000) {
      clock.set(start + t);
      servedBy.push([t / 1000, getTrace(await ask(c))!.final!.providerId]);
    }
    // t=0: 3 attempts park the primary for 60 s; t=60: one probe, still down, parked 120 s; t=180: probe succeeds.
    const primaryAt = primary.calls.map((call) => (call.at - start) / 1000);
    expect(primaryAt.filter((t) => t < 90)).toEqual([0, 0, 0, 60]);
    expect(servedBy.filter(([t]) => t < 180).every(([, by]) => by === "backup")).toBe(true);
    expect(servedBy.filter(([t]) => t >= 180).every(([, by]) => by === "primary")).toBe(true);
  });

  it("stick-until-failure stays available as a named strategy (and stays on the fallback)", async () => {
    const clock: ManualClock = createManualClock(Date.UTC(2026, 0, 10, 12));
    const start = clock.now();
    const primary = await mock({ now: () => clock.now(), faults: [{ fault: { kind: "down", forMs: 30_000 } }] });
    const backup = await mock({ now: () => clock.now() });
    const provider = (url: string) => ({ connector: "openai-compatible", config: { base_url: url, api_key: "sk-x" }, models: [{ id: "mock-model", capabilities: ["chat-completion"] }] });
    const c = client(
      { providers: { primary: provider(primary.url), backup: provider(backup.url) }, pools: { "chat-completion": { capability: "chat-completion", strategy: "stick-until-failure" } } },
      { clock, random: () => 0 },
    );
    for (let t = 0; t <= 200_000; t += 20_000) {
      clock.set(start + t);
      expect(getTrace(await ask(c))!.final!.providerId).toBe("backup");
    }
  });
});

describe("context length at defaults", () => {
  it("a context-length error moves to another model with the same declared window (never the same model again)", async () => {
    const first = await mock();
    const second = await mock();
    first.fault({ fault: { kind: "context-length" } });
    const provider = (url: string) => ({ connector: "openai-compatible", config: { base_url: url, api_key: "sk-x" }, models: [{ id: "mock-model", capabilities: ["chat-completion"], context_window: 8192 }] });
    const c = client({ providers: { first: provider(first.url), second: provider(second.url) } });
    const completion = await ask(c, "a long text");
    expect(completion.choices[0]!.message.content).toBe("echo: a long text");
    const trace = getTrace(completion)!;
    expect(trace.attempts.map((a) => [a.providerId, a.error?.code ?? "ok"])).toEqual([
      ["first", "MM_CONTEXT_LENGTH"],
      ["second", "ok"],
    ]);
    expect(first.calls.filter((call) => call.path.endsWith("/chat/completions"))).toHaveLength(1);
  });
});
