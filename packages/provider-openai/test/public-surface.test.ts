import { describe, expect, it } from "vitest";
import * as entry from "../src/index.js";

/** The runtime exports of the package root; adding or removing one is a public API change (STYLE c.4). */
describe("public surface", () => {
  it("exports exactly these runtime names", () => {
    expect(Object.keys(entry).sort()).toEqual([
      "OPENAI_COMPATIBLE_PRESETS",
      "OPENAI_MODELS",
      "OPENAI_PRESET",
      "OpenAIProvider",
      "VERSION",
      "connector",
      "connectors",
      "createOpenAIProvider",
      "createPresetProvider",
      "detectFromEnv",
      "findPreset",
      "hostToBaseUrl",
      "openaiConnectorConfigSchema",
      "presetConnector",
    ]);
    expect(typeof entry.VERSION).toBe("string");
  });

  it("does no work at import: the connectors are plain descriptors, nothing is registered", () => {
    expect(entry.connector).toMatchObject({ id: "openai.llm.v1", type: "provider", aliases: ["openai"] });
    expect(entry.connectors).toHaveLength(13);
  });
});
