/**
 * What P8 needs of Redis, without depending on test code or on a Redis client library: a private
 * `redis-server` on a free port of 127.0.0.1 (or none, with the reason), a minimal RESP connection for the
 * bench's own look at the server (PING, MONITOR to count the commands the store sends, SCAN/DEL to clean up),
 * and the `@modelmesh/storage-redis` build the mesh loads as its storage connector.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect as connectSocket, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Path of the redis-server binary (`REDIS_SERVER_BIN`, else the PATH, else /usr/bin/redis-server), or undefined. */
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

/** Why P8 cannot start a Redis of its own (no binary), for the message the bench exits with. */
export function missingRedisReason(): string {
  return process.env.REDIS_SERVER_BIN
    ? `redis-server was not found at REDIS_SERVER_BIN=${process.env.REDIS_SERVER_BIN}`
    : "redis-server was not found on the PATH nor at /usr/bin/redis-server (install it: apt-get install redis-server, set REDIS_SERVER_BIN, or pass --redis-url redis://127.0.0.1:6379)";
}

/** A redis-server the bench started. */
export interface BenchRedis {
  readonly url: string;
  /** Stops the server and removes its temp dir. */
  close(): Promise<void>;
}

/** Starts a private redis-server (no persistence, 127.0.0.1, free port); resolves once it accepts connections. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const binary = findRedisServer();
  if (binary === undefined) throw new Error(`[modelmesh] [bench] ${missingRedisReason()}`);
  const dir = await mkdtemp(join(tmpdir(), "modelmesh-bench-redis-"));
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"];
  const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  // Ready = it answers PING; poll with a deadline (it may also exit early: a used port, a bad binary).
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await close();
      throw new Error(`[modelmesh] [bench] redis-server exited before it was ready: ${stderr.trim() || `code ${child.exitCode}`}`);
    }
    try {
      const probe = await RespConnection.open(`redis://127.0.0.1:${port}`);
      try {
        if ((await probe.command(["PING"])) === "PONG") break;
      } finally {
        probe.close();
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`[modelmesh] [bench] redis-server did not answer PING within 10 s: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { url: `redis://127.0.0.1:${port}`, close };
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

type Reply = string | number | null | Reply[] | Error;

/**
 * A bare RESP2 connection, enough for PING, SCAN, DEL and MONITOR. Passwords are taken from the URL but never
 * shown. Not a general client: one command at a time, no reconnection.
 */
export class RespConnection {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  readonly #waiting: Array<(reply: Reply) => void> = [];
  #onPush: ((reply: Reply) => void) | undefined;
  #failure: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => this.#read(chunk));
    socket.on("error", (error) => (this.#failure = error));
    socket.on("close", () => {
      this.#failure ??= new Error("connection closed");
      for (const waiter of this.#waiting.splice(0)) waiter(this.#failure);
    });
  }

  /** Connects to `url` (`redis://[user:password@]host:port[/db]`) and authenticates / selects the db if it says so. */
  static async open(url: string): Promise<RespConnection> {
    const parsed = new URL(url);
    if (parsed.protocol !== "redis:") throw new TypeError(`[modelmesh] [bench] --redis-url must be redis://host:port (TLS is not supported by the bench's own connection), got protocol ${parsed.protocol}`);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connectSocket({ host: parsed.hostname || "127.0.0.1", port: Number(parsed.port || 6379) });
      s.once("connect", () => {
        s.off("error", reject);
        resolve(s);
      });
      s.once("error", reject);
    });
    socket.setNoDelay(true);
    const connection = new RespConnection(socket);
    const password = decodeURIComponent(parsed.password);
    if (password !== "") {
      const user = decodeURIComponent(parsed.username);
      const reply = await connection.command(user !== "" ? ["AUTH", user, password] : ["AUTH", password]);
      if (reply instanceof Error) throw new Error("[modelmesh] [bench] Redis refused the credentials of --redis-url");
    }
    const db = parsed.pathname.replace(/^\//, "");
    if (db !== "") await connection.command(["SELECT", db]);
    return connection;
  }

  /** This connection's local port (how the server names it in MONITOR output). */
  get localPort(): number | undefined {
    return this.#socket.localPort;
  }

  /** Sends one command and resolves with its reply (an error reply resolves as an Error). */
  command(args: readonly string[]): Promise<Reply> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#socket.write(encode(args));
    });
  }

  /** Turns the connection into a MONITOR feed: `line` gets every command the server runs from then on. */
  async monitor(line: (text: string) => void): Promise<void> {
    const ok = await this.command(["MONITOR"]);
    if (ok !== "OK") throw new Error(`[modelmesh] [bench] MONITOR was refused: ${String(ok)}`);
    this.#onPush = (reply) => {
      if (typeof reply === "string") line(reply);
    };
  }

  close(): void {
    this.#socket.destroy();
  }

  #read(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const parsed = parse(this.#buffer, 0);
      if (parsed === undefined) return;
      this.#buffer = this.#buffer.subarray(parsed.end);
      const waiter = this.#waiting.shift();
      if (waiter) waiter(parsed.reply);
      else this.#onPush?.(parsed.reply);
    }
  }
}

function encode(args: readonly string[]): Buffer {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return Buffer.from(out);
}

/** One RESP2 reply from `buffer` at `at`, or undefined when it is not complete yet. */
function parse(buffer: Buffer, at: number): { reply: Reply; end: number } | undefined {
  const lineEnd = buffer.indexOf("\r\n", at);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[at]!);
  const line = buffer.toString("utf8", at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "+":
      return { reply: line, end: next };
    case "-":
      return { reply: new Error(line), end: next };
    case ":":
      return { reply: Number(line), end: next };
    case "$": {
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: buffer.toString("utf8", next, next + length), end: next + length + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: Reply[] = [];
      let end = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, end);
        if (item === undefined) return undefined;
        items.push(item.reply);
        end = item.end;
      }
      return { reply: items, end };
    }
    default:
      throw new Error(`[modelmesh] [bench] unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}

/** Deletes every key starting with `prefix` (SCAN + DEL): what a run leaves on a server it did not start. */
export async function deleteKeys(connection: RespConnection, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  let cursor = "0";
  let deleted = 0;
  do {
    const reply = (await connection.command(["SCAN", cursor, "MATCH", pattern, "COUNT", "500"])) as [string, string[]];
    cursor = reply[0];
    if (reply[1].length > 0) deleted += (await connection.command(["DEL", ...reply[1]])) as number;
  } while (cursor !== "0");
  return deleted;
}

/** The built `@modelmesh/storage-redis` (its `dist/index.js`), as the mesh's storage connector loads it. */
export const STORAGE_REDIS_DIST = fileURLToPath(new URL("../../../packages/storage-redis/dist/index.js", import.meta.url));

/** The part of `@modelmesh/storage-redis` P8 uses. */
export interface StorageRedisModule {
  /** The `modelmesh.redis.v1` connector descriptor (alias `redis`). */
  redisStorageConnector: {
    id: string;
    create: (config: never, context: never) => Promise<{ openStateStore(): Promise<object> } & object>;
  } & Record<string, unknown>;
}

/**
 * Imports the storage-redis build (run `pnpm --filter @modelmesh/storage-redis build` first), or another build
 * of it at `path` (an ES module exporting `redisStorageConnector`: e.g. an older build, to compare two).
 */
export async function loadStorageRedis(path = STORAGE_REDIS_DIST): Promise<StorageRedisModule> {
  if (!existsSync(path)) {
    const hint = path === STORAGE_REDIS_DIST ? ": run `pnpm --filter @modelmesh/storage-redis build` first" : "";
    throw new Error(`[modelmesh] [bench] ${path} is missing${hint}`);
  }
  const module = (await import(/* @vite-ignore */ pathToFileURL(path).href)) as Partial<StorageRedisModule>;
  if (typeof module.redisStorageConnector?.create !== "function") throw new TypeError(`[modelmesh] [bench] ${path} does not export redisStorageConnector`);
  return module as StorageRedisModule;
}
