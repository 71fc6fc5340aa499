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
import { apiKeysEnv, ConfigError, create, detectProviders, DETECTABLE_PROVIDERS, getTrace, isModelMeshError } from "../src/index.js";

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
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues[0]!.path).toBe("providers");
    const message = (error as Error).message;
    for (const name of ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "GROQ_API_KEY", "OPENROUTER_API_KEY", "OLLAMA_HOST"]) {
      expect(message).toContain(name);
    }
  });

  it("finds every provider whose key is set, in preference order, never echoing keys (HF_TOKEN, set for downloads, enables nothing)", () => {
    const found = detectProviders(DETECTABLE_PROVIDERS, { OPENAI_API_KEY: "sk-a", GROQ_API_KEY: "gsk-b", GEMINI_API_KEY: "g-c", UNRELATED: "x", HF_TOKEN: "hf-downloads-only" });
    expect(found.map((f) => [f.name, f.source])).toEqual([
      ["openai", "OPENAI_API_KEY"],
      ["google", "GEMINI_API_KEY"],
      ["groq", "GROQ_API_KEY"],
    ]);
    expect(JSON.stringify(found.map((f) => f.source))).not.toContain("sk-a");
  });

  it("explicit apiKeys beat the environment: only the listed providers are used", () => {
    const found = detectProviders(DETECTABLE_PROVIDERS, { OPENAI_API_KEY: "sk-env", ANTHROPIC_API_KEY: "ant-env" }, { apiKeys: { groq: "gsk-explicit" } });
    expect(found).toEqual([{ name: "groq", connector: "groq.api.v1", config: { api_key: "${env:GROQ_API_KEY}" }, source: "apiKeys.groq" }]);
    expect(apiKeysEnv(DETECTABLE_PROVIDERS, { groq: "gsk-explicit" })).toEqual({ GROQ_API_KEY: "gsk-explicit" });
  });

  it("the config built from detection holds ${env:NAME} references, never a key", () => {
    const env = { OPENAI_API_KEY: "sk-env-SECRET-1", ANTHROPIC_API_KEY: "ant-env-SECRET-2", GEMINI_API_KEY: "gem-SECRET-3", GROQ_API_KEY: "gsk-SECRET-4" };
    const fromEnv = detectProviders(DETECTABLE_PROVIDERS, env);
    expect(fromEnv.map((f) => f.config.api_key)).toEqual(["${env:OPENAI_API_KEY}", "${env:ANTHROPIC_API_KEY}", "${env:GEMINI_API_KEY}", "${env:GROQ_API_KEY}"]);
    const explicit = detectProviders(DETECTABLE_PROVIDERS, {}, { apiKeys: { openai: "sk-code-SECRET-5", GEMINI_API_KEY: "gem-code-SECRET-6" } });
    expect(explicit.map((f) => [f.source, f.config.api_key])).toEqual([
      ["apiKeys.openai", "${env:OPENAI_API_KEY}"],
      ["apiKeys.GEMINI_API_KEY", "${env:GEMINI_API_KEY}"],
    ]);
    const text = JSON.stringify([fromEnv, explicit]);
    for (const secret of [...Object.values(env), "sk-code-SECRET-5", "gem-code-SECRET-6"]) expect(text).not.toContain(secret);
  });

  it("blank variables are ignored; a local server's host becomes its base URL; a new table entry is detected alone", () => {
    const found = detectProviders(DETECTABLE_PROVIDERS, { GROQ_API_KEY: "gsk_x", MISTRAL_API_KEY: "  ", OLLAMA_HOST: "127.0.0.1:11434" });
    expect(found).toEqual([
      { name: "groq", connector: "groq.api.v1", config: { api_key: "${env:GROQ_API_KEY}" }, source: "GROQ_API_KEY" },
      { name: "ollama", connector: "ollama.local.v1", config: { base_url: "http://127.0.0.1:11434/v1" }, source: "OLLAMA_HOST" },
    ]);
    const acme = [{ name: "acme", connector: "acme.api.v1", keyVars: ["ACME_API_KEY"] }];
    expect(detectProviders(acme, { ACME_API_KEY: "k" })).toEqual([{ name: "acme", connector: "acme.api.v1", config: { api_key: "${env:ACME_API_KEY}" }, source: "ACME_API_KEY" }]);
  });

  it("the providers option filters detection", () => {
    const found = detectProviders(DETECTABLE_PROVIDERS, { OPENAI_API_KEY: "a", GROQ_API_KEY: "b" }, { providers: ["groq"] });
    expect(found.map((f) => f.name)).toEqual(["groq"]);
  });
});

describe("keys never reach the generated config or any output", () => {
  const KEY = "sk-proj-LEAKCHECK0123456789abcdefXYZ";

  /** A transport standing in for the upstream: records the Authorization header, answers 401 quoting the key. */
  function echoingUpstream() {
    const authorizations: string[] = [];
    const transport = async (request: { headers: Record<string, string> }) => {
      authorizations.push(Object.entries(request.headers).find(([name]) => name.toLowerCase() === "authorization")?.[1] ?? "");
      const body = JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}.`, type: "invalid_request_error", code: "invalid_api_key" } });
      return {
        status: 401,
        headers: { "content-type": "application/json" },
        body: (async function* () {
          yield new TextEncoder().encode(body);
        })(),
        text: async () => body,
        cancel: async () => {},
      };
    };
    return { transport, authorizations };
  }

  async function everythingPrinted(options: Parameters<typeof create>[1] & object, transport: unknown): Promise<string> {
    const client = create("chat-completion", { cwd: emptyDir(), ...options, mesh: { transport } });
    const events: unknown[] = [];
    client.on("*", (event) => events.push(event));
    try {
      const error = await client.chat.completions.create({ model: "chat-completion", ...ask }).catch((e: unknown) => e);
      expect(isModelMeshError(error)).toBe(true);
      const mesh = await client.mesh();
      const explained = await client.explain({ model: "chat-completion", messages: ask.messages });
      return [String(error), (error as Error).stack, JSON.stringify(error), JSON.stringify((error as { trace?: unknown }).trace), JSON.stringify(events), JSON.stringify(explained), JSON.stringify(await mesh.store.export?.())].join("\n");
    } finally {
      await client.close();
    }
  }

  it("a key from the environment (padded, as a copied value may be) is sent upstream and printed nowhere", async () => {
    const upstream = echoingUpstream();
    const printed = await everythingPrinted({ env: { OPENAI_API_KEY: `  ${KEY}\n` }, providers: ["openai"] }, upstream.transport);
    expect(upstream.authorizations).toEqual([`Bearer ${KEY}`]);
    expect(printed).not.toContain(KEY);
    expect(printed).not.toContain(KEY.slice(0, 24));
  });

  it("a key passed as apiKeys is sent upstream and printed nowhere", async () => {
    const upstream = echoingUpstream();
    const printed = await everythingPrinted({ env: { OPENAI_API_KEY: "sk-ambient-not-used" }, apiKeys: { openai: KEY } }, upstream.transport);
    expect(upstream.authorizations).toEqual([`Bearer ${KEY}`]);
    expect(printed).not.toContain(KEY);
    expect(printed).not.toContain(KEY.slice(0, 24));
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

  it("an unreadable config file and a call without a capability are ConfigErrors", () => {
    const missing = (() => {
      try {
        create("chat-completion", { env: {}, cwd: emptyDir(), config: "nope.yaml" });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.is(missing)).toBe(true);
    expect((missing as Error).message).toMatch(/nope\.yaml\] cannot read the config file: /);
    const nothing = (() => {
      try {
        create({ env: { OLLAMA_HOST: "127.0.0.1:1" }, cwd: emptyDir() });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.is(nothing)).toBe(true);
    expect((nothing as ConfigError).issues[0]!.path).toBe("pools");
  });

  it("a bad config file is a start-up error from ready(), naming the path and line", async () => {
    const dir = emptyDir();
    writeFileSync(join(dir, "modelmesh.yaml"), "providers:\n  x:\n    connector: no-such-connector\n");
    const client = create("chat-completion", { env: {}, cwd: dir });
    const error = await client.ready().catch((e) => e);
    expect(ConfigError.is(error)).toBe(true);
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
