/**
 * Snapshot state shared through the local-file connector (`modelmesh.local-file.v1`): the file lock holds across
 * storage instances and processes, StateSync saves under it and merges, and two meshes on one directory with
 * `sync_policy: immediate` add up their quota counts and see each other's open circuits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { ConnectorRegistry, createMesh, MemoryStateStore, StateSync, type Mesh } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { KeyValueStorage } from "@modelmesh/cdk/node";
import { STORAGE_CONNECTORS } from "../src/index.js";

const KEY = "sk-proxy-key-0123456789abcdef";
const SNAPSHOT = "modelmesh/state";

interface SnapshotDoc {
  entries: Record<string, { value: unknown; counter?: boolean }>;
}

let root: string;
let mock: MockProvider;
const open: Array<{ close(): Promise<void> | void }> = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "mm-state-sync-"));
  mock = await startMockProvider({ models: [{ id: "gpt-a" }, { id: "gpt-b" }], apiKey: KEY });
});
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
  mock.reset();
});
afterAll(async () => {
  await mock?.close();
  await rm(root, { recursive: true, force: true });
});

let dirs = 0;
const freshDir = () => join(root, `d${++dirs}`);

async function readSnapshot(dir: string): Promise<SnapshotDoc | undefined> {
  const entry = await new KeyValueStorage({ backend: "file", directory: dir }).load(SNAPSHOT);
  return entry ? (JSON.parse(new TextDecoder().decode(entry.data)) as SnapshotDoc) : undefined;
}

/** Polls `probe` until it returns a value other than undefined, failing after `ms`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const yamlFor = (dir: string) => `
providers:
  p:
    connector: openai-compatible
    quota:
      requests_per_day: 10
    config:
      base_url: "${mock.url}"
      auth:
        method: api_key
        api_key: "\${secrets:proxy-key}"
      models:
        - id: "gpt-a"
          capabilities: ["generation.text-generation.chat-completion"]
        - id: "gpt-b"
          capabilities: ["generation.text-generation.chat-completion"]
storage:
  connector: local-file
  path: "${dir}"
  sync_policy: immediate
`;

async function meshOn(dir: string): Promise<Mesh> {
  const mesh = await createMesh(yamlFor(dir), { registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...STORAGE_CONNECTORS] }), env: { PROXY_KEY: KEY } });
  open.push(mesh);
  return mesh;
}

const chat = (mesh: Mesh, model: string, text: string) => mesh.router.chat({ model, messages: [{ role: "user", content: text }] });

describe("the local-file connector's lock", () => {
  it("holds across storage instances on one directory: waits, times out with a typed error, is released, is taken over when expired", async () => {
    const dir = freshDir();
    const a = new KeyValueStorage({ backend: "file", directory: dir });
    const b = new KeyValueStorage({ backend: "file", directory: dir });
    const lock = await a.acquire("snap", { ttlMs: 60_000 });
    expect(await b.isLocked("snap")).toBe(true);
    await expect(b.acquire("snap", { waitMs: 30 })).rejects.toMatchObject({ code: "MM_TIMEOUT_RESPONSE", name: "ModelMeshLockTimeoutError" });
    const waiting = b.acquire("snap", { waitMs: 10_000 });
    expect(await a.release(lock)).toBe(true);
    const second = await waiting;
    expect(await a.release(lock)).toBe(false); // no longer a's
    expect(await b.release(second)).toBe(true);
    expect(await a.isLocked("snap")).toBe(false);
    // a holder that died: its lock lapses after its ttl and the next one takes it over
    const dead = await a.acquire("snap", { ttlMs: 1 });
    const taken = await b.acquire("snap", { waitMs: 10_000 });
    expect(taken.lockId).not.toBe(dead.lockId);
    expect(await a.release(dead)).toBe(false);
    expect(await b.isLocked("snap")).toBe(true);
    expect(await b.release(taken)).toBe(true);
    // locks are not entries
    expect(await a.list()).toEqual([]);
  });

  it("holds across processes: a child holding it makes this process wait until the child lets go", async () => {
    const dir = freshDir();
    const cdkIndex = join(dirname(createRequire(import.meta.url).resolve("@modelmesh/cdk/package.json")), "dist", "node.js");
    const script = `
      const { KeyValueStorage } = await import(${JSON.stringify(cdkIndex)});
      const store = new KeyValueStorage({ backend: "file", directory: ${JSON.stringify(dir)} });
      const lock = await store.acquire("snap", { ttlMs: 60000 });
      process.stdout.write("held\\n");
      process.stdin.once("data", async () => { await store.release(lock); process.stdout.write("released\\n"); });
    `;
    const child: ChildProcess = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "inherit"] });
    open.push({ close: () => void child.kill() });
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    await eventually("the child to take the lock", async () => (out.includes("held") ? true : undefined), 20_000);
    const here = new KeyValueStorage({ backend: "file", directory: dir });
    await expect(here.acquire("snap", { waitMs: 30 })).rejects.toMatchObject({ code: "MM_TIMEOUT_RESPONSE" });
    const waiting = here.acquire("snap", { waitMs: 20_000 });
    child.stdin!.write("go\n");
    const lock = await waiting;
    await eventually("the child to report its release", async () => (out.includes("released") ? true : undefined), 20_000);
    expect(await here.release(lock)).toBe(true);
  });
});

describe("StateSync on the local-file connector", () => {
  it("round-trips through the file, merging two stores' counters", async () => {
    const dir = freshDir();
    const a = new MemoryStateStore();
    const b = new MemoryStateStore();
    const syncA = new StateSync({ store: a, storage: new KeyValueStorage({ backend: "file", directory: dir }) });
    const syncB = new StateSync({ store: b, storage: new KeyValueStorage({ backend: "file", directory: dir }) });
    await syncA.start();
    await syncB.start();
    const expireAt = Date.now() + 3_600_000;
    for (let i = 0; i < 5; i++) await a.increment("mm:q:r:p/x:rd:0", 1, { expireAt });
    for (let i = 0; i < 5; i++) await b.increment("mm:q:r:p/x:rd:0", 1, { expireAt });
    await a.set("mm:route:p/x", { status: "active" });
    await syncA.flush();
    await syncB.flush();
    expect((await readSnapshot(dir))!.entries["mm:q:r:p/x:rd:0"]).toMatchObject({ value: 10, counter: true });
    expect(await b.get("mm:route:p/x")).toEqual({ status: "active" });
    expect(await b.get("mm:q:r:p/x:rd:0")).toBe(10);
  });

  it("a lock held by another storage instance makes the save fail after lockWaitMs, and nothing is lost", async () => {
    const dir = freshDir();
    const other = new KeyValueStorage({ backend: "file", directory: dir });
    const store = new MemoryStateStore();
    const sync = new StateSync({ store, storage: new KeyValueStorage({ backend: "file", directory: dir }), lockWaitMs: 50 });
    await sync.start();
    await store.increment("mm:q:r:p/x:rd:0", 3);
    const lock = await other.acquire(SNAPSHOT, { ttlMs: 60_000 });
    await expect(sync.flush()).rejects.toMatchObject({ code: "MM_STORE_UNAVAILABLE", name: "ModelMeshStateLockError" });
    expect(sync.status.pendingChanges).toBe(true);
    expect(await readSnapshot(dir)).toBeUndefined();
    await other.release(lock);
    await sync.flush();
    expect((await readSnapshot(dir))!.entries["mm:q:r:p/x:rd:0"]!.value).toBe(3);
    expect(await other.isLocked(SNAPSHOT)).toBe(false); // the save released it
  });
});

describe("two meshes sharing one local-file directory (sync_policy: immediate)", () => {
  it("each counting 5 requests against the same route: the file holds 10, and the shared 10/day quota is spent", async () => {
    const dir = freshDir();
    const a = await meshOn(dir);
    const b = await meshOn(dir);
    for (let i = 0; i < 5; i++) {
      await chat(a, "p.gpt-a", `a${i}`);
      await chat(b, "p.gpt-a", `b${i}`);
    }
    await a.close();
    await b.close();
    expect(mock.callsFor("gpt-a")).toHaveLength(10);
    const doc = (await readSnapshot(dir))!;
    const routeDay = Object.entries(doc.entries).filter(([key]) => key.startsWith("mm:q:r:") && key.includes("gpt-a") && key.includes(":rd:"));
    expect(routeDay).toHaveLength(1);
    expect(routeDay[0]![1]).toMatchObject({ value: 10, counter: true });
    const providerDay = Object.entries(doc.entries).filter(([key]) => key.startsWith("mm:q:p:") && key.includes(":rd:"));
    expect(providerDay.map(([, entry]) => entry.value)).toEqual([10]);
    // a third instance starting from the file finds the day's quota spent
    const c = await meshOn(dir);
    await expect(chat(c, "p.gpt-b", "eleventh")).rejects.toMatchObject({ code: "MM_ALL_QUOTAS_EXHAUSTED" });
    expect(mock.calls).toHaveLength(10);
  });

  it("a circuit opened by one is seen by the other after its next sync", async () => {
    const dir = freshDir();
    const a = await meshOn(dir);
    const b = await meshOn(dir);
    mock.fault({ model: "gpt-a", fault: { kind: "status", status: 500 } });
    const routeKey = await eventually("a's circuit on gpt-a to open and be saved", async () => {
      await chat(a, "p.gpt-a", "fail").catch(() => undefined);
      const doc = await readSnapshot(dir);
      return Object.entries(doc?.entries ?? {}).find(([key, entry]) => key.startsWith("mm:route:") && key.includes("gpt-a") && (entry.value as { circuit?: string }).circuit === "open")?.[0];
    });
    const failedCalls = mock.callsFor("gpt-a").length;
    expect(await b.store.get(routeKey)).toBeUndefined(); // b has not synced since
    // b's next sync (after its own request to another route) brings the open circuit in
    await chat(b, "p.gpt-b", "other route");
    await eventually("b to load the open circuit", async () => ((await b.store.get<{ circuit: string }>(routeKey))?.circuit === "open" ? true : undefined));
    await expect(chat(b, "p.gpt-a", "routed out")).rejects.toMatchObject({ code: expect.stringMatching(/^MM_(CIRCUIT_OPEN|ROUTING_EXHAUSTED|NO_CANDIDATES)$/) });
    expect(mock.callsFor("gpt-a")).toHaveLength(failedCalls); // b never called the parked route
  });
});
