/**
 * Issue 11: config text is untrusted input to a long-running proxy. Parsing is bounded (text length, anchors,
 * aliases, expanded size and depth) and never throws or stalls: every hostile document becomes a ConfigError
 * with a position, quickly. The bounds are YAML_LIMITS in yaml-source.ts.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors/errors.js";
import { loadConfig } from "./load.js";
import { YAML_LIMITS } from "./yaml-source.js";

/** Loads `text`; returns the ConfigError's first issue and the time taken. Anything else fails the test. */
async function refused(text: string): Promise<{ message: string; line?: number; ms: number }> {
  const started = performance.now();
  const error: unknown = await loadConfig(text, { env: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  const ms = performance.now() - started;
  if (!ConfigError.is(error)) throw new Error(`expected a ConfigError, got ${error instanceof Error ? error.stack : String(error)}`);
  const issue = error.issues[0]!;
  return { message: issue.message, ...(issue.line !== undefined ? { line: issue.line } : {}), ms };
}

const flowMap = (n: number, prefix = "k") => `{${Array.from({ length: n }, (_, i) => `${prefix}${i}: v`).join(", ")}}`;

describe("bounded YAML parsing", () => {
  it("an alias fan-out far below the library's exponential limit is refused before it is expanded", async () => {
    // 900 aliases of a 20 000-key map: the library's maxAliasCount (1000) lets it through; expanded it is
    // 18 million values for interpolation and the schema to walk (tens of seconds).
    const text = `providers:\n  p:\n    config:\n      big: &a ${flowMap(20_000)}\n      copies: [${Array(900).fill("*a").join(", ")}]\n`;
    const result = await refused(text);
    expect(result.message).toBe(`YAML error: the document expands to more than ${YAML_LIMITS.maxValues} values (through aliases)`);
    expect(result.ms).toBeLessThan(5_000);
  });

  it("merge keys cannot multiply a large map", async () => {
    const merges = Array.from({ length: 900 }, (_, i) => `  m${i}: {<<: *a}`).join("\n");
    const result = await refused(`providers:\n  p:\n    config:\n      a: &a ${flowMap(20_000)}\nextra:\n${merges}\n`);
    expect(result.message).toMatch(/expands to more than/);
    expect(result.ms).toBeLessThan(5_000);
  });

  it("an alias inside the node it refers to is refused (it would convert to a structure containing itself)", async () => {
    const result = await refused("providers:\n  p:\n    config:\n      loop: &l [1, *l]\n");
    expect(result).toMatchObject({ message: "YAML error: an alias refers to a node that contains it", line: 4 });
  });

  it("deep nesting is refused from the tokens, before the document is built", async () => {
    for (const depth of [YAML_LIMITS.maxDepth + 1, 5_000, 100_000]) {
      const result = await refused(`providers:\n  p:\n    config:\n      deep: ${"[".repeat(depth)}${"]".repeat(depth)}\n`);
      expect(result.message).toBe(`YAML error: the document is nested deeper than ${YAML_LIMITS.maxDepth} levels`);
      expect(result.line).toBe(4);
      expect(result.ms).toBeLessThan(5_000);
    }
    let block = "providers:\n";
    for (let i = 0; i < 200; i++) block += `${" ".repeat(i + 2)}k${i}:\n`;
    expect((await refused(block)).message).toMatch(/nested deeper than/);
  });

  it("nesting that only aliases make deep is refused too", async () => {
    const levels = Array.from({ length: 70 }, (_, i) => `l${i + 1}: &l${i + 1} [*l${i}]`).join("\n");
    const result = await refused(`l0: &l0 [x]\n${levels}\n`);
    expect(result.message).toBe(`YAML error: the document is nested deeper than ${YAML_LIMITS.maxDepth} levels once aliases are expanded`);
  });

  it("duplicate keys are found in linear time", async () => {
    // The library's own check compares every key with every other one (about 10 s for 40 000 keys).
    const result = await refused(`providers:\n  p:\n    config:\n      big: ${flowMap(40_000).slice(0, -1)}, k7: again}\n`);
    expect(result).toMatchObject({ message: "YAML syntax error: Map keys must be unique", line: 4 });
    expect(result.ms).toBeLessThan(6_000);
    // Merge keys are not duplicates of the keys they merge.
    const merged = await loadConfig("providers:\n  a: {}\nmodels:\n  a.m: { provider: a }\npools:\n  p1: { models: [a.m], retry: &r { max_attempts: 3 } }\n  p2: { models: [a.m], retry: { <<: *r, max_attempts: 4 } }\n", { env: {} });
    expect(merged.pools.p2!.retry.max_attempts).toBe(4);
  });

  it("keys that only collide once converted (1 and '1') are duplicates too", async () => {
    expect((await refused("providers:\n  p:\n    config:\n      1: a\n      '1': b\n")).message).toBe("YAML syntax error: Map keys must be unique");
  });

  it("a __proto__ key is refused", async () => {
    expect(await refused("providers:\n  p:\n    config:\n      __proto__: { base_url: 'http://x' }\n")).toMatchObject({ message: "YAML error: the key __proto__ is not allowed", line: 4 });
  });

  it("too many anchors or aliases, or too long a text, are refused", async () => {
    const anchors = Array.from({ length: YAML_LIMITS.maxAnchors + 1 }, (_, i) => `  a${i}: &x${i} v`).join("\n");
    expect((await refused(`extra:\n${anchors}\n`)).message).toBe(`YAML error: more than ${YAML_LIMITS.maxAnchors} anchors (&name)`);
    const aliases = Array.from({ length: YAML_LIMITS.maxAliases + 1 }, (_, i) => `  b${i}: *x`).join("\n");
    expect((await refused(`extra:\n  a: &x v\n${aliases}\n`)).message).toBe(`YAML error: more than ${YAML_LIMITS.maxAliases} aliases (*name)`);
    const long = `providers:\n  p:\n    config:\n      note: "${"x".repeat(YAML_LIMITS.maxLength)}"\n`;
    expect(await refused(long)).toMatchObject({ message: `the config text is longer than ${YAML_LIMITS.maxLength} characters`, line: 1 });
  });
});
