/**
 * Hostile request fields: a `model` name of megabytes must cost no more than a normal request (it used to run
 * an unbounded edit distance against every suggestion candidate: 26–66 s for 1 MB), and a huge session key
 * must not be kept as is by selection strategies.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorRegistry, createMesh, isModelMeshError, seededRandom, type Mesh, type SelectionStrategyV1 } from "../src/index.js";
import { MAX_VIRTUAL_NAME_LENGTH, resolveVirtualName } from "../src/capability/resolve-name.js";
import { closeMatches, editDistance, MAX_SUGGEST_LENGTH } from "../src/capability/suggest.js";
import { CapabilityTree } from "../src/capability/tree.js";
import { chatModel, testProviderConnector, user } from "./support/mesh.js";
import { startUpstream, type Upstream } from "./support/upstream.js";

/** Plain Levenshtein, the reference for the bounded one. */
function reference(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      rows[i]![j] = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return rows[a.length]![b.length]!;
}


/** Milliseconds a call takes to settle (the rejection of an oversized name is synchronous work). */
async function timed(run: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  let error: unknown;
  try {
    await run();
  } catch (caught) {
    error = caught;
  }
  return { ms: performance.now() - started, error };
}

describe("bounded edit distance", () => {
  it("equals plain Levenshtein within the budget and reports max + 1 beyond it (600 random pairs)", () => {
    const random = seededRandom(42);
    const word = (length: number) => Array.from({ length }, () => "abcd-."[Math.floor(random() * 6)]).join("");
    for (let n = 0; n < 600; n++) {
      const a = word(Math.floor(random() * 14));
      const b = word(Math.floor(random() * 14));
      const max = Math.floor(random() * 8);
      const exact = reference(a, b);
      expect(editDistance(a, b), `${a} / ${b}`).toBe(exact);
      expect(editDistance(a, b, max), `${a} / ${b} / ${max}`).toBe(exact <= max ? exact : max + 1);
    }
  });

  it("stops at once when the lengths alone exceed the budget: a 1 MB string against a short id", () => {
    const huge = "x".repeat(1024 * 1024);
    const started = performance.now();
    for (let n = 0; n < 1000; n++) expect(editDistance(huge, "gpt-4o", 5)).toBe(6);
    // 1000 comparisons: a scan of the 1 MB string per comparison would take seconds.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("suggests nothing for names longer than MAX_SUGGEST_LENGTH, still suggests for typos", () => {
    const candidates = ["chat-completion", "gpt-4o", "openai.gpt-4o"];
    expect(closeMatches("gpt-4p", candidates)).toEqual(["gpt-4o", "openai.gpt-4o"]);
    expect(closeMatches("g".repeat(MAX_SUGGEST_LENGTH + 1), ["g".repeat(MAX_SUGGEST_LENGTH + 2)])).toEqual([]);
    expect(closeMatches("g".repeat(MAX_SUGGEST_LENGTH), ["g".repeat(MAX_SUGGEST_LENGTH + 1)])).toEqual(["g".repeat(MAX_SUGGEST_LENGTH + 1)]);
  });
});

describe("the model-name limit", () => {
  const ctx = { tree: CapabilityTree.createDefault(), pools: new Map(), models: new Map() };

  it(`rejects a name longer than ${MAX_VIRTUAL_NAME_LENGTH} characters with MM_INVALID_REQUEST naming the limit, never quoting the whole name`, () => {
    const name = `${"secret-looking-prefix-".repeat(10)}${"z".repeat(1000)}`;
    let error: unknown;
    try {
      resolveVirtualName(name, ctx);
    } catch (caught) {
      error = caught;
    }
    expect(isModelMeshError(error)).toBe(true);
    if (!isModelMeshError(error)) return;
    expect(error).toMatchObject({ code: "MM_INVALID_REQUEST", category: "invalid_request", metadata: { limit: 256, length: name.length } });
    expect(error.message).toContain("the limit is 256");
    expect(error.message).toContain(String(name.length));
    expect(error.message.length).toBeLessThan(300);
    expect(error.message).not.toContain("z".repeat(40));
    // Up to the limit, names resolve (or get suggestions) as before.
    expect(() => resolveVirtualName("a".repeat(MAX_VIRTUAL_NAME_LENGTH), ctx)).toThrow(expect.objectContaining({ code: "MM_UNKNOWN_MODEL" }));
    expect(resolveVirtualName("chat-completion", ctx)).toMatchObject({ kind: "alias" });
  });
});

describe("through the router", () => {
  let upstream: Upstream;
  let mesh: Mesh;
  const sessionKeys: Array<string | undefined> = [];
  const capture: SelectionStrategyV1 = {
    specificationVersion: "v1",
    id: "test.capture-session.v1",
    select(candidates, context) {
      sessionKeys.push(context.sessionKey);
      return candidates.length > 0 ? { routeId: candidates[0]!.routeId, reason: "first" } : null;
    },
  };

  beforeAll(async () => {
    upstream = await startUpstream();
    const registry = new ConnectorRegistry({
      connectors: [
        testProviderConnector,
        { id: "test.capture-session.v1", type: "rotation", role: "selection", specificationVersion: "v1", runtime: "universal", create: () => capture },
      ],
    });
    // Many pools and models: the old suggestion pass compared the name against every one of them.
    const models: Record<string, unknown> = {};
    const pools: Record<string, unknown> = { chat: { capability: "chat-completion", strategy: "test.capture-session.v1" } };
    for (let i = 0; i < 40; i++) {
      models[`pa.model-${i}`] = chatModel("pa", { model: `vendor-model-number-${i}` });
      pools[`pool-${i}`] = { models: [`pa.model-${i}`] };
    }
    mesh = await createMesh(
      { providers: { pa: { connector: "test.fetch.v1", config: { base_url: upstream.url } } }, models, pools },
      { registry, env: {} },
    );
  });
  afterAll(async () => {
    await mesh?.close();
    await upstream?.close();
  });

  it("answers a 1 MB and a 100 KB model name with a typed error, as fast as an ordinary unknown name", async () => {
    // The baseline: ordinary unknown names, whose suggestions are computed over every pool, alias and model.
    let baseline = 0;
    for (const name of ["chta", "pool-4O", "vendor-model-numbr-3", "gpt-4o"]) {
      const { ms, error } = await timed(() => mesh.router.chat({ model: name, messages: user("hi") }));
      expect(error).toMatchObject({ code: "MM_UNKNOWN_MODEL" });
      baseline = Math.max(baseline, ms);
    }
    for (const size of [1024 * 1024, 100 * 1024]) {
      const name = "m".repeat(size - 1) + "x";
      const { ms, error } = await timed(() => mesh.router.chat({ model: name, messages: user("hi") }));
      expect(error).toMatchObject({ code: "MM_INVALID_REQUEST", category: "invalid_request", metadata: { limit: 256, length: size } });
      // Generous: 20× the slowest ordinary error, and never less than 200 ms (the old code took seconds).
      expect(ms, `${size} bytes took ${ms} ms, baseline ${baseline} ms`).toBeLessThan(Math.max(200, 20 * baseline));
    }
    expect(upstream.calls).toHaveLength(0);
  });

  it("the same oversized name fails the same way for streams, explain() and resolvePoolId()", async () => {
    const name = "m".repeat(300);
    await expect(mesh.router.chatStream({ model: name, messages: user("hi"), stream: true })).rejects.toMatchObject({ code: "MM_INVALID_REQUEST" });
    await expect(mesh.router.explain({ model: name, messages: user("hi") })).rejects.toMatchObject({ code: "MM_INVALID_REQUEST" });
    expect(() => mesh.router.resolvePoolId(name)).toThrow(expect.objectContaining({ code: "MM_INVALID_REQUEST" }));
  });

  it("hands selection strategies a bounded session key: equal long keys stay equal, different ones differ", async () => {
    sessionKeys.length = 0;
    const long = "u".repeat(1024 * 1024);
    await mesh.router.chat({ model: "chat", messages: user("hi"), user: long });
    await mesh.router.chat({ model: "chat", messages: user("hi"), user: long });
    await mesh.router.chat({ model: "chat", messages: user("hi"), user: `${long.slice(1)}v` });
    await mesh.router.chat({ model: "chat", messages: user("hi"), user: "alice" });
    const [first, second, third, short] = sessionKeys;
    expect(first!.length).toBeLessThanOrEqual(64);
    expect(second).toBe(first);
    expect(third).not.toBe(first);
    expect(third!.length).toBeLessThanOrEqual(64);
    expect(short).toBe("alice");
  });
});
