/**
 * The descriptors: ids and aliases as in the CDK, and every config key either changes what the store does
 * (observed here) or is rejected with an issue at that key saying why. The keys core owns in the `secrets`
 * section (`store`, `reload_on_rotation`) pass through.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, ConnectorRegistry, createManualClock, type SecretStoreConnectorV1 } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  connectors,
  dotenvSecretsConnector,
  encryptedFileSecretsConnector,
  envSecretsConnector,
  jsonSecretsConnector,
  memorySecretsConnector,
  SECRETS_CONNECTORS,
  tomlSecretsConnector,
  type EncryptedFileSecretStore,
  type WritableFileSecretStore,
} from "../src/index.js";
import { bumpMtime, tempDir } from "./support/files.js";

const registry = new ConnectorRegistry({ connectors: [...SECRETS_CONNECTORS] });
const PASS = { MODELMESH_SECRETS_PASSPHRASE: "pass-phrase-for-tests" };

/** Builds the store named by `store` from a `secrets` section, as the mesh does. */
async function make<T = SecretStoreConnectorV1>(store: string, section: Record<string, unknown>, options: { env?: Record<string, string | undefined>; clock?: ReturnType<typeof createManualClock> } = {}): Promise<T> {
  const context = { instanceId: "secrets", clock: options.clock ?? createManualClock(), env: options.env ?? {}, runtime: "node" as const };
  return registry.create<T>(store, { store, ...section }, context, { type: "secret-store", path: "secrets", connectorPath: "secrets.store" });
}

/** The issues of a rejected `make`, as `path: message`. */
async function rejected(store: string, section: Record<string, unknown>, env: Record<string, string | undefined> = PASS): Promise<string[]> {
  const error = await make(store, section, { env }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(ConfigError.is(error), `expected a ConfigError for ${JSON.stringify(section)}`).toBe(true);
  return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
}

/** The keys each schema accepts, so that a new key without a test below fails this file. */
function keysOf(schema: unknown): string[] {
  return Object.keys((schema as z.ZodObject).shape).sort();
}

describe("the descriptors", () => {
  it("keep the CDK's ids and aliases, add toml-secrets and encrypted-file, and are exported as connectors", () => {
    expect(SECRETS_CONNECTORS.map((d) => [d.id, d.aliases, d.type, d.runtime])).toEqual([
      ["modelmesh.env.v1", ["env"], "secret-store", "universal"],
      ["modelmesh.memory-secrets.v1", ["memory-secrets"], "secret-store", "universal"],
      ["modelmesh.dotenv.v1", ["dotenv"], "secret-store", "node"],
      ["modelmesh.json-secrets.v1", ["json-secrets"], "secret-store", "node"],
      ["modelmesh.toml-secrets.v1", ["toml-secrets"], "secret-store", "node"],
      ["modelmesh.encrypted-file.v1", ["encrypted-file"], "secret-store", "node"],
    ]);
    expect(connectors).toBe(SECRETS_CONNECTORS);
    expect(Object.isFrozen(SECRETS_CONNECTORS)).toBe(true);
  });

  it("load as a connector package through connectors.packages", async () => {
    const packaged = new ConnectorRegistry({ importer: async () => import("../src/index.js") });
    expect(await packaged.load("@modelmesh/secrets")).toEqual(SECRETS_CONNECTORS.map((d) => d.id));
  });

  it("every accepted key is covered by a test of this file", () => {
    expect({
      env: keysOf(envSecretsConnector.configSchema),
      memory: keysOf(memorySecretsConnector.configSchema),
      dotenv: keysOf(dotenvSecretsConnector.configSchema),
      json: keysOf(jsonSecretsConnector.configSchema),
      toml: keysOf(tomlSecretsConnector.configSchema),
      encrypted: keysOf(encryptedFileSecretsConnector.configSchema),
    }).toEqual({
      env: ["cache_ttl", "fail_on_missing", "prefix", "reload_on_rotation", "store"],
      memory: ["fail_on_missing", "reload_on_rotation", "secrets", "store"],
      dotenv: ["cache_ttl", "env_fallback", "fail_on_missing", "path", "reload_on_rotation", "required", "store", "watch"],
      json: ["cache_ttl", "env_fallback", "fail_on_missing", "json_path", "path", "reload_on_rotation", "required", "store", "watch"],
      toml: ["cache_ttl", "env_fallback", "fail_on_missing", "json_path", "path", "reload_on_rotation", "required", "store", "watch"],
      encrypted: ["cache_ttl", "fail_on_missing", "passphrase_env", "path", "reload_on_rotation", "required", "store", "watch"],
    });
  });
});

describe("section keys core owns", () => {
  it("store selects the connector by id or alias; reload_on_rotation: false passes, true is rejected with the reason", async () => {
    expect(await make("modelmesh.memory-secrets.v1", { secrets: { a: "1" } })).toMatchObject({ id: "modelmesh.memory-secrets.v1" });
    expect(await (await make("memory-secrets", { secrets: { a: "1" }, reload_on_rotation: false })).get("a")).toBe("1");
    expect(await rejected("env", { reload_on_rotation: true })).toEqual(["secrets.config.reload_on_rotation: secrets are resolved once, when the mesh starts; restart to pick up a rotated key"]);
  });

  it("region is rejected by every store here (they are local), unknown keys name the key and the accepted ones", async () => {
    for (const store of ["env", "memory-secrets", "dotenv", "json-secrets", "toml-secrets", "encrypted-file"]) {
      expect(await rejected(store, { region: "eu-west-1" }), store).toEqual(["secrets.config.region: region applies to cloud secret managers; this store is local"]);
    }
    expect(await rejected("dotenv", { pathh: "x" })).toEqual([
      "secrets.config.pathh: unknown key for modelmesh.dotenv.v1; it accepts cache_ttl, env_fallback, fail_on_missing, path, reload_on_rotation, required, store, watch",
    ]);
    expect(await rejected("env", { cache_ttl: "soon" })).toEqual(["secrets.config.cache_ttl: expected a duration such as 500ms, 10s, 5m or a number of milliseconds"]);
  });
});

describe("env (modelmesh.env.v1)", () => {
  it("prefix, cache_ttl and fail_on_missing change lookups; path is rejected", async () => {
    const env: Record<string, string | undefined> = { MM_OPENAI_KEY: "prefixed", OPENAI_KEY: "bare" };
    expect(await (await make("env", {}, { env })).get("OPENAI_KEY")).toBe("bare");
    expect(await (await make("env", { prefix: "MM_" }, { env })).get("openai-key")).toBe("prefixed");

    const clock = createManualClock();
    const cached = await make("env", { cache_ttl: "10s" }, { env, clock });
    expect(await cached.get("OPENAI_KEY")).toBe("bare");
    env.OPENAI_KEY = "rotated";
    expect(await cached.get("OPENAI_KEY")).toBe("bare");
    clock.advance(10_001);
    expect(await cached.get("OPENAI_KEY")).toBe("rotated");
    const uncached = await make("env", { cache_ttl: 0 }, { env, clock });
    expect(await uncached.get("OPENAI_KEY")).toBe("rotated");
    env.OPENAI_KEY = "again";
    expect(await uncached.get("OPENAI_KEY")).toBe("again");

    await expect((await make("env", {}, { env })).get("NOPE")).rejects.toMatchObject({ code: "MM_SECRET_MISSING" });
    expect(await (await make("env", { fail_on_missing: false }, { env })).get("NOPE")).toBe("");
    expect(await rejected("env", { path: ".env" })).toEqual(["secrets.config.path: the env store reads environment variables, not a file; use store: dotenv, json-secrets, toml-secrets or encrypted-file"]);
  });
});

describe("memory-secrets (modelmesh.memory-secrets.v1)", () => {
  it("secrets seeds the store, fail_on_missing changes misses; cache_ttl and path are rejected", async () => {
    const store = await make("memory-secrets", { secrets: { a: "1" } });
    expect(await store.get("a")).toBe("1");
    await expect(store.get("b")).rejects.toMatchObject({ code: "MM_SECRET_MISSING" });
    expect(await (await make("memory-secrets", { fail_on_missing: false })).get("b")).toBe("");
    expect(await rejected("memory-secrets", { cache_ttl: "5m" })).toEqual(["secrets.config.cache_ttl: memory-secrets keeps no cache (its values are already in memory); remove cache_ttl"]);
    expect(await rejected("memory-secrets", { path: "x" })).toEqual(["secrets.config.path: memory-secrets reads no file; give the values under `secrets:` or use a file store"]);
  });
});

const FILE_STORES = [
  { store: "dotenv", file: ".env", defaultPath: ".env", write: (values: Record<string, string>) => Object.entries(values).map(([k, v]) => `${k}=${v}\n`).join("") },
  { store: "json-secrets", file: "s.json", defaultPath: "secrets.json", write: (values: Record<string, string>) => JSON.stringify(values) },
  { store: "toml-secrets", file: "s.toml", defaultPath: "secrets.toml", write: (values: Record<string, string>) => Object.entries(values).map(([k, v]) => `${k} = "${v}"\n`).join("") },
] as const;

for (const { store, file, defaultPath, write } of FILE_STORES) {
  describe(`${store} keys`, () => {
    it("path picks the file (default below), required rejects a missing one, fail_on_missing and env_fallback change misses", async () => {
      expect(await make<WritableFileSecretStore>(store, {})).toMatchObject({ filePath: defaultPath });
      const path = join(tempDir(), file);
      writeFileSync(path, write({ KEY: "from-file" }));
      const env = { ONLY_ENV: "from-env", KEY: "env-loses" };
      expect(await (await make(store, { path }, { env })).get("KEY")).toBe("from-file");
      await expect((await make(store, { path }, { env })).get("ONLY_ENV")).rejects.toMatchObject({ code: "MM_SECRET_MISSING" });
      expect(await (await make(store, { path, env_fallback: true }, { env })).get("ONLY_ENV")).toBe("from-env");
      expect(await (await make(store, { path, env_fallback: true }, { env })).get("KEY")).toBe("from-file");
      expect(await (await make(store, { path, fail_on_missing: false })).get("NOPE")).toBe("");
      const missing = join(tempDir(), file);
      await expect((await make(store, { path: missing })).get("KEY")).rejects.toMatchObject({ code: "MM_SECRET_MISSING" });
      await expect((await make(store, { path: missing, required: true })).get("KEY")).rejects.toThrow(/cannot read the secret file \(ENOENT\)/);
    });

    it("cache_ttl re-reads the file once it expires; watch reloads it as soon as it changes", async () => {
      const path = join(tempDir(), file);
      writeFileSync(path, write({ KEY: "one" }));
      const clock = createManualClock();
      const plain = await make(store, { path }, { clock });
      const short = await make(store, { path, cache_ttl: "1s" }, { clock });
      const watching = await make(store, { path, watch: true }, { clock });
      for (const s of [plain, short, watching]) expect(await s.get("KEY")).toBe("one");
      writeFileSync(path, write({ KEY: "two" }));
      bumpMtime(path);
      expect(await watching.get("KEY")).toBe("two"); // mtime changed: file and cache dropped
      expect(await short.get("KEY")).toBe("one"); // within its cache_ttl
      clock.advance(999);
      expect(await short.get("KEY")).toBe("one");
      clock.advance(1);
      expect(await short.get("KEY")).toBe("two"); // expired: the file is read again
      expect(await plain.get("KEY")).toBe("one"); // read once, no watch, no cache_ttl
    });
  });
}

describe("json_path", () => {
  it("scopes json-secrets and toml-secrets to a subtree; dotenv rejects it", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "s.json"), JSON.stringify({ prod: { key: "p" }, dev: { key: "d" } }));
    writeFileSync(join(dir, "s.toml"), '[prod]\nkey = "p"\n[dev]\nkey = "d"\n');
    expect(await (await make("json-secrets", { path: join(dir, "s.json"), json_path: "dev" })).get("key")).toBe("d");
    expect(await (await make("json-secrets", { path: join(dir, "s.json") })).get("dev.key")).toBe("d");
    expect(await (await make("toml-secrets", { path: join(dir, "s.toml"), json_path: "prod" })).get("key")).toBe("p");
    const scoped = await make<WritableFileSecretStore>("toml-secrets", { path: join(dir, "s.toml"), json_path: "dev" });
    await scoped.set("other", "o");
    expect(await (await make("toml-secrets", { path: join(dir, "s.toml") })).get("dev.other")).toBe("o");
    expect(await rejected("dotenv", { json_path: "prod" })).toEqual(["secrets.config.json_path: json_path applies to json-secrets and toml-secrets; a .env file is flat"]);
  });
});

describe("encrypted-file keys", () => {
  it("path (default .modelmesh/secrets.enc) and passphrase_env pick the file and the variable; a missing variable is named", async () => {
    expect(await make<EncryptedFileSecretStore>("encrypted-file", {}, { env: PASS })).toMatchObject({ filePath: ".modelmesh/secrets.enc" });
    const path = join(tempDir(), "s.enc");
    const writer = await make<EncryptedFileSecretStore>("encrypted-file", { path, passphrase_env: "MY_PASS" }, { env: { MY_PASS: "mine" } });
    await writer.set("KEY", "v");
    expect(await (await make("encrypted-file", { path, passphrase_env: "MY_PASS" }, { env: { MY_PASS: "mine" } })).get("KEY")).toBe("v");
    // the default variable holds another passphrase: it is not the one used when passphrase_env names another
    await expect((await make("encrypted-file", { path }, { env: { MODELMESH_SECRETS_PASSPHRASE: "mine-not", MY_PASS: "mine" } })).get("KEY")).rejects.toThrow(/wrong passphrase or damaged file/);
    expect(await rejected("encrypted-file", { path }, {})).toEqual([
      `secrets.passphrase_env: environment variable MODELMESH_SECRETS_PASSPHRASE is not set: the encrypted-file store needs the passphrase of ${path}`,
    ]);
    expect(await rejected("encrypted-file", { path, passphrase_env: "MY_PASS" }, { MY_PASS: "" })).toEqual([
      `secrets.passphrase_env: environment variable MY_PASS is not set: the encrypted-file store needs the passphrase of ${path}`,
    ]);
    expect(await rejected("encrypted-file", { passphrase_env: "not a name" })).toEqual(["secrets.config.passphrase_env: expected an environment variable name"]);
    expect(await rejected("encrypted-file", { passphrase: "in-the-yaml" })).toEqual([
      "secrets.config.passphrase: the passphrase is never read from the config; put it in the environment variable named by passphrase_env (default MODELMESH_SECRETS_PASSPHRASE)",
    ]);
  });

  it("cache_ttl, fail_on_missing, watch and required act as on the other file stores", async () => {
    const path = join(tempDir(), "s.enc");
    const clock = createManualClock();
    const writer = await make<EncryptedFileSecretStore>("encrypted-file", { path }, { env: PASS });
    await writer.set("KEY", "one");
    const short = await make("encrypted-file", { path, cache_ttl: "1s" }, { env: PASS, clock });
    const watching = await make("encrypted-file", { path, watch: true, cache_ttl: "1h" }, { env: PASS, clock });
    expect([await short.get("KEY"), await watching.get("KEY")]).toEqual(["one", "one"]);
    await writer.set("KEY", "two");
    bumpMtime(path);
    expect(await watching.get("KEY")).toBe("two");
    expect(await short.get("KEY")).toBe("one");
    clock.advance(1_000);
    expect(await short.get("KEY")).toBe("two");
    expect(await (await make("encrypted-file", { path, fail_on_missing: false }, { env: PASS })).get("NOPE")).toBe("");
    await expect((await make("encrypted-file", { path }, { env: PASS })).get("NOPE")).rejects.toMatchObject({ code: "MM_SECRET_MISSING" });
    const missing = join(tempDir(), "none.enc");
    await expect((await make("encrypted-file", { path: missing }, { env: PASS })).get("KEY")).rejects.toMatchObject({ code: "MM_SECRET_MISSING" });
    await expect((await make("encrypted-file", { path: missing, required: true }, { env: PASS })).get("KEY")).rejects.toThrow(/does not exist \(required: true\)/);
  });
});
