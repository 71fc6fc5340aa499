import { describe, expect, it } from "vitest";
import { DEFAULT_POOL_ENTRY, DEFAULT_ROUTING, defaultPoolEntry } from "./defaults.js";
import { poolEntrySchema } from "./schema-pool.js";
import { meshConfigSchema } from "./schema.js";

describe("config defaults as plain values", () => {
  it("equal what the schema gives an empty pool entry (update defaults.ts when the schema changes)", () => {
    expect(DEFAULT_POOL_ENTRY).toEqual(poolEntrySchema.parse({}));
    expect(defaultPoolEntry("chat-completion")).toEqual(poolEntrySchema.parse({ capability: "chat-completion" }));
  });

  it("equal what the schema gives an absent routing section", () => {
    expect(DEFAULT_ROUTING).toEqual(meshConfigSchema.parse({}).routing);
  });

  it("hand out copies: changing one does not change the defaults", () => {
    const entry = defaultPoolEntry();
    entry.retry.retryable_codes.push(418);
    entry.deactivation.retry_limit = 9;
    expect(DEFAULT_POOL_ENTRY.retry.retryable_codes).toEqual([429, 500, 502, 503]);
    expect(DEFAULT_POOL_ENTRY.deactivation.retry_limit).toBe(3);
  });
});
