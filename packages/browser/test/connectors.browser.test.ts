/**
 * The browser connectors in a real headless Chromium (Debian's `chromium`, driven by `playwright-core`; no
 * browser download). A page served from 127.0.0.1 (a real origin: Web Storage, IndexedDB and Web Locks need
 * one) loads `fixtures/connectors/page.ts`, bundled here by esbuild for the browser, and:
 * - runs `@modelmesh/testing`'s storage conformance suite on localStorage, sessionStorage and IndexedDB (Web
 *   Locks, and in-page locks), and its secret store suite, one test per check, without vitest in the page;
 * - state saved through core's StateSync survives a reload; prefixes isolate; a full storage gives a typed
 *   quota error; a lock held in one page excludes another page of the same context; two pages merging one
 *   snapshot at once lose no count; the secret store persists nothing unless asked; unusable storage (an
 *   opaque-origin frame, a blocked IndexedDB upgrade) and bad options give typed errors.
 *
 * Skipped only when /usr/bin/chromium is absent (CI's `.ci/run` installs it).
 */
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from "playwright-core";
import { secretStoreConformanceChecks, storageConformanceChecks } from "@modelmesh/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
// The flags .library/env/machines/node.md lists: no sandbox (root), no GPU, and nothing that phones home.
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const PAGE_SCRIPT = fileURLToPath(new URL("./fixtures/connectors/page.ts", import.meta.url));

/** The test page's targets (same names as in page.ts). */
const STORAGE_TARGETS = ["localStorage", "sessionStorage", "IndexedDB", "localStorage, in-page locks", "IndexedDB, in-page locks"];
const SECRET_TARGETS = ["memory", "persist session", "persist local"];

/**
 * The conformance modules import vitest (for `describeConformance`), which the page never calls: it bundles
 * as a stub that throws if it ever is. Node built-ins get the same stub, so reaching one fails loudly.
 */
const stubs: Plugin = {
  name: "node-only-stubs",
  setup(esbuild) {
    esbuild.onResolve({ filter: /^(vitest|http|node:.*)$/ }, (args) => ({ path: args.path, namespace: "stub" }));
    esbuild.onLoad({ filter: /.*/, namespace: "stub" }, (args) => ({
      contents: `const unavailable = () => { throw new Error(${JSON.stringify(`${args.path} is not available in the page`)}); };
        export { unavailable as describe, unavailable as it, unavailable as beforeAll, unavailable as afterAll, unavailable as createServer };`,
      loader: "js",
    }));
  },
};

const suiteName = HAS_CHROMIUM ? "browser connectors in headless Chromium" : `browser connectors in headless Chromium (skipped: ${CHROMIUM} is not installed; apt-get install chromium)`;

describe.skipIf(!HAS_CHROMIUM)(suiteName, () => {
  let server: Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  /** Opens a page of the test origin with `window.mm` ready. */
  async function openPage(): Promise<Page> {
    const opened = await context.newPage();
    opened.on("pageerror", (error) => pageErrors.push(error.message));
    await opened.goto(`${origin}/`);
    await opened.waitForFunction(() => typeof window.mm === "object", undefined, { timeout: 10_000 });
    return opened;
  }

  async function reload(target: Page): Promise<void> {
    await target.reload();
    await target.waitForFunction(() => typeof window.mm === "object", undefined, { timeout: 10_000 });
  }

  beforeAll(async () => {
    const bundle = await build({ entryPoints: [PAGE_SCRIPT], bundle: true, platform: "browser", format: "esm", target: "es2022", write: false, logLevel: "silent", plugins: [stubs] });
    const script = bundle.outputFiles[0]!.text;
    const html = `<!doctype html><meta charset="utf-8"><title>connectors</title><script type="module" src="/page.js"></script>`;
    server = createServer((request, response) => {
      // CORS on the script: the opaque-origin frame of the unavailability test loads it cross-origin.
      if (request.url === "/page.js") response.writeHead(200, { "content-type": "text/javascript", "access-control-allow-origin": "*" }).end(script);
      else if (request.url === "/") response.writeHead(200, { "content-type": "text/html" }).end(html);
      else response.writeHead(request.url === "/favicon.ico" ? 204 : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    context = await browser.newContext();
    page = await openPage();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    expect(pageErrors).toEqual([]);
  });

  describe("state across a reload", () => {
    it("a cooldown and a quota counter saved through core's StateSync come back after page.reload() (localStorage, sessionStorage, IndexedDB)", async () => {
      const until = Date.now() + 600_000;
      const saved = await page.evaluate(async (expireAt) => {
        const { MemoryStateStore, StateSync, createWebStorage, createIndexedDbStorage } = window.mm;
        const storages = { local: createWebStorage("local", { prefix: "reload:" }), session: createWebStorage("session", { prefix: "reload:" }), idb: createIndexedDbStorage({ database: "reload" }) };
        const stored: Record<string, string[]> = {};
        for (const [kind, storage] of Object.entries(storages)) {
          const store = new MemoryStateStore();
          const sync = new StateSync({ store, storage, policy: "sync-on-boundary" });
          await sync.start();
          await store.set("route:primary/gpt", { status: "standby", reason: "error_threshold" }, { expireAt });
          await store.increment("quota:primary:tokens", 1234, { expireAt });
          await sync.stop(); // the boundary save
          await storage.save("raw/bytes", { key: "raw/bytes", data: new Uint8Array([0, 255, 7]), metadata: { contentType: "application/x-test" } });
          stored[kind] = await storage.list();
          await storage.close();
        }
        return stored;
      }, until);
      for (const kind of ["local", "session", "idb"]) expect(saved[kind]).toEqual(["modelmesh/state", "raw/bytes"]);

      await reload(page);
      const restored = await page.evaluate(async () => {
        const { MemoryStateStore, StateSync, createWebStorage, createIndexedDbStorage } = window.mm;
        const storages = { local: createWebStorage("local", { prefix: "reload:" }), session: createWebStorage("session", { prefix: "reload:" }), idb: createIndexedDbStorage({ database: "reload" }) };
        const out: Record<string, unknown> = {};
        for (const [kind, storage] of Object.entries(storages)) {
          const store = new MemoryStateStore();
          const sync = new StateSync({ store, storage, policy: "sync-on-boundary" });
          await sync.start(); // loads the snapshot
          const raw = await storage.load("raw/bytes");
          out[kind] = {
            route: await store.get("route:primary/gpt"),
            tokens: await store.get("quota:primary:tokens"),
            exported: (await store.export!())["route:primary/gpt"]?.expireAt,
            bytes: raw ? [...raw.data] : null,
            metadata: raw?.metadata,
            stat: await storage.stat("raw/bytes"),
          };
          await storage.close();
        }
        return out;
      });
      for (const kind of ["local", "session", "idb"]) {
        const got = restored[kind] as { route: unknown; tokens: unknown; exported: unknown; bytes: unknown; metadata: unknown; stat: { size: number; contentType: string } };
        expect(got.route, kind).toEqual({ status: "standby", reason: "error_threshold" });
        expect(got.tokens, kind).toBe(1234);
        expect(got.exported, kind).toBe(until); // the absolute expiry instant survives
        expect(got.bytes, kind).toEqual([0, 255, 7]);
        expect(got.metadata, kind).toEqual({ contentType: "application/x-test" });
        expect(got.stat, kind).toMatchObject({ key: "raw/bytes", size: 3, contentType: "application/x-test" });
      }
    });
  });

  describe("namespaces", () => {
    it("prefixes isolate web storages: list, load and delete see only their own namespace, foreign items are not listed", async () => {
      const result = await page.evaluate(async () => {
        const { createWebStorage, thrown } = window.mm;
        localStorage.setItem("iso-a:foreign", "written by another library");
        const a = createWebStorage(localStorage, { prefix: "iso-a:" });
        const b = createWebStorage(localStorage, { prefix: "iso-b:" });
        const plain = createWebStorage(localStorage);
        const bytes = (text: string) => new TextEncoder().encode(text);
        await a.save("k", { key: "k", data: bytes("from a") });
        await b.save("k", { key: "k", data: bytes("from b") });
        await plain.save("k", { key: "k", data: bytes("default prefix") });
        const lists = { a: await a.list(), b: await b.list(), aK: await a.list("k"), aForeignExists: await a.exists("foreign") };
        const loadForeign = await thrown(() => a.load("foreign"));
        const deleted = await a.delete("k");
        const after = { a: await a.list(), b: new TextDecoder().decode((await b.load("k"))!.data), plain: new TextDecoder().decode((await plain.load("k"))!.data) };
        const rawKeys = Object.keys(localStorage).filter((k) => k.startsWith("iso-") || k === "modelmesh:k").sort();
        return { lists, loadForeign, deleted, after, rawKeys, ids: [a.id, createWebStorage(sessionStorage).id] };
      });
      expect(result.lists).toEqual({ a: ["k"], b: ["k"], aK: ["k"], aForeignExists: false });
      expect(result.loadForeign).toMatchObject({ code: "MM_INTERNAL" });
      expect(result.loadForeign!.message).toContain("'foreign' is not a ModelMesh storage entry");
      expect(result.deleted).toBe(true);
      expect(result.after).toEqual({ a: [], b: "from b", plain: "default prefix" });
      expect(result.rawKeys).toEqual(["iso-a:foreign", "iso-b:k", "modelmesh:k"]);
      expect(result.ids).toEqual(["modelmesh.local-storage.v1", "modelmesh.session-storage.v1"]);
    });

    it("two IndexedDB object stores of one database are separate, and adding the second does not block the open first", async () => {
      const result = await page.evaluate(async () => {
        const { createIndexedDbStorage } = window.mm;
        const one = createIndexedDbStorage({ database: "iso-db", store: "one" });
        await one.save("k", { key: "k", data: new Uint8Array([1]) });
        // "two" needs a version upgrade while "one" holds a connection: "one" steps aside, then reopens.
        const two = createIndexedDbStorage({ database: "iso-db", store: "two" });
        await two.save("k", { key: "k", data: new Uint8Array([2]) });
        await two.save("other", { key: "other", data: new Uint8Array([3]) });
        const out = { one: await one.list(), two: await two.list(), oneK: [...(await one.load("k"))!.data], twoK: [...(await two.load("k"))!.data] };
        await one.close();
        await two.close();
        return out;
      });
      expect(result).toEqual({ one: ["k"], two: ["k", "other"], oneK: [1], twoK: [2] });
    });

    it("IndexedDB list(prefix) is a key range: neighbours just outside the prefix are not listed", async () => {
      const listed = await page.evaluate(async () => {
        const storage = window.mm.createIndexedDbStorage({ database: "range" });
        for (const key of ["a/", "a/x", "a/\uffff", "a0", "a.", "a", "b/x", "a/\uffff\uffff/z"]) await storage.save(key, { key, data: new Uint8Array() });
        const out = { a: await storage.list("a/"), ffff: await storage.list("a/\uffff"), all: (await storage.list()).length };
        await storage.close();
        return out;
      });
      expect(listed).toEqual({ a: ["a/", "a/x", "a/\uffff", "a/\uffff\uffff/z"], ffff: ["a/\uffff", "a/\uffff\uffff/z"], all: 8 });
    });
  });

  describe("errors", () => {
    it("a full sessionStorage rejects save() with MM_LOCAL_RESOURCE naming the storage, the key and the size tried", async () => {
      const result = await page.evaluate(async () => {
        const { createWebStorage, thrown } = window.mm;
        const filler = "x".repeat(256 * 1024);
        let items = 0;
        try {
          for (; items < 200; items++) sessionStorage.setItem(`filler:${items}`, filler);
        } catch {
          // full
        }
        const storage = createWebStorage("session", { prefix: "quota:" });
        const error = await thrown(() => storage.save("big", { key: "big", data: new Uint8Array(300_000) }));
        const listed = await storage.list();
        for (let i = 0; i < items; i++) sessionStorage.removeItem(`filler:${i}`);
        const afterFree = await thrown(() => storage.save("big", { key: "big", data: new Uint8Array(300_000) }));
        await storage.delete("big");
        return { items, error, listed, afterFree };
      });
      expect(result.items).toBeLessThan(200); // the quota was reached
      expect(result.error).toMatchObject({ name: "ModelMeshStorageQuotaError", code: "MM_LOCAL_RESOURCE", category: "internal", retryable: false, metadata: { storage: "modelmesh.session-storage.v1", key: "big", bytes: 300_000 } });
      expect(result.error!.message).toContain("[modelmesh] [storage:modelmesh.session-storage.v1]");
      expect(result.error!.message).toContain("could not store 'big' (300000 bytes of data, 400");
      expect(result.listed).toEqual([]); // nothing half-written
      expect(result.afterFree).toBeUndefined();
    });

    it("an opaque-origin frame (no site data) gets MM_STORE_UNAVAILABLE from every connector that needs storage, MM_SECRET_MISSING from the memory secret store", async () => {
      await page.evaluate((src) => {
        const frame = document.createElement("iframe");
        frame.setAttribute("sandbox", "allow-scripts"); // no allow-same-origin: an opaque origin
        frame.srcdoc = `<script type="module" src="${src}"></script>`;
        document.body.append(frame);
      }, `${origin}/page.js`);
      let frame: Frame | undefined;
      await expect.poll(() => (frame = page.frames().find((f) => f !== page.mainFrame())) !== undefined).toBe(true);
      await frame!.waitForFunction(() => typeof window.mm === "object", undefined, { timeout: 10_000 });
      const result = await frame!.evaluate(async () => {
        const { createWebStorage, createIndexedDbStorage, createBrowserSecretStore, thrown } = window.mm;
        return {
          local: await thrown(() => createWebStorage("local")),
          session: await thrown(() => createWebStorage("session")),
          idb: await thrown(() => createIndexedDbStorage().load("x")),
          secretsLocal: await thrown(() => createBrowserSecretStore({ persist: "local" })),
          secretsMemory: await thrown(() => createBrowserSecretStore({ secrets: { a: "sk-frame-value" } }).get("b")),
          memoryOk: await createBrowserSecretStore({ secrets: { a: "sk-frame-value" } }).get("a"),
        };
      });
      for (const key of ["local", "session", "idb", "secretsLocal"] as const) {
        expect(result[key], key).toMatchObject({ code: "MM_STORE_UNAVAILABLE", name: "ModelMeshStorageUnavailableError" });
      }
      expect(result.local!.message).toContain("[modelmesh] [storage:modelmesh.local-storage.v1] localStorage may not be used here (SecurityError)");
      expect(result.idb!.message).toMatch(/^\[modelmesh\] \[storage:modelmesh\.indexeddb\.v1\] IndexedDB (cannot be opened here|refused to open)/);
      expect(result.secretsMemory).toMatchObject({ code: "MM_SECRET_MISSING" });
      expect(result.memoryOk).toBe("sk-frame-value");
      await page.evaluate(() => document.querySelector("iframe")?.remove());
    });

    it("an IndexedDB upgrade blocked by a connection that stays open rejects with a retryable MM_STORE_UNAVAILABLE", async () => {
      const result = await page.evaluate(async () => {
        const { createIndexedDbStorage, thrown } = window.mm;
        // A connection that ignores versionchange (someone else's code), on a database without our store.
        const other = await new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open("blocked", 1);
          request.onupgradeneeded = () => request.result.createObjectStore("theirs");
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        const storage = createIndexedDbStorage({ database: "blocked" });
        const error = await thrown(() => storage.save("k", { key: "k", data: new Uint8Array([1]) }));
        other.close(); // the upgrade can go on now; the next operation works
        let after: unknown;
        for (let attempt = 0; attempt < 50 && after === undefined; attempt++) {
          after = await storage.save("k", { key: "k", data: new Uint8Array([1]) }).then(() => "saved", () => undefined);
        }
        const keys = await storage.list();
        await storage.close();
        return { error, after, keys };
      });
      expect(result.error).toMatchObject({ code: "MM_STORE_UNAVAILABLE", retryable: true });
      expect(result.error!.message).toContain("the IndexedDB database 'blocked' needs an upgrade (to add the object store 'state') but another connection to it stays open");
      expect(result.after).toBe("saved");
      expect(result.keys).toEqual(["k"]);
    });

    it("bad options are ConfigErrors naming the option; a secret value never shows in an error", async () => {
      const result = await page.evaluate(async () => {
        const { createWebStorage, createIndexedDbStorage, createBrowserSecretStore, thrown } = window.mm;
        const anyOptions = (value: unknown) => value as never;
        return {
          locks: await thrown(() => createWebStorage("local", anyOptions({ locks: "everywhere" }))),
          ttl: await thrown(() => createWebStorage("local", { lockTtlMs: -1 })),
          notStorage: await thrown(() => createWebStorage(anyOptions({}))),
          database: await thrown(() => createIndexedDbStorage({ database: "" })),
          persist: await thrown(() => createBrowserSecretStore(anyOptions({ persist: "disk" }))),
          secretType: await thrown(() => createBrowserSecretStore(anyOptions({ secrets: { key: 42 } }))),
          metadata: await thrown(() => createWebStorage("local").save("m", { key: "m", data: new Uint8Array(), metadata: { big: 1n } as never })),
          idbMetadata: await thrown(() => createIndexedDbStorage({ database: "bad-metadata" }).save("m", { key: "m", data: new Uint8Array(), metadata: { run: () => 1 } as never })),
          missing: await thrown(() => createBrowserSecretStore({ secrets: { present: "sk-never-in-errors-123" } }).get("absent")),
        };
      });
      expect(result.locks).toMatchObject({ code: "MM_CONFIG_INVALID", name: "ModelMeshConfigError" });
      expect(result.locks!.message).toBe('[modelmesh] [config] storage.locks: must be one of "auto", "web-locks", "in-page", got "everywhere"');
      expect(result.ttl!.message).toContain("storage.lockTtlMs: must be a finite number of ms ≥ 0, got -1");
      expect(result.notStorage).toMatchObject({ code: "MM_CONFIG_INVALID" });
      expect(result.database!.message).toContain('storage.database: must be a non-empty string, got ""');
      expect(result.persist!.message).toContain('secrets.persist: must be one of "none", "session", "local", got "disk"');
      expect(result.secretType!.message).toBe("[modelmesh] [config] secrets.key: must be a string, got number");
      expect(result.metadata!.message).toContain("entry.metadata: the metadata of 'm' is not JSON-serialisable");
      expect(result.idbMetadata!.message).toContain("entry.metadata: the metadata of 'm' cannot be stored in IndexedDB");
      expect(result.missing).toMatchObject({ code: "MM_SECRET_MISSING", name: "ModelMeshConfigError" });
      expect(result.missing!.message).toContain("secret 'absent' was not found in store modelmesh.browser-secrets.v1");
      expect(JSON.stringify(result)).not.toContain("sk-never-in-errors-123");
    });
  });

  describe("locks across pages", () => {
    for (const kind of ["localStorage", "IndexedDB"] as const) {
      it(`${kind}: a lock held in one page makes another page of the context wait, time out, and get it once released`, async () => {
        const second = await openPage();
        try {
          const handle = await page.evaluate(async (k) => {
            const storage = window.mm.sharedStorage(k);
            window.mm.kept.storage = storage;
            const lock = await storage.acquire("modelmesh/state", { ttlMs: 20_000, waitMs: 1_000 });
            window.mm.kept.lock = lock;
            return lock;
          }, kind);
          const blocked = await second.evaluate(async ([k, foreign]) => {
            const storage = window.mm.sharedStorage(k);
            window.mm.kept.storage = storage;
            const started = Date.now();
            const timeout = await window.mm.thrown(() => storage.acquire("modelmesh/state", { ttlMs: 5_000, waitMs: 200 }));
            const waited = Date.now() - started;
            const noWait = await window.mm.thrown(() => storage.acquire("modelmesh/state", { waitMs: 0 }));
            const locked = await storage.isLocked("modelmesh/state");
            const releaseForeign = await storage.release(foreign); // the other page's handle: not ours to release
            // Wait in the background; the first page releases meanwhile.
            window.mm.kept.pending = storage.acquire("modelmesh/state", { ttlMs: 5_000, waitMs: 10_000 }).then((lock) => ({ lock, at: Date.now() }));
            return { timeout, waited, noWait, locked, releaseForeign };
          }, [kind, handle] as const);
          expect(blocked.timeout).toMatchObject({ code: "MM_TIMEOUT_RESPONSE", name: "ModelMeshLockTimeoutError" });
          expect(blocked.timeout!.message).toContain("could not acquire the lock on 'modelmesh/state' within 200 ms");
          expect(blocked.waited).toBeGreaterThanOrEqual(150);
          expect(blocked.noWait).toMatchObject({ code: "MM_TIMEOUT_RESPONSE" }); // waitMs 0: only if free now
          expect(blocked.locked).toBe(true);
          expect(blocked.releaseForeign).toBe(false);

          const releasedAt = await page.evaluate(async () => {
            const storage = window.mm.kept.storage as { release(lock: unknown): Promise<boolean> };
            const released = await storage.release(window.mm.kept.lock);
            return { released, at: Date.now() };
          });
          expect(releasedAt.released).toBe(true);
          const granted = await second.evaluate(async () => {
            const { lock, at } = (await window.mm.kept.pending) as { lock: { key: string }; at: number };
            const storage = window.mm.kept.storage as { release(lock: unknown): Promise<boolean>; close(): Promise<void> };
            const result = { key: lock.key, at, released: await storage.release(lock) };
            await storage.close();
            return result;
          });
          expect(granted.key).toBe("modelmesh/state");
          expect(granted.released).toBe(true);
          expect(granted.at - releasedAt.at).toBeLessThan(2_000); // woken by the release, not by its 10 s wait
          expect(await page.evaluate(async () => (window.mm.kept.storage as { isLocked(k: string): Promise<boolean> }).isLocked("modelmesh/state"))).toBe(false);
        } finally {
          await second.close();
        }
      });
    }

    it("two pages merging one IndexedDB snapshot at the same time lose no count (StateSync under the storage lock)", async () => {
      const second = await openPage();
      try {
        const rounds = 15;
        const run = (target: Page) =>
          target.evaluate(async (n) => {
            const { MemoryStateStore, StateSync, createIndexedDbStorage } = window.mm;
            const storage = createIndexedDbStorage({ database: "merge" });
            const store = new MemoryStateStore();
            const sync = new StateSync({ store, storage, policy: "sync-on-boundary", lockWaitMs: 10_000 });
            await sync.start();
            for (let i = 0; i < n; i++) {
              await store.increment("quota:shared:requests", 1);
              await sync.flush();
            }
            await sync.stop();
            await storage.close();
          }, rounds);
        await Promise.all([run(page), run(second)]);
        const total = await page.evaluate(async () => {
          const storage = window.mm.createIndexedDbStorage({ database: "merge" });
          const entry = await storage.load("modelmesh/state");
          await storage.close();
          return (JSON.parse(new TextDecoder().decode(entry!.data)) as { entries: Record<string, { value: number }> }).entries["quota:shared:requests"]?.value;
        });
        expect(total).toBe(2 * rounds);
      } finally {
        await second.close();
      }
    });
  });

  describe("secret store persistence", () => {
    it("persists nothing by default: no value in localStorage or sessionStorage, and gone after a reload", async () => {
      const before = await page.evaluate(async () => {
        const secrets = window.mm.createBrowserSecretStore({ secrets: { seeded: "sk-seeded-value-0001" } });
        await secrets.set("typed", "sk-typed-value-0002");
        const everything = JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)]);
        return { typed: await secrets.get("typed"), names: await secrets.list(), leaked: ["sk-seeded-value-0001", "sk-typed-value-0002", "typed"].filter((v) => everything.includes(v)) };
      });
      expect(before).toEqual({ typed: "sk-typed-value-0002", names: ["seeded", "typed"], leaked: [] });
      await reload(page);
      const after = await page.evaluate(async () => {
        const secrets = window.mm.createBrowserSecretStore();
        return { missing: await window.mm.thrown(() => secrets.get("typed")), names: await secrets.list() };
      });
      expect(after.missing).toMatchObject({ code: "MM_SECRET_MISSING" });
      expect(after.missing!.message).not.toContain("sk-typed-value-0002");
      expect(after.names).toEqual([]);
    });

    it('persist: "local" keeps set() values across a reload, under their own prefix, outside the storages\' namespace', async () => {
      await page.evaluate(async () => {
        const secrets = window.mm.createBrowserSecretStore({ persist: "local", secrets: { seeded: "sk-seeded-0003" } });
        await secrets.set("typed", "sk-typed-0004");
      });
      await reload(page);
      const after = await page.evaluate(async () => {
        const secrets = window.mm.createBrowserSecretStore({ persist: "local" });
        const storage = window.mm.createWebStorage("local");
        const result = {
          typed: await secrets.get("typed"),
          seeded: await window.mm.thrown(() => secrets.get("seeded")), // seeds live in memory only
          items: Object.keys(localStorage).filter((k) => k.includes("typed") || k.includes("seeded")),
          storageSees: (await storage.list()).filter((k) => k.includes("typed")),
          deleted: await secrets.delete("typed"),
        };
        return { ...result, afterDelete: localStorage.getItem("modelmesh-secret:typed") };
      });
      expect(after).toMatchObject({ typed: "sk-typed-0004", seeded: { code: "MM_SECRET_MISSING" }, items: ["modelmesh-secret:typed"], storageSees: [], deleted: true, afterDelete: null });
    });
  });

  for (const target of STORAGE_TARGETS) {
    describe(`storage conformance: ${target}`, () => {
      for (const check of storageConformanceChecks) {
        it(check.name, async (test) => {
          const result = await page.evaluate(([t, name]) => window.mm.conformance("storage", t, name), [target, check.name] as const);
          if (result.status === "skipped") test.skip(result.message);
          expect(result.message).toBeUndefined();
          expect(result.status).toBe("passed");
        });
      }
    });
  }

  for (const target of SECRET_TARGETS) {
    describe(`secret store conformance: ${target}`, () => {
      for (const check of secretStoreConformanceChecks) {
        it(check.name, async (test) => {
          const result = await page.evaluate(([t, name]) => window.mm.conformance("secrets", t, name), [target, check.name] as const);
          if (result.status === "skipped") test.skip(result.message);
          expect(result.message).toBeUndefined();
          expect(result.status).toBe("passed");
        });
      }
    });
  }
});
