/**
 * A real `redis-server` per test file: a free port on 127.0.0.1, a temp dir, no persistence
 * (`--save '' --appendonly no`). It can be stopped and started again on the same port to simulate an outage.
 *
 * Without the binary (`REDIS_SERVER_BIN`, else `redis-server` on the PATH, else /usr/bin/redis-server) the
 * suites are skipped with the reason, except under `CI=true`, where they fail: CI must run them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, it } from "vitest";

/** Path of the redis-server binary, or undefined. `REDIS_SERVER_BIN`, when set, is the only candidate. */
export function findRedisServer(): string | undefined {
  const fromEnv = process.env.REDIS_SERVER_BIN;
  const candidates = fromEnv ? [fromEnv] : [...(process.env.PATH ?? "").split(delimiter).map((dir) => dir && join(dir, "redis-server")), "/usr/bin/redis-server"];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

const BINARY = findRedisServer();
const MISSING = process.env.REDIS_SERVER_BIN
  ? `redis-server was not found at REDIS_SERVER_BIN=${process.env.REDIS_SERVER_BIN}`
  : "redis-server was not found on the PATH nor at /usr/bin/redis-server (install it: apt-get install redis-server, or set REDIS_SERVER_BIN)";

/**
 * `describe` that needs redis-server: skipped with the reason when it is missing, or failing under CI=true.
 * @example
 * describeWithRedis("RedisStateStore", () => { it(...) });
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (BINARY) {
    describe(name, body);
  } else if (process.env.CI === "true") {
    describe(name, () => {
      it("needs redis-server", () => {
        throw new Error(`${MISSING}; CI=true requires these tests to run.`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${MISSING})`, body);
  }
}

/** A running redis-server. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after {@link stop}). */
  start(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Thaws it (SIGCONT). */
  resume(): void;
  /** Stops it and removes its temp dir. */
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a redis-server; resolves once it accepts connections. */
export async function startRedisServer(extraArgs: readonly string[] = []): Promise<RedisServer> {
  if (!BINARY) throw new Error(MISSING);
  const binary = BINARY;
  const dir = await mkdtemp(join(tmpdir(), "modelmesh-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "notice", ...extraArgs];
      const proc = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
      child = proc;
      let output = "";
      const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          proc.stdout?.off("data", onData);
          proc.stdout?.resume();
          resolve();
        }
      };
      const fail = (error: Error) => {
        clearTimeout(timer);
        proc.kill("SIGKILL");
        reject(error);
      };
      proc.stdout?.on("data", onData);
      proc.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      proc.once("exit", (code) => fail(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
      proc.once("error", fail);
    });

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    proc.removeAllListeners("exit");
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGCONT");
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    pause: () => void child?.kill("SIGSTOP"),
    resume: () => void child?.kill("SIGCONT"),
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Resolves once `check` returns true, polling every few ms; rejects after `timeoutMs` with `what`.
 * Waits on behaviour with a deadline instead of sleeping a fixed time.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
