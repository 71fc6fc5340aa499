import { ConfigError } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { apiKeyFromEnv, cohereConfigFromBlock } from "./cohere-config.js";

describe("cohere config", () => {
  it("maps snake_case keys and defaults the base URL", () => {
    expect(cohereConfigFromBlock({ api_key: "k", default_input_type: "clustering", client_name: "app", timeout: "30s" })).toMatchObject({
      baseUrl: "https://api.cohere.com",
      apiKey: "k",
      defaultInputType: "clustering",
      clientName: "app",
      timeoutMs: 30_000,
    });
  });

  it("rejects unknown keys and OpenAI-only keys, naming them, never echoing values", () => {
    let error: unknown;
    try {
      cohereConfigFromBlock({ api_key: "co-secret-value", stream_usage: true, colour: "red" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = JSON.stringify((error as ConfigError).issues);
    expect(text).toContain("config.stream_usage");
    expect(text).toContain("colour");
    expect(text).not.toContain("co-secret-value");
    expect(() => cohereConfigFromBlock({ base_url: "not a url" })).toThrow(ConfigError);
    expect(() => cohereConfigFromBlock({ auth: { method: "oauth" } })).toThrow(/config\.auth\.method/);
    expect(cohereConfigFromBlock({ auth: { method: "api_key", api_key: "k2" } }).apiKey).toBe("k2");
  });

  it("the env key is used only when the block has none: CO_API_KEY, then COHERE_API_KEY", () => {
    expect(apiKeyFromEnv({}, { CO_API_KEY: "a", COHERE_API_KEY: "b" })).toBe("a");
    expect(apiKeyFromEnv({}, { COHERE_API_KEY: "b" })).toBe("b");
    expect(apiKeyFromEnv({ api_key: "c" }, { CO_API_KEY: "a" })).toBeUndefined();
    expect(apiKeyFromEnv({ auth: { api_key: "c" } }, { CO_API_KEY: "a" })).toBeUndefined();
    expect(apiKeyFromEnv({}, { CO_API_KEY: "" })).toBeUndefined();
  });
});
