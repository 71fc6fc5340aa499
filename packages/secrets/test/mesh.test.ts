/**
 * The stores inside a mesh: a YAML config names the store in `secrets`, a provider's `api_key` is
 * `${secrets:OPENAI_KEY}`, and the mock provider (which answers 401 to any other key) sees the stored key.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { ConfigError, ConnectorRegistry, createMesh, type Mesh } from "@modelmesh/core";
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EncryptedFileSecretStore, SECRETS_CONNECTORS, WritableFileSecretStore } from "../src/index.js";
import { tempDir } from "./support/files.js";

const KEY = "sk-mesh-test-0123456789abcdef";
const PASSPHRASE = "mesh test passphrase";
let mock: MockProvider;
const open: Mesh[] = [];

/** The CDK's provider connectors plus this package's stores (the CDK's own env / memory stores left out: same ids). */
const registry = () => new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...SECRETS_CONNECTORS] });

const yaml = (secrets: string) => `
secrets:
${secrets}
providers:
  mock:
    connector: openai-compatible
    config:
      base_url: "${mock.url}"
      api_key: "\${secrets:OPENAI_KEY}"
    models:
      - { id: mock-model, capabilities: [chat-completion] }
`;

async function mesh(secrets: string, env: Record<string, string | undefined> = {}): Promise<Mesh> {
  const created = await createMesh(yaml(secrets), { registry: registry(), env });
  open.push(created);
  return created;
}

const ask = (m: Mesh) => m.router.chat({ model: "mock-model", messages: [{ role: "user", content: "hi" }] });

beforeAll(async () => {
  mock = await startMockProvider({ apiKey: KEY });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
  mock.reset();
});
afterAll(async () => {
  await mock?.close();
});

describe("${secrets:…} through this package's stores", () => {
  it("encrypted-file: the key set in the file authenticates against the mock provider", async () => {
    const path = join(tempDir(), "secrets.enc");
    await new EncryptedFileSecretStore({ filePath: path, passphrase: PASSPHRASE }).set("OPENAI_KEY", KEY);
    const m = await mesh(`  store: encrypted-file\n  path: "${path}"`, { MODELMESH_SECRETS_PASSPHRASE: PASSPHRASE });
    const answer = await ask(m);
    expect(answer.value.choices[0]?.message.content).toBeTypeOf("string");
    expect(mock.calls.filter((call) => call.path.endsWith("/chat/completions"))).toHaveLength(1);
  });

  it("encrypted-file: a wrong key in the file is refused upstream (the check can fail)", async () => {
    const path = join(tempDir(), "secrets.enc");
    await new EncryptedFileSecretStore({ filePath: path, passphrase: PASSPHRASE }).set("OPENAI_KEY", "sk-wrong");
    const m = await mesh(`  store: encrypted-file\n  path: "${path}"`, { MODELMESH_SECRETS_PASSPHRASE: PASSPHRASE });
    const error = await ask(m).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ category: "auth", status: 401 });
    expect(mock.calls.filter((call) => call.path.endsWith("/chat/completions")).length).toBeGreaterThan(0);
  });

  it("encrypted-file: a wrong or missing passphrase fails createMesh without printing the key", async () => {
    const path = join(tempDir(), "secrets.enc");
    await new EncryptedFileSecretStore({ filePath: path, passphrase: PASSPHRASE }).set("OPENAI_KEY", KEY);
    for (const env of [{ MODELMESH_SECRETS_PASSPHRASE: "wrong" }, {}]) {
      const error = await mesh(`  store: encrypted-file\n  path: "${path}"`, env).catch((caught: unknown) => caught);
      expect(ConfigError.is(error)).toBe(true);
      const text = `${String(error)} ${JSON.stringify((error as ConfigError).issues)} ${String((error as { cause?: unknown }).cause)}`;
      expect(text).toContain("providers.mock.config.api_key");
      expect(text).not.toContain(KEY);
      const cause = String((error as { cause?: unknown }).cause);
      expect(cause).toMatch("MODELMESH_SECRETS_PASSPHRASE" in env ? /wrong passphrase or damaged file/ : /environment variable MODELMESH_SECRETS_PASSPHRASE is not set/);
    }
  });

  it("dotenv, json-secrets and toml-secrets resolve the same reference (existing YAML keeps working)", async () => {
    const dir = tempDir();
    const files = { dotenv: join(dir, ".env"), "json-secrets": join(dir, "s.json"), "toml-secrets": join(dir, "s.toml") };
    writeFileSync(files.dotenv, "# keys\nOPENAI_KEY=placeholder\n");
    await new WritableFileSecretStore({ filePath: files.dotenv }).set("OPENAI_KEY", KEY);
    await new WritableFileSecretStore({ filePath: files["json-secrets"] }).set("OPENAI_KEY", KEY);
    await new WritableFileSecretStore({ filePath: files["toml-secrets"] }).set("OPENAI_KEY", KEY);
    for (const [store, path] of Object.entries(files)) {
      const m = await mesh(`  store: ${store}\n  path: "${path}"\n  cache_ttl: 5m`);
      await ask(m);
    }
    expect(mock.calls.filter((call) => call.path.endsWith("/chat/completions"))).toHaveLength(3);
  });

  it("env: the repository's env-secret-store example (prefix, cache_ttl, fail_on_missing) runs unchanged", async () => {
    const example = readFileSync(fileURLToPath(new URL("../../../examples/env-secret-store/modelmesh.yaml", import.meta.url)), "utf8");
    const m = await createMesh(example, { registry: registry(), env: { UPSTREAM_URL: mock.url, MM_UPSTREAM_KEY: KEY } });
    open.push(m);
    await m.router.chat({ model: "mock-model", messages: [{ role: "user", content: "hi" }] });
    expect(mock.calls.filter((call) => call.path.endsWith("/chat/completions"))).toHaveLength(1);
    const wrong = await createMesh(example, { registry: registry(), env: { UPSTREAM_URL: mock.url, UPSTREAM_KEY: KEY } }).catch((caught: unknown) => caught);
    expect(String(wrong)).toMatch(/secret "upstream-key" was not found in store env/);
  });

  it("a key the store rejects fails createMesh naming it", async () => {
    const error = await mesh(`  store: dotenv\n  region: eu-west-1`).catch((caught: unknown) => caught);
    expect(ConfigError.is(error)).toBe(true);
    expect(String((error as { cause?: unknown }).cause ?? error)).toMatch(/region: region applies to cloud secret managers/);
  });
});
