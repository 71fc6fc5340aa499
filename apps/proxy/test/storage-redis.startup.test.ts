/**
 * `storage.connector: redis` in the real `modelmesh` binary with no `connectors.packages` entry (issue 13): the
 * proxy registers `@modelmesh/storage-redis` itself. When Redis cannot be reached at start-up, `serve` and
 * `validate` stop with one clear line naming the store (never a stack trace) and never print the password of
 * the URL, whether it is written in the file or comes from `${env:…}`.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleCli, runCliChild } from "./support/cli-child.js";

const PASSWORD = "s3cret-redis-pw-71f";
let cli: string;
let dir: string;
let port: number;

/** A port nothing listens on: taken from the OS, then released. */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

async function configFile(name: string, url: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    `storage:
  connector: redis
  config: { url: "${url}", key_prefix: "mm-startup:", connect_timeout: 1s }
providers:
  mock:
    connector: openai-compatible
    config: { base_url: "http://127.0.0.1:9/v1", api_key: sk-unused }
    models:
      - { id: mock-model, capabilities: [chat-completion] }
`,
  );
  return path;
}

function expectClearStoreError(stderr: string): void {
  expect(stderr).toContain("[modelmesh] [storage-redis]");
  expect(stderr).toContain('key prefix "mm-startup:"');
  expect(stderr).toMatch(/could not connect within 1000 ms/);
  expect(stderr).not.toContain(PASSWORD);
  expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
}

beforeAll(async () => {
  cli = await bundleCli("storage-redis-startup-test");
  dir = await mkdtemp(join(tmpdir(), "modelmesh-redis-startup-"));
  port = await unusedPort();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("storage.connector: redis without connectors.packages", () => {
  it("serve with the password written in the file: exit 1, one line naming the store, the password masked", async () => {
    const file = await configFile("literal.yaml", `redis://:${PASSWORD}@127.0.0.1:${port}`);
    const result = await runCliChild(cli, ["serve", "--port", "0", "--config", file], { cwd: dir, timeoutMs: 15_000 });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("listening");
    expectClearStoreError(result.stderr);
    expect(result.stderr).toContain(`redis://:***@127.0.0.1:${port}`);
  });

  it("serve and validate with the URL from ${env:REDIS_URL}: the same error, the value never printed", async () => {
    const file = await configFile("env.yaml", "${env:REDIS_URL}");
    const env = { REDIS_URL: `redis://default:${PASSWORD}@127.0.0.1:${port}` };
    for (const command of ["serve", "validate"]) {
      const result = await runCliChild(cli, [command, "--config", file, ...(command === "serve" ? ["--port", "0"] : [])], { cwd: dir, env, timeoutMs: 15_000 });
      expect(result.timedOut).toBe(false);
      expect(result.code).toBe(1);
      expectClearStoreError(result.stderr);
      expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    }
  });

  it("a config that also lists it under connectors.packages (as library configs do) gets the proxy's copy, not an import", async () => {
    const plain = await configFile("listed.yaml", `redis://127.0.0.1:${port}`);
    const file = join(dir, "listed-with-package.yaml");
    await writeFile(file, `connectors: { packages: ["@modelmesh/storage-redis"] }\n${await readFile(plain, "utf8")}`);
    const result = await runCliChild(cli, ["validate", "--config", file], { cwd: dir, timeoutMs: 15_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain("cannot import connector package");
    expect(result.stderr).not.toContain("registered twice");
    expectClearStoreError(result.stderr); // it got as far as connecting
  });

  it("shipping the connector costs a config without it nothing: @redis/client is loaded only when storage names redis", async () => {
    // @redis/client is CommonJS: once imported, its files are in the CJS module cache, which a preload reads at exit.
    const preload = join(dir, "count-redis-modules.mjs");
    await writeFile(
      preload,
      `import { createRequire } from "node:module";
const cache = createRequire(import.meta.url).cache;
process.on("exit", () => process.stderr.write("redis modules loaded: " + Object.keys(cache).filter((k) => k.includes("@redis")).length + "\\n"));
`,
    );
    const memory = join(dir, "memory.yaml");
    await writeFile(memory, "providers:\n  mock:\n    connector: openai-compatible\n    config: { base_url: \"http://127.0.0.1:9/v1\", api_key: sk-unused }\n    models:\n      - { id: mock-model, capabilities: [chat-completion] }\n");
    const env = { NODE_OPTIONS: `--import=${preload}` };
    const without = await runCliChild(cli, ["validate", "--config", memory], { cwd: dir, env, timeoutMs: 15_000 });
    expect(without.code).toBe(0);
    expect(without.stderr).toContain("redis modules loaded: 0");
    const withRedis = await runCliChild(cli, ["validate", "--config", await configFile("loaded.yaml", `redis://127.0.0.1:${port}`)], { cwd: dir, env, timeoutMs: 15_000 });
    expect(withRedis.code).toBe(1);
    expect(withRedis.stderr).toMatch(/redis modules loaded: [1-9]/);
  });

  it("the connector is known to the proxy: a typo gets the unknown-connector error listing redis", async () => {
    const file = join(dir, "typo.yaml");
    await writeFile(file, `storage:\n  connector: rediss\n  config: { url: "redis://127.0.0.1:${port}" }\nproviders:\n  mock:\n    connector: openai-compatible\n    config: { base_url: "http://127.0.0.1:9/v1", api_key: sk-unused }\n    models:\n      - { id: mock-model, capabilities: [chat-completion] }\n`);
    const result = await runCliChild(cli, ["validate", "--config", file], { cwd: dir, timeoutMs: 15_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown connector 'rediss'");
    expect(result.stderr).toMatch(/Did you mean '(redis|modelmesh\.redis\.v1)'/);
  });
});
