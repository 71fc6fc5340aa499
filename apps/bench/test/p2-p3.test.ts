/**
 * The P2/P3 harness at tiny scale, without Portkey (which needs its own npm install): every side answers the
 * upstream's reply, the pass-through forwards faithfully, the child-process plumbing reports readiness and
 * early exits, and both benches produce complete result objects. No timing assertions (docs/ARCHITECTURE.md §3).
 */
import { Pool, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runP2 } from "../src/p2.js";
import { portkeyHeaders } from "../src/p2-portkey.js";
import { spawnServer } from "../src/p2-servers.js";
import { checkAnswer, startTargets, type TargetSet } from "../src/p2-targets.js";
import { loadWindow, runP3 } from "../src/p3.js";
import { startPassThrough } from "../src/p3-pass-through.js";
import { startUpstream, UPSTREAM_REPLY } from "../src/upstream.js";

describe("P2/P3 sides (in-process)", () => {
  let set: TargetSet;
  beforeAll(async () => {
    set = await startTargets({ isolation: "in-process" });
  });
  afterAll(() => set?.close());

  it("starts the baseline, the pass-through and the ModelMesh proxy, and no Portkey in-process", () => {
    expect(set.targets.map((t) => t.id)).toEqual(["direct", "passThrough", "modelmesh"]);
    for (const t of set.targets) expect(new URL(t.origin).hostname).toBe("127.0.0.1");
  });

  it("gets the upstream's answer from every side", async () => {
    for (const target of set.targets) {
      const response = await request(`${target.origin}${target.path}`, { method: "POST", headers: target.headers, body: target.body });
      const text = await response.body.text();
      expect(() => checkAnswer(target, response.statusCode, text), target.id).not.toThrow();
      expect(JSON.parse(text).choices[0].message.content).toBe(UPSTREAM_REPLY);
    }
  });

  it("runs load windows that count only 200 answers", async () => {
    const target = set.targets.find((t) => t.id === "modelmesh")!;
    const pool = new Pool(target.origin, { connections: 4 });
    try {
      const window = await loadWindow(pool, target, 4, 150);
      expect(window.ok).toBeGreaterThan(0);
      expect(window.errors).toBe(0);
      const denied = await loadWindow(pool, { ...target, headers: { "content-type": "application/json", authorization: "Bearer wrong" } }, 2, 50);
      expect(denied.ok).toBe(0);
      expect(denied.errors).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });
});

describe("checkAnswer", () => {
  const target = { id: "direct" as const, name: "x", origin: "http://127.0.0.1:1", path: "/v1/chat/completions", headers: {}, body: "{}" };
  it("rejects a non-200 or a different reply, naming the side", () => {
    expect(() => checkAnswer(target, 502, "{}")).toThrow(/direct answered 502/);
    expect(() => checkAnswer(target, 200, '{"choices":[{"message":{"content":"nope"}}]}')).toThrow(/expected 200 with 'pong'/);
    expect(() => checkAnswer(target, 200, "not json")).toThrow(/direct/);
  });
});

describe("bare pass-through", () => {
  it("forwards method, path, headers, status and body unchanged", async () => {
    const upstream = await startUpstream();
    const proxy = await startPassThrough(new URL(upstream.url).origin);
    try {
      const missing = await request(`${proxy.origin}/v1/nothing`, { method: "GET" });
      expect(missing.statusCode).toBe(404);
      expect((await missing.body.json()) as object).toMatchObject({ error: { message: "not found" } });
      const ok = await request(`${proxy.origin}/v1/chat/completions`, { method: "POST", body: '{"model":"m","messages":[]}', headers: { "content-type": "application/json" } });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers["content-type"]).toBe("application/json");
      expect(((await ok.body.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe(UPSTREAM_REPLY);
      expect(upstream.requests).toBe(2);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it("answers 502 when the upstream is gone", async () => {
    const upstream = await startUpstream();
    const origin = new URL(upstream.url).origin;
    await upstream.close();
    const proxy = await startPassThrough(origin);
    try {
      const response = await request(`${proxy.origin}/v1/chat/completions`, { method: "POST", body: "{}" });
      expect(response.statusCode).toBe(502);
      expect(await response.body.text()).toMatch(/pass-through/);
    } finally {
      await proxy.close();
    }
  });
});

describe("child servers", () => {
  it("resolves with the URL a child announces, and stops it by pid", async () => {
    const server = await spawnServer({
      name: "tiny",
      command: process.execPath,
      args: ["-e", `require("node:http").createServer((q,s)=>s.end("hi")).listen(0,"127.0.0.1",function(){console.log(JSON.stringify({ready:true,url:"http://127.0.0.1:"+this.address().port}))})`],
      ready: "json-line",
    });
    try {
      expect(await (await request(server.url)).body.text()).toBe("hi");
    } finally {
      await server.stop();
    }
    expect(server.child.exitCode !== null || server.child.signalCode !== null).toBe(true);
  });

  it("rejects with the child's output when it exits before it is ready", async () => {
    await expect(
      spawnServer({ name: "broken", command: process.execPath, args: ["-e", "console.error('boom: no config'); process.exit(3)"], ready: "json-line" }),
    ).rejects.toThrow(/broken exited early \(code 3[\s\S]*boom: no config/);
  });

  it("polls a server that cannot announce itself (Portkey's way) and gives up in time", async () => {
    await expect(
      spawnServer({ name: "silent", command: process.execPath, args: ["-e", "setTimeout(()=>{}, 5000)"], ready: { url: "http://127.0.0.1:9", path: "/", expect: "hey" }, timeoutMs: 400 }),
    ).rejects.toThrow(/silent/);
  });
});

describe("Portkey wiring", () => {
  it("points the gateway at the upstream through the documented headers", () => {
    expect(portkeyHeaders("http://127.0.0.1:1234/v1")).toEqual({ "x-portkey-provider": "openai", "x-portkey-custom-host": "http://127.0.0.1:1234/v1" });
  });
});

describe("benches at tiny scale", () => {
  it("P2 returns a figure and an added time for every side", async () => {
    const rounds: number[] = [];
    const result = await runP2({ isolation: "in-process", rounds: 2, requestsPerRound: 5, warmup: 2, onRound: (r) => rounds.push(r.round) });
    expect(rounds).toEqual([1, 2]);
    expect(Object.keys(result.sides).sort()).toEqual(["direct", "modelmesh", "passThrough"]);
    expect(result.sides.direct!.addedUs).toBe(0);
    for (const side of Object.values(result.sides)) {
      expect(Number.isFinite(side.medianUs)).toBe(true);
      expect(side.roundMediansUs).toHaveLength(2);
    }
    expect(result.ratioModelMeshToPortkey).toBeUndefined();
    expect(result.target.met).toBeUndefined();
  });

  it("P3 returns a rate per side with no errors", async () => {
    const result = await runP3({ isolation: "in-process", concurrency: 4, durationMs: 150, rounds: 1, warmupMs: 50 });
    expect(Object.keys(result.sides).sort()).toEqual(["direct", "modelmesh", "passThrough"]);
    for (const side of Object.values(result.sides)) {
      expect(side.rps).toBeGreaterThan(0);
      expect(side.errors).toBe(0);
      expect(side.roundRps).toHaveLength(1);
    }
    expect(result.ratioModelMeshToPassThrough).toBeGreaterThan(0);
    expect(result.ratioModelMeshToPortkey).toBeUndefined();
  });
});
