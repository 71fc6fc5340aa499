/**
 * The connector families through `modelmesh` as users run it: a plain `node script.mjs` next to a day-one
 * `modelmesh.yaml` that uses one connector of each family from the default catalogue — an encrypted secret file,
 * local-file storage with backups, a webhook request log, JSONL statistics, the health monitor, and recovery
 * probes (the recovery scheduler service). The script answers, closes, and exits by itself; each family left
 * its trace (the key was resolved, the receiver got the request's log record, statistics were flushed on close,
 * state was written with a backup, the monitor probed the upstream).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { EncryptedFileSecretStore } from "@modelmesh/secrets";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, expect, it } from "vitest";

const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const KEY = "sk-family-test-0123456789abcdef";
const PASSPHRASE = "correct horse battery staple";

let mock: MockProvider;
let receiver: Server;
let receiverUrl: string;
const received: Array<Record<string, unknown>> = [];
let dir: string;

beforeAll(async () => {
  mock = await startMockProvider({ apiKey: KEY, models: [{ id: "mock-model" }] });
  receiver = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const parsed = JSON.parse(body) as unknown;
      received.push(...(Array.isArray(parsed) ? parsed : ((parsed as { records?: Array<Record<string, unknown>> }).records ?? [parsed])) as Array<Record<string, unknown>>);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/ingest`;
  dir = mkdtempSync(join(tmpdir(), "mm-families-"));
});

afterAll(async () => {
  await mock.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

it("one connector of each family from YAML, in a plain node script that exits by itself", { timeout: 60_000 }, async () => {
  const secrets = new EncryptedFileSecretStore({ passphrase: PASSPHRASE, filePath: join(dir, "secrets.enc") });
  await secrets.set("MOCK_KEY", KEY);
  writeFileSync(
    join(dir, "modelmesh.yaml"),
    `secrets:
  store: encrypted-file
  path: ./secrets.enc
providers:
  mock:
    connector: openai-compatible
    config:
      base_url: "${mock.url}"
      api_key: "\${secrets:MOCK_KEY}"
      models: [{ id: mock-model, capabilities: [chat-completion] }]
pools:
  chat:
    capability: chat-completion
    recovery: { probe_interval: 30s }
storage:
  connector: local-file
  path: ./state
  sync_policy: immediate
  backup: { keep: 1 }
observability:
  logging: { connector: webhook, url: "${receiverUrl}", batch_interval: 50ms }
  statistics: { connector: json-log, path: ./stats.jsonl, flush_interval: 1h }
discovery:
  health:
    connector: health-monitor
    enabled: true
    interval: 1h
    health_path: /models
    endpoints: { mock: "${mock.url}" }
`,
  );
  writeFileSync(
    join(dir, "script.mjs"),
    `import { create } from ${JSON.stringify(pathToFileURL(DIST).href)};
const client = create({ config: "modelmesh.yaml" });
const first = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "one" }] });
await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "two" }] });
await client.close();
console.log("ANSWER " + JSON.stringify(first.choices[0].message.content));
`,
  );
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["script.mjs"], { cwd: dir, env: { PATH: process.env.PATH ?? "", MODELMESH_SECRETS_PASSPHRASE: PASSPHRASE }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
  expect(result.stderr).not.toContain(KEY);
  expect(result.stdout).not.toContain(KEY);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toContain("ANSWER");
  // secrets: the key came out of the encrypted file (the mock refuses any other)
  expect(mock.calls.filter((c) => c.path.endsWith("/chat/completions")).map((c) => c.status)).toEqual([200, 200]);
  expect(readFileSync(join(dir, "secrets.enc"), "utf8")).not.toContain(KEY);
  // observability: one log record per request reached the webhook before exit; statistics flushed on close
  const logs = received.filter((r) => r.kind === "log");
  expect(logs).toHaveLength(2);
  expect(logs[0]).toMatchObject({ poolId: "chat", providerId: "mock", ok: true });
  const stats = readFileSync(join(dir, "stats.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>).filter((r) => r.kind === "stats");
  // one record per scope: the model, the provider and the pool, each with the two requests
  expect(stats.map((r) => JSON.stringify(r)).join("\n")).toMatch(/pool:chat/);
  expect(stats).toHaveLength(3);
  expect(stats.every((r) => JSON.stringify(r).includes('"requestsTotal":2'))).toBe(true);
  // storage: state written, with a kept previous version
  const files = readdirSync(join(dir, "state"));
  expect(files.some((f) => f.endsWith(".1"))).toBe(true);
  // discovery: the monitor probed the upstream's /models at start
  expect(mock.calls.some((c) => c.method === "GET" && c.path.endsWith("/models"))).toBe(true);
});
