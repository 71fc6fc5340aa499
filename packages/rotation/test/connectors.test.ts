/** The shipped rotation connectors (the export list and import-time checks are in tests/structure). */
import { describe, expect, it } from "vitest";
import { ROTATION_CONNECTORS } from "../src/index.js";

describe("ROTATION_CONNECTORS", () => {
  it("every connector is a rotation connector with a role, a vN id and a unique alias", () => {
    const ids = ROTATION_CONNECTORS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of ROTATION_CONNECTORS) {
      expect(c.type).toBe("rotation");
      expect(c.id).toMatch(/^modelmesh\.[a-z-]+\.v1$/);
      expect(["selection", "deactivation", "recovery"]).toContain(c.role);
    }
    expect(ROTATION_CONNECTORS.filter((c) => c.role === "selection")).toHaveLength(7);
  });
});
