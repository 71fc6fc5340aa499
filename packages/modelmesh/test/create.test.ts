/**
 * create(): config sources, auto-detection from the environment (explicit beats ambient), the clear error
 * when nothing is found, and options that shape the generated pools.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPENAI_COMPATIBLE_PRESETS } from "@modelmesh/provider-openai";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { create, detectProviders, DETECTABLE_PROVIDERS, getTrace, isModelMeshError } from "../src/index.js";

const emptyDir = () => mkdtempSync(join(tmpdir(), "mm-create-"));
const ask = { messages: [{ role: "user" as const, content: "hi there" }] };

describe("auto-detection", () => {
  it("with nothing found, create() throws at once listing what to set", () => {
    let error: unknown;
    try {
      create("chat-completion", { env: {}, cwd: emptyDir() });
    } catch (e) {
      error = e;
    }
    expect(isModelMeshError(error)).toBe(true);
    const message = (error as Error).message;
    for (const name of ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "GROQ_API_KEY", "OPENROUTER_API_KEY", "OLLAMA_HOST"]) {
      expect(message).toContain(name);
    }
  });

  it("finds every provider whose key is set, in preference order, never echoing keys", () => {
    const found = detectProviders(DETECTABLE_PROVIDERS, { OPENAI_API_KEY: "sk-a", GROQ_API_KEY: "gsk-b", GEMINI_API_KEY: "g-c", UNRELATED: "x" });
    expect(found.map((f) => [f.name, f.source])).toEqual([
      ["openai", "OPENAI_API_KEY"],
      ["google", "GEMINI_API_KEY"],
      ["groq", "GROQ_API_KEY"],
    ]);
    expect(JSON.stringify(found.map((f) => f.source))).not.toContain("sk-a");
  });

  it("explicit apiKeys beat the environment: only the listed providers are used", () => {
    const found = detectProviders(DETECTABLE_PROVIDERS, { OPENAI_API_KEY: "sk-env", ANTHROPIC_API_KEY: "ant-env" }, { apiKeys: { groq: "gsk-explicit" } });
    expect(found).toEqual([{ name: "groq", connector: "groq.api.v1", config: { api_key: "gsk-explicit" }, source: "apiKeys.groq" }]);
  });

  it("the providers option filters detection", () => {
    const found = detectProviders(DETECTABLE_PROVIDERS, { OPENAI_API_KEY: "a", GROQ_API_KEY: "b" }, { providers: ["groq"] });
    expect(found.map((f) => f.name)).toEqual(["groq"]);
  });
});

describe("local servers and config files", () => {
  let mock: MockProvider;
  const ollama = OPENAI_COMPATIBLE_PRESETS.find((p) => p.aliases.includes("ollama"))!;
  const chatModel = ollama.models.find((m) => m.capabilities.some((c) => c.endsWith("chat-completion")))!;
  beforeAll(async () => {
    mock = await startMockProvider({ models: ollama.models.map((m) => ({ id: m.id })) });
  });
  afterAll(() => mock.close());

  it("OLLAMA_HOST alone is enough: create('chat-completion') routes to the local server", async () => {
    const client = create("chat-completion", { env: { OLLAMA_HOST: `127.0.0.1:${mock.port}` }, cwd: emptyDir() });
    try {
      const answer = await client.chat.completions.create({ model: "chat-completion", ...ask });
      expect(answer.choices[0]!.message.content).toBe("echo: hi there");
      expect(getTrace(answer)!.final!.providerId).toBe("ollama");
      expect(answer.model).toBe(chatModel.id);
    } finally {
      await client.close();
    }
  });

  it("modelmesh.yaml in the working directory is used when present", async () => {
    const dir = emptyDir();
    writeFileSync(
      join(dir, "modelmesh.yaml"),
      `providers:\n  from-file:\n    connector: openai-compatible\n    config:\n      base_url: ${mock.url}\n    models:\n      - id: ${chatModel.id}\n        capabilities: [chat-completion]\n`,
    );
    const client = create("chat-completion", { env: {}, cwd: dir });
    try {
      const answer = await client.chat.completions.create({ model: "chat-completion", ...ask });
      expect(getTrace(answer)!.final!.providerId).toBe("from-file");
    } finally {
      await client.close();
    }
  });

  it("a bad config file is a start-up error from ready(), naming the path and line", async () => {
    const dir = emptyDir();
    writeFileSync(join(dir, "modelmesh.yaml"), "providers:\n  x:\n    connector: no-such-connector\n");
    const client = create("chat-completion", { env: {}, cwd: dir });
    const error = await client.ready().catch((e) => e);
    expect(error.code).toBe("MM_CONNECTOR_UNKNOWN");
    expect(error.message).toContain("providers.x.connector");
    await expect(client.chat.completions.create({ model: "chat-completion", ...ask })).rejects.toMatchObject({ code: "MM_CONNECTOR_UNKNOWN" });
  });

  it("strategy applies to generated pools", async () => {
    const client = create("chat-completion", { env: { OLLAMA_HOST: `127.0.0.1:${mock.port}` }, cwd: emptyDir(), strategy: "stick-until-failure" });
    try {
      const mesh = await client.mesh();
      expect(mesh.router.pools.get("chat-completion")!.policies.selection.id).toBe("modelmesh.stick-until-failure.v1");
    } finally {
      await client.close();
    }
  });
});
