/**
 * Issue 11: abuse of the config file. A bounded, seeded generator (support/config-fuzz.ts) mutates valid
 * configs into hostile documents; each is fed to the core's loadConfig, to `modelmesh validate` and to a hot
 * reload of a running `modelmesh serve`. Every outcome is a valid config or a typed ConfigError — never a
 * crash, never a hang (each is bounded in time) —, the running proxy keeps serving and keeps its auth after
 * each attempt, and the secret in the environment never appears in any output.
 */
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { bundleCli, runCliChild, ServeChild } from "./support/cli-child.js";
import { seededRandom } from "@modelmesh/core";
import { ConfigFuzzer, type FuzzDoc } from "./support/config-fuzz.js";

const SECRET = "sk-live-SUPERSECRET123";
const ADMIN = "tok-admin-abuse-config-0123456789";
/** Per-document bounds. */
const LOAD_DEADLINE_MS = 10_000;
const CHILD_DEADLINE_MS = 45_000;

let cli: string;
let mock: MockProvider;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  cli = await bundleCli("abuse-config-test");
  mock = await startMockProvider();
  dir = await mkdtemp(join(tmpdir(), "modelmesh-abuse-config-"));
  env = { SECRET, UPSTREAM: mock.url, PROXY_ADMIN_TOKEN: ADMIN };
});
afterAll(async () => {
  await mock?.close();
  await rm(dir, { recursive: true, force: true });
});

function docs(seed: number, count: number, suffix?: (i: number) => string): FuzzDoc[] {
  const fuzzer = new ConfigFuzzer(seed);
  return Array.from({ length: count }, (_, i) => fuzzer.next(suffix?.(i)));
}

/** Hand-picked hostile documents, always included besides the random ones. */
function fixedDocs(): FuzzDoc[] {
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let n = 1; n < 10; n++) laughs.push(`${String.fromCharCode(97 + n)}: &${String.fromCharCode(97 + n)} [${Array(9).fill(`*${String.fromCharCode(96 + n)}`).join(",")}]`);
  const valid = 'providers:\n  p0:\n    connector: openai-compatible\n    config: { base_url: "${env:UPSTREAM}", api_key: "${env:SECRET}" }\n    models: [{ id: m0, capabilities: [chat-completion] }]\n';
  const texts: Array<[string, string | Buffer]> = [
    ["billion laughs in a connector pass-through", `providers:\n  p0:\n    connector: openai-compatible\n    config:\n      base_url: \${env:UPSTREAM}\n      x-lol:\n${laughs.map((l) => `        ${l}`).join("\n")}\n    models: [{ id: m0, capabilities: [chat-completion] }]\n`],
    ["billion laughs, top level", `${laughs.join("\n")}\n${valid}`],
    ["deep nesting", `${valid}routing: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`],
    ["huge string", `${valid}routing:\n  deadline: "${"9".repeat(1_500_000)}"\n`],
    ["duplicate keys", `${valid}${valid}`],
    ["self-referencing alias", `${valid}routing: &r { stream: *r }\n`],
    ["secret in every kind of field", valid.replace("chat-completion", "${env:SECRET}").replace("m0", "${env:SECRET}") + "routing:\n  deadline: ${env:SECRET}\n  stream: { commit: ${env:SECRET} }\n"],
    ["invalid UTF-8", Buffer.concat([Buffer.from(valid.slice(0, 40)), Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from(valid.slice(40))])],
    ["NUL and BOM", `\ufeff${valid}\u0000`],
  ];
  return texts.map(([label, text]) => ({ label, bytes: Buffer.isBuffer(text) ? text : Buffer.from(text) }));
}

type LoadResult = { outcome: string; message?: string; stack?: string; ms: number; issues?: number };

/** Runs loadConfig on each document in a worker; a document over the deadline terminates it and fails. */
async function loadAll(documents: FuzzDoc[]): Promise<LoadResult[]> {
  const worker = new Worker(new URL("./support/config-worker.mjs", import.meta.url));
  let pending: { resolve: (result: LoadResult) => void; reject: (error: Error) => void } | undefined;
  worker.on("message", (message: LoadResult) => pending?.resolve(message));
  worker.on("error", (error) => pending?.reject(error));
  worker.on("exit", (code) => pending?.reject(new Error(`the loader worker exited (${code})`)));
  try {
    const results: LoadResult[] = [];
    for (const [id, doc] of documents.entries()) {
      const result = await new Promise<LoadResult>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`loadConfig did not finish within ${LOAD_DEADLINE_MS} ms: document ${id} (${doc.label})`)), LOAD_DEADLINE_MS);
        const settle = () => {
          clearTimeout(timer);
          pending = undefined;
        };
        pending = {
          resolve: (value) => {
            settle();
            resolve(value);
          },
          reject: (error) => {
            settle();
            reject(error);
          },
        };
        worker.postMessage({ id, bytes: doc.bytes, env });
      });
      results.push(result);
    }
    return results;
  } finally {
    pending = undefined;
    await worker.terminate();
  }
}

describe("config abuse", () => {
  it("loadConfig: every fuzzed document is a valid config or a ConfigError, in bounded time, without the secret", async () => {
    const documents = [...fixedDocs(), ...docs(0x5eed, 250)];
    const results = await loadAll(documents);
    const outcomes = new Map<string, number>();
    results.forEach((result, i) => {
      const doc = documents[i]!;
      outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
      expect(result.outcome, `document ${i} (${doc.label}): ${result.stack ?? ""}`).not.toBe("crash");
      if (result.outcome === "config_error") expect(result.issues, `document ${i} (${doc.label})`).toBeGreaterThan(0);
      expect(result.message ?? "", `document ${i} (${doc.label})`).not.toContain("SUPERSECRET");
      expect(result.ms, `document ${i} (${doc.label})`).toBeLessThan(LOAD_DEADLINE_MS);
    });
    // The generator must produce both kinds, or it tests nothing.
    expect(outcomes.get("valid") ?? 0).toBeGreaterThan(5);
    expect(outcomes.get("config_error") ?? 0).toBeGreaterThan(100);
  }, 300_000);

  it("modelmesh validate: exit 0 or a ConfigError with exit 1, never a crash or a hang, never the secret", async () => {
    const documents = [...fixedDocs(), ...docs(0xbad5eed, 10)];
    const files = await Promise.all(
      documents.map(async (doc, i) => {
        const file = join(dir, `validate-${i}.yaml`);
        await writeFile(file, doc.bytes);
        return file;
      }),
    );
    const runs: Array<Awaited<ReturnType<typeof runCliChild>>> = [];
    for (let i = 0; i < files.length; i += 6) {
      runs.push(...(await Promise.all(files.slice(i, i + 6).map((file) => runCliChild(cli, ["validate", "--config", file], { cwd: dir, env, timeoutMs: CHILD_DEADLINE_MS })))));
    }
    runs.forEach((run, i) => {
      const what = `document ${i} (${documents[i]!.label}):\n${run.stderr.slice(0, 2_000)}`;
      expect(run.timedOut, what).toBe(false);
      expect([0, 1], what).toContain(run.code);
      if (run.code === 1) {
        expect(run.stderr, what).toMatch(/^\[modelmesh\] \[/);
        expect(run.stderr, what).not.toMatch(/\n\s+at /);
      }
      expect(run.stdout + run.stderr, what).not.toContain("SUPERSECRET");
    });
  }, 300_000);

  it("hot reload: the proxy keeps serving and keeps its auth after every attempt; the secret never appears", async () => {
    // Most documents end with the proxy's admin token, so an applied one keeps the token; the others (no auth,
    // auth disabled, the auth block cut short) must be refused. Either way the token keeps working and stays
    // required. The comment makes every document differ from the one before.
    const authBlock = (i: number) => `proxy:\n  auth:\n    tokens:\n      - { token: "\${env:PROXY_ADMIN_TOKEN}", admin: true }\n# attempt ${i}\n`;
    const base = 'providers:\n  p0:\n    connector: openai-compatible\n    config: { base_url: "${env:UPSTREAM}", api_key: "${env:SECRET}" }\n    models: [{ id: mock-model, capabilities: [chat-completion] }]\npools:\n  chat: { capability: chat-completion }\n';
    const file = join(dir, "serve.yaml");
    await writeFile(file, base + authBlock(-1));
    const serve = await ServeChild.start(cli, ["--config", file], { cwd: dir, env });
    const statuses = new Map<number, number>();
    try {
      const cut = seededRandom(0xc07);
      const documents: FuzzDoc[] = [
        ...fixedDocs().map((d, i) => ({ ...d, bytes: Buffer.concat([d.bytes, Buffer.from(`\n${authBlock(1_000 + i)}`)]) })),
        // Valid or empty documents without the auth the proxy enforces: each must be refused.
        { label: "empty", bytes: Buffer.from("") },
        { label: "comment only", bytes: Buffer.from("# saved half-way\n") },
        { label: "auth removed", bytes: Buffer.from(base) },
        { label: "auth disabled", bytes: Buffer.from(`${base}proxy:\n  auth:\n    enabled: false\n    tokens: ["\${env:PROXY_ADMIN_TOKEN}"]\n`) },
        ...docs(0xf00d, 30, authBlock).map((doc, i) => {
          if (i % 3 !== 0) return doc;
          // Cut inside the auth block: what is left of it must never open the admin endpoints.
          const at = doc.bytes.length - Math.floor(cut() * authBlock(i).length);
          return { label: `${doc.label}; cut at byte ${at}`, bytes: doc.bytes.subarray(0, at) };
        }),
      ];
      for (const [i, doc] of documents.entries()) {
        const what = `document ${i} (${doc.label})`;
        await writeFile(`${file}.tmp`, doc.bytes);
        await rename(`${file}.tmp`, file);
        const response = await fetch(`${serve.url}/admin/reload`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, signal: AbortSignal.timeout(CHILD_DEADLINE_MS) });
        const body = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect([200, 409, 422], `${what}: ${body.slice(0, 500)}`).toContain(response.status);
        expect(body, what).not.toContain("SUPERSECRET");
        expect((await fetch(`${serve.url}/healthz`)).status, what).toBe(200);
        expect((await fetch(`${serve.url}/admin/state`)).status, what).toBe(401);
        expect((await fetch(`${serve.url}/admin/state`, { headers: { authorization: `Bearer ${ADMIN}` } })).status, what).toBe(200);
      }
      expect(statuses.get(422) ?? 0).toBeGreaterThan(5);
      expect(statuses.get(409) ?? 0).toBeGreaterThanOrEqual(2);
      // Put the base config back: a last reload that must be applied, on the proxy that survived all of it.
      await writeFile(file, base + authBlock(-2));
      const back = await fetch(`${serve.url}/admin/reload`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` } });
      expect(back.status).toBe(200);
      const chat = await fetch(`${serve.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "still here" }] }),
      });
      expect(chat.status, await chat.clone().text()).toBe(200);
      expect(serve.stdout + serve.stderr).not.toContain("SUPERSECRET");
    } finally {
      expect((await serve.stop()).code).toBe(0);
    }
  }, 300_000);
});
