/**
 * The encrypted file store: round trip through new instances, nothing readable on disk, a wrong passphrase or
 * any changed byte fails with one clear error naming the file, a new IV per write, mode 0600, atomic writes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "@modelmesh/core";
import { describeSecretStoreConformance } from "@modelmesh/testing";
import { describe, expect, it } from "vitest";
import { DEFAULT_SCRYPT_PARAMS, EncryptedFileSecretStore, type SecretsEnvelope } from "../src/index.js";
import { bumpMtime, filesIn, modeOf, tempDir } from "./support/files.js";

const PASSPHRASE = "correct horse battery staple";
const VALUE = "sk-live-4f9a8b7c6d5e4f3a2b1c";
/** Cheapest scrypt the store accepts, for tests that do not look at the key derivation. */
const FAST = { N: 1024, r: 8, p: 1 };

const open = (filePath: string, passphrase = PASSPHRASE, extra: Partial<ConstructorParameters<typeof EncryptedFileSecretStore>[0]> = {}) =>
  new EncryptedFileSecretStore({ filePath, passphrase, kdf: FAST, ...extra });

const envelopeOf = (path: string) => JSON.parse(readFileSync(path, "utf8")) as SecretsEnvelope;

/** The error of a rejected promise. */
async function failure(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(ConfigError.is(error), `expected a ConfigError, got ${String(error)}`).toBe(true);
  return error as ConfigError;
}

describeSecretStoreConformance("EncryptedFileSecretStore", {
  create: async ({ secrets }) => {
    const store = open(join(tempDir(), "secrets.enc"));
    await store.setMany(secrets);
    return store;
  },
});

describe("EncryptedFileSecretStore", () => {
  it("round-trips set / get / has / list / delete through a new instance, with the default scrypt parameters", async () => {
    const file = join(tempDir(), "nested", "secrets.enc");
    const store = new EncryptedFileSecretStore({ filePath: file, passphrase: PASSPHRASE });
    expect(await store.list()).toEqual([]);
    await store.set("OPENAI_KEY", VALUE);
    await store.set("db.password", "p@ss word #1");
    await store.set("OPENAI_KEY", `${VALUE}-rotated`);
    expect(await store.get("OPENAI_KEY")).toBe(`${VALUE}-rotated`);

    const again = new EncryptedFileSecretStore({ filePath: file, passphrase: PASSPHRASE });
    expect(await again.list()).toEqual(["OPENAI_KEY", "db.password"]);
    expect(await again.get("db.password")).toBe("p@ss word #1");
    expect(await again.has("OPENAI_KEY")).toBe(true);
    expect(await again.delete("db.password")).toBe(true);
    expect(await again.delete("db.password")).toBe(false);

    const third = new EncryptedFileSecretStore({ filePath: file, passphrase: PASSPHRASE });
    expect(await third.list()).toEqual(["OPENAI_KEY"]);
    await third.close();
    expect(await third.list()).toEqual(["OPENAI_KEY"]); // closed: reads (and derives) again on use
    await expect(third.get("db.password")).rejects.toMatchObject({ code: "MM_SECRET_MISSING" });
    const { kdf, format, version, cipher } = envelopeOf(file);
    expect({ format, version, cipher, kdf: { name: kdf.name, N: kdf.N, r: kdf.r, p: kdf.p } }).toEqual({
      format: "modelmesh-secrets",
      version: 1,
      cipher: "AES-256-GCM",
      kdf: { name: "scrypt", ...DEFAULT_SCRYPT_PARAMS },
    });
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ N: 32768, r: 8, p: 1 });
  });

  it("keeps no name or value readable in the file", async () => {
    const file = join(tempDir(), "secrets.enc");
    await open(file).setMany({ OPENAI_KEY: VALUE, ANTHROPIC_KEY: "sk-ant-0123456789abcdef" });
    const text = readFileSync(file, "utf8");
    for (const plain of ["OPENAI_KEY", "ANTHROPIC_KEY", VALUE, "sk-ant-0123456789abcdef", PASSPHRASE]) {
      expect(text).not.toContain(plain);
      expect(readFileSync(file).includes(Buffer.from(plain))).toBe(false);
      expect(Buffer.from(envelopeOf(file).data, "base64").includes(Buffer.from(plain))).toBe(false);
    }
  });

  it("rejects a wrong passphrase with an error naming the file and never the content", async () => {
    const file = join(tempDir(), "secrets.enc");
    await open(file).set("OPENAI_KEY", VALUE);
    const error = await failure(open(file, "not the passphrase").get("OPENAI_KEY"));
    expect(error.code).toBe("MM_CONFIG_INVALID");
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.message).toContain("wrong passphrase or damaged file");
    expect(error.message).not.toContain(VALUE);
    expect(JSON.stringify(error.issues)).not.toContain(VALUE);
    // writing with the wrong passphrase must not replace the file either
    await expect(open(file, "not the passphrase").set("OTHER", "x")).rejects.toThrow(/wrong passphrase or damaged file/);
    expect(await open(file).get("OPENAI_KEY")).toBe(VALUE);
  });

  it("rejects a file with any flipped byte: ciphertext, tag, IV, salt or header parameter", async () => {
    const file = join(tempDir(), "secrets.enc");
    await open(file).set("OPENAI_KEY", VALUE);
    const original = readFileSync(file, "utf8");
    const flip = (b64: string, index: number) => {
      const bytes = Buffer.from(b64, "base64");
      bytes[index]! ^= 0x01;
      return bytes.toString("base64");
    };
    const env = JSON.parse(original) as SecretsEnvelope;
    const tampered: Array<[string, SecretsEnvelope]> = [
      ["first ciphertext byte", { ...env, data: flip(env.data, 0) }],
      ["last tag byte", { ...env, data: flip(env.data, Buffer.from(env.data, "base64").length - 1) }],
      ["iv", { ...env, iv: flip(env.iv, 3) }],
      ["salt", { ...env, kdf: { ...env.kdf, salt: flip(env.kdf.salt, 0) } }],
      ["kdf.r", { ...env, kdf: { ...env.kdf, r: env.kdf.r + 1 } }],
    ];
    for (const [what, envelope] of tampered) {
      writeFileSync(file, JSON.stringify(envelope));
      const error = await failure(open(file).get("OPENAI_KEY"));
      expect(error.message, what).toContain("wrong passphrase or damaged file");
      expect(error.message, what).toContain(file);
    }
    // structural damage names the field, not the content
    writeFileSync(file, original.replace('"format": "modelmesh-secrets"', '"format": "something-else"'));
    expect((await failure(open(file).get("OPENAI_KEY"))).message).toMatch(/damaged file: not a modelmesh-secrets v1 envelope \(format\)/);
    writeFileSync(file, original.slice(0, 40));
    expect((await failure(open(file).get("OPENAI_KEY"))).message).toMatch(/damaged file.*not JSON/);
    writeFileSync(file, JSON.stringify({ ...env, kdf: { ...env.kdf, N: 2 ** 30 } }));
    expect((await failure(open(file).get("OPENAI_KEY"))).message).toMatch(/kdf\.N must be a power of two/);
    writeFileSync(file, JSON.stringify({ ...env, version: 2 }));
    expect((await failure(open(file).get("OPENAI_KEY"))).message).toMatch(/version 2 .* not supported/);
    writeFileSync(file, original);
    expect(await open(file).get("OPENAI_KEY")).toBe(VALUE);
  });

  it("uses a new IV on every write (same salt), writes mode 0600 atomically and leaves no temporary file", async () => {
    const dir = tempDir();
    const file = join(dir, "secrets.enc");
    const store = open(file);
    await store.set("A", "one");
    const first = envelopeOf(file);
    await store.set("A", "one"); // the same content again
    const second = envelopeOf(file);
    expect(second.iv).not.toBe(first.iv);
    expect(second.data).not.toBe(first.data);
    expect(second.kdf.salt).toBe(first.kdf.salt);
    expect(modeOf(file)).toBe(0o600);
    expect(filesIn(dir)).toEqual(["secrets.enc"]);
    // a file made readable by others is written back as 0600
    const { chmodSync } = await import("node:fs");
    chmodSync(file, 0o644);
    await store.set("B", "two");
    expect(modeOf(file)).toBe(0o600);
    expect(filesIn(dir)).toEqual(["secrets.enc"]);
  });

  it("serialises concurrent writes of one instance and re-reads the file before each write", async () => {
    const file = join(tempDir(), "secrets.enc");
    const a = open(file);
    const b = open(file);
    await Promise.all(Array.from({ length: 8 }, (_, i) => a.set(`K${i}`, `v${i}`)));
    await b.set("FROM_B", "b"); // b reads a's writes before adding its own
    await a.set("FROM_A", "a");
    expect(await open(file).list()).toEqual(["FROM_A", "FROM_B", ...Array.from({ length: 8 }, (_, i) => `K${i}`)]);
  });

  it("rejects invalid names and an empty passphrase", async () => {
    const store = open(join(tempDir(), "secrets.enc"));
    await expect(store.set("has space", "x")).rejects.toThrow(/invalid secret name "has space"/);
    await expect(store.set("A=B", "x")).rejects.toThrow(/invalid secret name/);
    await expect(store.set("__proto__", "x")).rejects.toThrow(/invalid secret name "__proto__"/);
    await expect(store.setMany({ ok: "1", "${x}": "2" })).rejects.toThrow(/invalid secret name/);
    expect(await store.list()).toEqual([]);
    expect(() => new EncryptedFileSecretStore({ filePath: "x.enc", passphrase: "" })).toThrow(/non-empty passphrase/);
    expect(() => new EncryptedFileSecretStore({ filePath: "x.enc", passphrase: "p", kdf: { N: 1000 } })).toThrow(/kdf\.N must be a power of two/);
  });

  it("treats a missing file as empty unless required; watch picks up another writer's change", async () => {
    const dir = tempDir();
    const file = join(dir, "secrets.enc");
    await expect(open(file).get("A")).rejects.toMatchObject({ code: "MM_SECRET_MISSING" });
    expect((await failure(open(file, PASSPHRASE, { required: true }).get("A"))).message).toMatch(/does not exist \(required: true\)/);

    await open(file).set("A", "one");
    const watching = open(file, PASSPHRASE, { watch: true, cacheEnabled: false });
    const still = open(file, PASSPHRASE, { cacheEnabled: false });
    expect([await watching.get("A"), await still.get("A")]).toEqual(["one", "one"]);
    await open(file).set("A", "two");
    bumpMtime(file);
    expect(await watching.get("A")).toBe("two");
    expect(await still.get("A")).toBe("one"); // loaded once, no watch
  });
});
