import { describe, expect, it } from "vitest";
import * as entry from "../src/index.js";

/**
 * The connectors are plain descriptors: importing the package registers nothing. (The package's export list,
 * and the absence of work at import, are checked for every package by tests/structure.)
 */
describe("connector descriptors", () => {
  it("are plain data: the OpenAI connector, one per preset, and Azure OpenAI", () => {
    expect(entry.connector).toMatchObject({ id: "openai.llm.v1", type: "provider", aliases: ["openai"] });
    expect(entry.connectors).toHaveLength(16);
    expect(entry.connectors.at(-1)).toMatchObject({ id: "azure.openai.v1", type: "provider", aliases: ["azure-openai", "azure"] });
  });
});
