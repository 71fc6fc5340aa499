import { describe, expect, it } from "vitest";
import { HashRing, hash32 } from "./hash-ring.js";

const KEYS = Array.from({ length: 3_000 }, (_, i) => `session-${i}`);

describe("HashRing", () => {
  it("spreads keys over members roughly evenly with 100 virtual nodes each", () => {
    const ring = new HashRing(["a/m", "b/m", "c/m"]);
    const counts = new Map<string, number>();
    for (const key of KEYS) counts.set(ring.owner(key)!, (counts.get(ring.owner(key)!) ?? 0) + 1);
    for (const count of counts.values()) expect(count).toBeGreaterThan(700);
    expect([...counts.keys()].sort()).toEqual(["a/m", "b/m", "c/m"]);
  });

  it("removing a member moves only its keys, and adding it back returns exactly them", () => {
    const all = new HashRing(["a/m", "b/m", "c/m", "d/m"]);
    const without = new HashRing(["a/m", "b/m", "d/m"]);
    for (const key of KEYS) {
      const home = all.owner(key)!;
      if (home !== "c/m") expect(without.owner(key)).toBe(home);
      else expect(without.owner(key)).toBe(all.walk(key, (m) => m !== "c/m"));
    }
  });

  it("does not depend on the order members are given in; an empty ring owns nothing", () => {
    const one = new HashRing(["c/m", "a/m", "b/m"]);
    const two = new HashRing(["a/m", "b/m", "c/m"]);
    expect(KEYS.slice(0, 200).every((key) => one.owner(key) === two.owner(key))).toBe(true);
    expect(new HashRing([]).owner("x")).toBeUndefined();
    expect(hash32("x")).toBe(hash32("x"));
  });
});
