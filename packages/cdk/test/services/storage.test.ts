import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createManualClock, isModelMeshError } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BaseStorage } from "../../src/services/base-storage.js";
import { decodeStorageKey, encodeStorageKey, KeyValueStorage } from "../../src/services/key-value-storage.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const flush = () => new Promise((resolve) => setImmediate(resolve));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mm-storage-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("BaseStorage defaults (in memory)", () => {
  it("save / load / list / stat / exists / delete", async () => {
    const clock = createManualClock();
    const store = new BaseStorage({ clock });
    await store.save("state/a", { key: "ignored", data: bytes("hello"), metadata: { v: 1 } });
    await store.save("state/b", { key: "state/b", data: bytes("x") });
    await store.save("other", { key: "other", data: bytes("") });
    const loaded = await store.load("state/a");
    expect(loaded).toEqual({ key: "state/a", data: bytes("hello"), metadata: { v: 1 } });
    loaded!.data[0] = 0; // copies: mutating what we got back changes nothing stored
    expect((await store.load("state/a"))!.data).toEqual(bytes("hello"));
    expect(await store.list()).toEqual(["other", "state/a", "state/b"]);
    expect(await store.list("state/")).toEqual(["state/a", "state/b"]);
    expect(await store.stat("state/a")).toEqual({ key: "state/a", size: 5, lastModified: clock.now(), contentType: "application/json" });
    expect(await store.exists("state/b")).toBe(true);
    expect(await store.delete("state/b")).toBe(true);
    expect(await store.delete("state/b")).toBe(false);
    expect(await store.load("state/b")).toBeNull();
    expect(await store.stat("missing")).toBeNull();
  });

  it("saves and loads values in its serialization format", async () => {
    const store = new BaseStorage({ format: "msgpack" });
    await store.saveValue("snap", { routes: [{ id: "a", failures: 2 }] });
    expect(await store.loadValue("snap")).toEqual({ routes: [{ id: "a", failures: 2 }] });
    expect((await store.stat("snap"))!.contentType).toBe("application/msgpack");
    expect(await store.loadValue("absent")).toBeUndefined();
  });

  it("locks: ttl separate from wait; release returns whether this handle held the lock", async () => {
    const clock = createManualClock();
    const store = new BaseStorage({ clock });
    const lock = await store.acquire("k", { ttlMs: 60_000 });
    expect(lock).toMatchObject({ key: "k", acquiredAt: clock.now(), expiresAt: clock.now() + 60_000 });
    expect(await store.isLocked("k")).toBe(true);
    // Held longer than the default wait: the lock does not lapse at the wait timeout (reference §8.27).
    clock.advance(45_000);
    expect(await store.isLocked("k")).toBe(true);
    expect(await store.release({ ...lock, lockId: "someone-else" })).toBe(false);
    expect(await store.release(lock)).toBe(true);
    expect(await store.release(lock)).toBe(false);
    expect(await store.isLocked("k")).toBe(false);
  });

  it("a waiter gets the lock on release, without polling", async () => {
    const clock = createManualClock();
    const store = new BaseStorage({ clock });
    const first = await store.acquire("k");
    let second: unknown;
    const waiting = store.acquire("k", { waitMs: 5000 }).then((h) => (second = h));
    await flush();
    expect(second).toBeUndefined();
    await store.release(first);
    await waiting;
    expect(second).toMatchObject({ key: "k" });
  });

  it("a waiter gets an expired lock, or times out with a typed error", async () => {
    const clock = createManualClock();
    const store = new BaseStorage({ clock });
    await store.acquire("k", { ttlMs: 1000 });
    const waiting = store.acquire("k", { waitMs: 5000 });
    await flush();
    clock.advance(1000);
    await expect(waiting).resolves.toMatchObject({ key: "k" });
    await store.acquire("busy", { ttlMs: 60_000 });
    const timedOut = store.acquire("busy", { waitMs: 2000 }).catch((e: unknown) => e);
    await flush();
    clock.advance(2000);
    const error = await timedOut;
    expect(isModelMeshError(error) && error.category).toBe("timeout");
    expect((error as Error).message).toMatch(/could not acquire the lock on 'busy' within 2000 ms/);
  });

  it("rejects lock calls when locking is disabled", async () => {
    await expect(new BaseStorage({ lockingEnabled: false }).acquire("k")).rejects.toMatchObject({ code: "MM_NOT_SUPPORTED" });
  });
});

describe("KeyValueStorage", () => {
  it("encodes keys reversibly and distinctly", () => {
    const keys = ["a/b", "a__b", "a\\b", "A", "a", ".", "..", ".hidden", "", "%", "ключ", "x y"];
    const stems = keys.map(encodeStorageKey);
    expect(stems.slice(0, 2)).toEqual(["a%2Fb", "a__b"]);
    expect(new Set(stems).size).toBe(keys.length);
    expect(new Set(stems.map((s) => s.toLowerCase())).size).toBe(keys.length); // safe on case-insensitive disks
    for (const stem of stems) expect(stem).toMatch(/^[a-z0-9\-_%][a-z0-9\-_.%A-F]*$|^%$/);
    expect(stems.map(decodeStorageKey)).toEqual(keys);
  });

  it("file backend: round trip, one file per key, atomic rename (no temp files left)", async () => {
    const directory = join(dir, "kv");
    const clock = createManualClock();
    const store = new KeyValueStorage({ backend: "file", directory, clock });
    await store.save("a/b", { key: "a/b", data: bytes("slash"), metadata: { contentType: "text/plain" } });
    await store.save("a__b", { key: "a__b", data: new Uint8Array([0, 255, 1]) });
    await store.save("a/b", { key: "a/b", data: bytes("overwritten") });
    expect((await readdir(directory)).sort()).toEqual(["a%2Fb.entry.json", "a__b.entry.json"]);
    expect(await store.list()).toEqual(["a/b", "a__b"]);
    expect(await store.list("a/")).toEqual(["a/b"]);
    expect((await store.load("a/b"))!.data).toEqual(bytes("overwritten"));
    expect((await store.load("a__b"))!.data).toEqual(new Uint8Array([0, 255, 1]));
    expect(await store.stat("a__b")).toEqual({ key: "a__b", size: 3, lastModified: clock.now(), contentType: "application/json" });
    const onDisk = JSON.parse(await readFile(store.pathFor("a/b"), "utf8"));
    expect(onDisk).toMatchObject({ key: "a/b", lastModified: clock.now() });

    // A second instance on the same directory sees the same data.
    const reopened = new KeyValueStorage({ backend: "file", directory });
    expect(await reopened.list()).toEqual(["a/b", "a__b"]);
    expect(await reopened.delete("a/b")).toBe(true);
    expect(await reopened.delete("a/b")).toBe(false);
    expect(await store.exists("a/b")).toBe(false);
    expect(await readdir(directory)).toEqual(["a__b.entry.json"]);
  });

  it("file backend: write errors surface and leave no temp file", async () => {
    const directory = join(dir, "blocked");
    const store = new KeyValueStorage({ backend: "file", directory });
    // A directory squatting on the entry's path makes the final rename fail (also when running as root).
    await mkdir(join(store.pathFor("k"), "occupied"), { recursive: true });
    const error = await store.save("k", { key: "k", data: bytes("sk-secret-value-should-not-leak") }).catch((e: unknown) => e);
    expect(isModelMeshError(error) && error.code).toBe("MM_INTERNAL");
    expect((error as Error).message).toMatch(/^\[modelmesh\] \[storage:modelmesh.key-value-storage.v1\] could not write 'k' \((EISDIR|ENOTEMPTY|EEXIST|EPERM)\)$/);
    expect((await readdir(directory)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("file backend: an empty or missing directory lists nothing; memory backend is the default", async () => {
    expect(await new KeyValueStorage({ backend: "file", directory: join(dir, "never-created") }).list()).toEqual([]);
    const memory = new KeyValueStorage();
    expect(memory.backend).toBe("memory");
    await memory.save("k", { key: "k", data: bytes("v") });
    expect(await memory.list()).toEqual(["k"]);
  });

  it("file backend: inherits locking", async () => {
    const store = new KeyValueStorage({ backend: "file", directory: join(dir, "locks"), clock: createManualClock() });
    const lock = await store.acquire("snapshot");
    expect(await store.isLocked("snapshot")).toBe(true);
    expect(await store.release(lock)).toBe(true);
  });
});
