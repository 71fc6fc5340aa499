/**
 * The adaptive first-token budget (issue 10, point 4), through create(): a streamed answer whose first token
 * is later than the route's budget fails over; the budget is 15 s for a chat model with no history, 60 s for a
 * model flagged `reasoning`, learned from the route's own first-token times once it has some, and
 * configurable per pool and per model (YAML). Time is a fake clock: the mock's reply moves it forward by the
 * model's "thinking time" before the first token is written.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createManualClock, type ManualClock } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { create, getTrace, type MeshClient } from "../src/index.js";

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

interface Rig {
  clock: ManualClock;
  /** Fake time the primary "thinks" before its first token, per request. */
  think: { ms: number };
  primary: MockProvider;
  backup: MockProvider;
}

async function rig(): Promise<Rig> {
  const clock = createManualClock(Date.UTC(2026, 0, 10, 12));
  const think = { ms: 0 };
  const primary = await startMockProvider({
    now: () => clock.now(),
    reply: (request) => {
      clock.advance(think.ms);
      return `primary: ${request.messages.at(-1)?.content as string}`;
    },
  });
  const backup = await startMockProvider({ now: () => clock.now(), reply: () => "backup answered" });
  cleanup.push(() => primary.close(), () => backup.close());
  return { clock, think, primary, backup };
}

function providers(r: Rig, primaryModel: Record<string, unknown> = {}) {
  const entry = (url: string, model: Record<string, unknown>) => ({ connector: "openai-compatible", config: { base_url: url, api_key: "sk-x" }, models: [{ id: "mock-model", capabilities: ["chat-completion"], ...model }] });
  return { primary: entry(r.primary.url, primaryModel), backup: entry(r.backup.url, {}) };
}

function client(r: Rig, config: object | string): MeshClient {
  const c = create({ env: {}, config, mesh: { clock: r.clock, random: () => 0 } });
  cleanup.push(() => c.close());
  return c;
}

/** Streams one answer; returns who served it and the text. */
async function stream(c: MeshClient, text = "hi"): Promise<{ by: string; text: string; firstError?: string }> {
  const s = await c.chat.completions.create({ model: "chat-completion", stream: true, messages: [{ role: "user", content: text }] });
  let out = "";
  for await (const chunk of s) out += chunk.choices[0]?.delta?.content ?? "";
  const trace = getTrace(s)!;
  return { by: trace.final!.providerId, text: out, firstError: trace.attempts[0]!.error?.code };
}

describe("first-token budget at defaults", () => {
  it("a chat model with no history gets 15 s: 14 s is waited for, 16 s fails over", async () => {
    const r = await rig();
    r.think.ms = 14_000;
    expect((await stream(client(r, { providers: providers(r) }))).by).toBe("primary");
    r.think.ms = 16_000;
    const late = await stream(client(r, { providers: providers(r) }));
    expect(late).toEqual({ by: "backup", text: "backup answered", firstError: "MM_TIMEOUT_FIRST_TOKEN" });
  });

  it("a model flagged reasoning gets 60 s", async () => {
    const r = await rig();
    const config = (think: number) => {
      r.think.ms = think;
      return { providers: providers(r, { features: { reasoning: true } }), routing: { deadline: "5m" } };
    };
    expect((await stream(client(r, config(50_000)))).by).toBe("primary");
    expect((await stream(client(r, config(61_000)))).by).toBe("backup");
  });

  it("non-streamed answers are bounded by the deadline, not by the first-token budget", async () => {
    const r = await rig();
    r.think.ms = 40_000;
    const c = client(r, { providers: providers(r) });
    const completion = await c.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "slow" }] });
    expect(getTrace(completion)!.final!.providerId).toBe("primary");
  });

  it("is learned from the route's first-token times: 3 × p95, at least 5 s", async () => {
    const r = await rig();
    const c = client(r, { providers: providers(r) });
    r.think.ms = 2_000;
    for (let i = 0; i < 10; i++) expect((await stream(c, `warm ${i}`)).by).toBe("primary");
    // Learned: 3 × 2 s = 6 s. 8 s would pass the 15 s default; here it fails over.
    r.think.ms = 8_000;
    expect(await stream(c)).toMatchObject({ by: "backup", firstError: "MM_TIMEOUT_FIRST_TOKEN" });
    r.think.ms = 5_500;
    expect((await stream(c)).by).toBe("primary");
  });
});

describe("first-token budget from YAML", () => {
  const yaml = (r: Rig, extra: string) => {
    const dir = mkdtempSync(join(tmpdir(), "mm-first-token-"));
    const file = join(dir, "modelmesh.yaml");
    writeFileSync(
      file,
      `providers:
  primary:
    connector: openai-compatible
    config: { base_url: "${r.primary.url}", api_key: sk-x }
    models:
      - id: mock-model
        capabilities: [chat-completion]
${extra.includes("MODEL_TIMEOUT") ? "        timeouts: { first_token: 3s }\n" : ""}  backup:
    connector: openai-compatible
    config: { base_url: "${r.backup.url}", api_key: sk-x }
    models: [{ id: mock-model, capabilities: [chat-completion] }]
${extra.replace("MODEL_TIMEOUT", "")}`,
    );
    return file;
  };

  it("pools.<id>.timeouts.first_token", async () => {
    const r = await rig();
    const c = client(r, yaml(r, "pools:\n  chat-completion:\n    capability: chat-completion\n    timeouts: { first_token: 40s }\n"));
    r.think.ms = 30_000; // beyond the 15 s default, within the pool's 40 s
    expect((await stream(c)).by).toBe("primary");
  });

  it("models' timeouts.first_token wins over the pool's", async () => {
    const r = await rig();
    const c = client(r, yaml(r, "MODEL_TIMEOUT\npools:\n  chat-completion:\n    capability: chat-completion\n    timeouts: { first_token: 40s }\n"));
    r.think.ms = 4_000; // within the pool's 40 s, beyond the model's 3 s
    expect(await stream(c)).toMatchObject({ by: "backup", firstError: "MM_TIMEOUT_FIRST_TOKEN" });
  });

  it("routing.timeouts.first_token: a fixed value is not learned over", async () => {
    const r = await rig();
    const c = client(r, yaml(r, "routing:\n  timeouts: { first_token: 20s }\n"));
    r.think.ms = 1_000;
    for (let i = 0; i < 10; i++) await stream(c);
    r.think.ms = 18_000; // a learned budget would be 5 s; the configured 20 s holds
    expect((await stream(c)).by).toBe("primary");
  });

  it("rejects a value that is neither auto nor a duration, naming the key", async () => {
    const r = { primary: { url: "http://127.0.0.1:1/v1" }, backup: { url: "http://127.0.0.1:2/v1" } } as Rig;
    const c = create({ env: {}, config: yaml(r, "routing:\n  timeouts: { first_token: soon }\n") });
    cleanup.push(() => c.close().catch(() => {}));
    await expect(c.ready()).rejects.toThrow(/routing\.timeouts\.first_token: expected "auto" or a duration/);
  });
});
