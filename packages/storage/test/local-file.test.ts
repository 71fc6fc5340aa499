/**
 * `modelmesh.local-file.v1` and `modelmesh.memory.v1` loaded from YAML through `createMesh` (sync_policy:
 * immediate) against the mock provider: every key of the storage section either changes what lands on disk
 * (`path`, `format`, `encryption`, `backup`) or what the connector does (`locking`), or is rejected at load,
 * naming the key.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CDK_CONNECTORS, deserialize } from "@modelmesh/cdk";
import { KeyValueStorage } from "@modelmesh/cdk/node";
import { ConnectorRegistry, createManualClock, createMesh, systemClock, type ConnectorContext, type Mesh } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LocalFileStorage, STORAGE_CONNECTORS } from "../src/index.js";

const SNAPSHOT = "modelmesh/state";
const STEM = "modelmesh%2Fstate";
const KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const OTHER_KEY_B64 = Buffer.alloc(32, 7).toString("base64");

interface SnapshotDoc {
  format: string;
  savedAt: number;
  entries: Record<string, { value: unknown; counter?: boolean }>;
}

let root: string;
let mock: MockProvider;
const open: Mesh[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "mm-storage-"));
  mock = await startMockProvider({ models: [{ id: "gpt-a" }] });
});
afterEach(async () => {
  for (const mesh of open.splice(0).reverse()) await mesh.close();
  mock.reset();
});
afterAll(async () => {
  await mock?.close();
  await rm(root, { recursive: true, force: true });
});

let dirs = 0;
const freshDir = () => join(root, `d${++dirs}`);

/** The registry of a mesh: the CDK's connectors with this package's storage descriptors in place of the CDK's. */
const registry = () => new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...STORAGE_CONNECTORS] });

const yamlFor = (storage: string) => `
providers:
  p:
    connector: openai-compatible
    quota:
      requests_per_day: 100
    config:
      base_url: "${mock.url}"
      models:
        - id: "gpt-a"
          capabilities: ["generation.text-generation.chat-completion"]
storage:
${storage}
`;

async function meshWith(storage: string, env: Record<string, string> = {}): Promise<Mesh> {
  const mesh = await createMesh(yamlFor(storage), { registry: registry(), env });
  open.push(mesh);
  return mesh;
}

const chat = (mesh: Mesh, text: string) => mesh.router.chat({ model: "p.gpt-a", messages: [{ role: "user", content: text }] });

/** The day's request count of the route in a snapshot. */
function routeCount(doc: SnapshotDoc): number {
  const found = Object.entries(doc.entries).find(([key]) => key.startsWith("mm:q:r:") && key.includes("gpt-a") && key.includes(":rd:"));
  return Number(found?.[1].value ?? 0);
}

/** Error thrown by `promise` (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: string; issues?: Array<{ path: string; message: string }> }> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  if (!outcome) throw new Error("expected a rejection");
  return outcome;
}

const snapshotOf = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as SnapshotDoc;

describe("storage.path and storage.format (local-file)", () => {
  it("json (default): the CDK's file layout, readable by the CDK's KeyValueStorage", async () => {
    const dir = freshDir();
    const mesh = await meshWith(`  connector: local-file\n  path: "${dir}"\n  sync_policy: immediate`);
    await chat(mesh, "one");
    await mesh.close();
    expect(readdirSync(dir)).toEqual([`${STEM}.entry.json`]);
    const envelope = JSON.parse(readFileSync(join(dir, `${STEM}.entry.json`), "utf8")) as { key: string; data: string };
    expect(envelope.key).toBe(SNAPSHOT);
    expect(routeCount(snapshotOf(Buffer.from(envelope.data, "base64")))).toBe(1);
    const cdk = await new KeyValueStorage({ backend: "file", directory: dir }).load(SNAPSHOT);
    expect(snapshotOf(cdk!.data).format).toBe("modelmesh.state");
  });

  it("msgpack: the entry file is MessagePack with the snapshot as raw binary, and a restarted mesh reads it back", async () => {
    const dir = freshDir();
    const section = `  connector: local-file\n  path: "${dir}"\n  sync_policy: immediate\n  format: msgpack`;
    const first = await meshWith(section);
    await chat(first, "one");
    await first.close();
    expect(readdirSync(dir)).toEqual([`${STEM}.entry.msgpack`]);
    const bytes = new Uint8Array(readFileSync(join(dir, `${STEM}.entry.msgpack`)));
    expect(() => JSON.parse(new TextDecoder().decode(bytes))).toThrow();
    const envelope = deserialize<{ key: string; data: Uint8Array }>(bytes, "msgpack");
    expect(envelope.key).toBe(SNAPSHOT);
    expect(envelope.data).toBeInstanceOf(Uint8Array);
    expect(routeCount(snapshotOf(envelope.data))).toBe(1);
    // a second mesh on the same directory loads the count and adds to it
    const second = await meshWith(section);
    await chat(second, "two");
    await second.close();
    const again = deserialize<{ data: Uint8Array }>(new Uint8Array(readFileSync(join(dir, `${STEM}.entry.msgpack`))), "msgpack");
    expect(routeCount(snapshotOf(again.data))).toBe(2);
  });

  it("yaml: the entry file is a YAML document", async () => {
    const dir = freshDir();
    const mesh = await meshWith(`  connector: local-file\n  path: "${dir}"\n  sync_policy: immediate\n  format: yaml`);
    await chat(mesh, "one");
    await mesh.close();
    const text = readFileSync(join(dir, `${STEM}.entry.yaml`), "utf8");
    expect(text).toMatch(/^key: modelmesh\/state$/m);
    const envelope = deserialize<{ data: string }>(new TextEncoder().encode(text), "yaml");
    expect(routeCount(snapshotOf(Buffer.from(envelope.data, "base64")))).toBe(1);
  });

  it("a directory written in another format is not silently ignored: the mesh fails at start, naming both formats", async () => {
    const dir = freshDir();
    const mesh = await meshWith(`  connector: local-file\n  path: "${dir}"\n  sync_policy: immediate`);
    await chat(mesh, "one");
    await mesh.close();
    const error = await failure(createMesh(yamlFor(`  connector: local-file\n  path: "${dir}"\n  sync_policy: immediate\n  format: msgpack`), { registry: registry() }));
    expect(error.message).toMatch(/stored as json .* reads msgpack/);
  });

  it("rejects an unknown format and unknown keys, naming them", async () => {
    const bad = await failure(meshWith(`  connector: local-file\n  path: "${freshDir()}"\n  sync_policy: immediate\n  format: toml`));
    expect(bad.issues?.map((issue) => issue.path)).toEqual(["storage.config.format"]);
    const unknown = await failure(meshWith(`  connector: local-file\n  path: "${freshDir()}"\n  sync_policy: immediate\n  compression: gzip`));
    expect(unknown.message).toContain("compression");
  });
});

describe("storage.encryption (local-file)", () => {
  const section = (dir: string, env = "MM_STATE_KEY") => `  connector: local-file\n  path: "${dir}"\n  sync_policy: immediate\n  encryption: { key_env: ${env} }`;

  it("encrypts every file with AES-256-GCM: unreadable without the key, read back with it", async () => {
    const dir = freshDir();
    const first = await meshWith(section(dir), { MM_STATE_KEY: KEY_HEX });
    await chat(first, "secret prompt");
    await first.close();
    expect(readdirSync(dir)).toEqual([`${STEM}.entry.json.enc`]);
    const bytes = readFileSync(join(dir, `${STEM}.entry.json.enc`));
    expect(bytes.subarray(0, 10).toString()).toBe("MMAESGCM1\n");
    expect(bytes.includes("modelmesh")).toBe(false); // neither the key name nor the snapshot is in clear
    expect(bytes.includes(Buffer.from("modelmesh.state").toString("base64"))).toBe(false);
    // the same key (as base64 this time) reads it: the count carries on
    const second = await meshWith(section(dir, "OTHER_NAME"), { OTHER_NAME: Buffer.from(KEY_HEX, "hex").toString("base64") });
    await chat(second, "again");
    await second.close();
    const store = new LocalFileStorage({ directory: dir, encryptionKey: Buffer.from(KEY_HEX, "hex") });
    expect(routeCount(snapshotOf((await store.load(SNAPSHOT))!.data))).toBe(2);
  });

  it("a wrong key fails at start with a clear error naming the variable, not the key", async () => {
    const dir = freshDir();
    const first = await meshWith(section(dir), { MM_STATE_KEY: KEY_HEX });
    await chat(first, "one");
    await first.close();
    const error = await failure(createMesh(yamlFor(section(dir)), { registry: registry(), env: { MM_STATE_KEY: OTHER_KEY_B64 } }));
    expect(error.message).toContain("cannot decrypt");
    expect(error.message).toContain("MM_STATE_KEY");
    expect(error.message).not.toContain(OTHER_KEY_B64);
    // and without encryption configured, the encrypted file is reported, not ignored
    const plain = await failure(createMesh(yamlFor(`  connector: local-file\n  path: "${dir}"\n  sync_policy: immediate`), { registry: registry() }));
    expect(plain.message).toMatch(/stored as encrypted json/);
  });

  it("rejects a missing variable and a key of the wrong size at load, naming storage.encryption.key_env", async () => {
    const missing = await failure(meshWith(section(freshDir())));
    expect(missing.issues?.map((issue) => issue.path)).toEqual(["storage.encryption.key_env"]);
    expect(missing.message).toContain("MM_STATE_KEY is not set");
    const short = Buffer.alloc(16, 1).toString("base64");
    const wrongSize = await failure(meshWith(section(freshDir()), { MM_STATE_KEY: short }));
    expect(wrongSize.message).toContain("16 bytes");
    expect(wrongSize.message).not.toContain(short);
    const notAKey = await failure(meshWith(section(freshDir()), { MM_STATE_KEY: "not a key!" }));
    expect(notAKey.message).toContain("neither 64 hex digits nor base64");
    const badName = await failure(meshWith(`  connector: local-file\n  path: "${freshDir()}"\n  sync_policy: immediate\n  encryption: { key: abc }`));
    expect(badName.message).toMatch(/key_env|Unrecognized key/);
  });
});

describe("storage.backup (local-file)", () => {
  it("keep: 2 keeps the two previous versions of the snapshot as .1 and .2, and no more", async () => {
    const dir = freshDir();
    const mesh = await meshWith(`  connector: local-file\n  path: "${dir}"\n  sync_policy: immediate\n  backup: { keep: 2 }`);
    const file = join(dir, `${STEM}.entry.json`);
    const deadline = Date.now() + 20_000;
    for (let i = 0; !existsSync(`${file}.2`) || i < 4; i++) {
      if (Date.now() > deadline) throw new Error("no second backup appeared");
      await chat(mesh, `request ${i}`);
    }
    await mesh.close();
    expect(readdirSync(dir).sort()).toEqual([`${STEM}.entry.json`, `${STEM}.entry.json.1`, `${STEM}.entry.json.2`]);
    const counts = ["", ".1", ".2"].map((suffix) => {
      const envelope = JSON.parse(readFileSync(`${file}${suffix}`, "utf8")) as { data: string };
      return routeCount(snapshotOf(Buffer.from(envelope.data, "base64")));
    });
    expect(counts[0]).toBeGreaterThanOrEqual(counts[1]!);
    expect(counts[1]).toBeGreaterThanOrEqual(counts[2]!);
    expect(counts[0]).toBeGreaterThan(counts[2]!);
  });

  it("without backup, an overwrite keeps no previous version; backup: true and keep: 0 are rejected", async () => {
    const dir = freshDir();
    const mesh = await meshWith(`  connector: local-file\n  path: "${dir}"\n  sync_policy: immediate`);
    for (let i = 0; i < 3; i++) await chat(mesh, `request ${i}`);
    await mesh.close();
    expect(readdirSync(dir)).toEqual([`${STEM}.entry.json`]);
    const flag = await failure(meshWith(`  connector: local-file\n  path: "${freshDir()}"\n  sync_policy: immediate\n  backup: true`));
    expect(flag.issues?.[0]?.path).toBe("storage.config.backup");
    expect(flag.message).toContain("keep");
    const zero = await failure(meshWith(`  connector: local-file\n  path: "${freshDir()}"\n  sync_policy: immediate\n  backup: { keep: 0 }`));
    expect(zero.issues?.[0]?.path).toBe("storage.config.backup.keep");
  });

  it("delete removes the entry and its kept versions", async () => {
    const dir = freshDir();
    const store = new LocalFileStorage({ directory: dir, backupKeep: 1 });
    await store.saveValue("k", { n: 1 });
    await store.saveValue("k", { n: 2 });
    expect(await store.loadValue("k")).toEqual({ n: 2 });
    expect(JSON.parse(Buffer.from((JSON.parse(readFileSync(`${store.pathFor("k")}.1`, "utf8")) as { data: string }).data, "base64").toString())).toEqual({ n: 1 });
    expect(await store.list()).toEqual(["k"]);
    expect(await store.delete("k")).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("the memory connector", () => {
  it.each([
    ["format: msgpack", "storage.config.format", "writes nothing to disk"],
    ["encryption: { key_env: K }", "storage.config.encryption", "writes nothing to disk"],
    ["backup: { keep: 2 }", "storage.config.backup", "writes nothing to disk"],
    ["path: ./state", "storage.config.path", "keeps state in the process only"],
    ["compression: gzip", "storage.config", "compression"],
  ])("rejects %s at load (connector: memory)", async (line, path, message) => {
    const error = await failure(meshWith(`  connector: memory\n  sync_policy: immediate\n  ${line}`, { K: KEY_HEX }));
    expect(error.issues?.[0]?.path).toBe(path);
    expect(error.message).toContain(message);
  });

  it("checks the keys also when nothing is synced: the memory connector by its full id, or sync_policy: in-memory", async () => {
    const full = await failure(meshWith(`  connector: modelmesh.memory.v1\n  format: msgpack`));
    expect(full.issues?.[0]?.path).toBe("storage.config.format");
    const unsynced = await failure(meshWith(`  connector: local-file\n  path: ${JSON.stringify(freshDir())}\n  sync_policy: in-memory\n  encryption: { key_env: MISSING_KEY }`));
    expect(unsynced.message).toContain("MISSING_KEY");
  });
});

describe("storage.locking", () => {
  const context: ConnectorContext = { instanceId: "storage", clock: createManualClock(), env: {}, runtime: "node" };
  const make = (id: string, config: Record<string, unknown>, clock = context.clock) =>
    registry().create<LocalFileStorage>(id, { connector: id, sync_policy: "immediate", ...config }, { ...context, clock }, { type: "storage", path: "storage" });

  it.each(["memory", "local-file"])("%s: ttl sets how long a lock is held, enabled: false turns locks off", async (id) => {
    const extra = id === "local-file" ? { path: freshDir() } : {};
    const store = await make(id, { ...extra, locking: { ttl: "5s" } });
    const lock = await store.acquire("k");
    expect(lock.expiresAt - lock.acquiredAt).toBe(5_000);
    const off = await make(id, { ...extra, locking: { enabled: false } });
    await expect(off.acquire("other")).rejects.toMatchObject({ code: "MM_NOT_SUPPORTED" });
  });

  it.each(["memory", "local-file"])("%s: timeout bounds the wait for a held lock", async (id) => {
    const extra = id === "local-file" ? { path: freshDir() } : {};
    const store = await make(id, { ...extra, locking: { timeout: "40ms" } }, systemClock);
    await store.acquire("k", { ttlMs: 60_000 });
    const error = await failure(store.acquire("k"));
    expect(error.message).toContain("within 40 ms");
  });

  it("rejects an unknown locking key and a bad duration, naming them", async () => {
    const unknown = await failure(make("local-file", { path: freshDir(), locking: { retries: 3 } }));
    expect(unknown.message).toContain("retries");
    const bad = await failure(make("memory", { locking: { ttl: "soon" } }));
    expect(bad.issues?.[0]?.path).toBe("storage.config.locking.ttl");
  });
});
