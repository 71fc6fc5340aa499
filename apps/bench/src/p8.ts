/**
 * Benchmark P8 (issue 13): the per-request overhead of the Redis state store (`@modelmesh/storage-redis`,
 * `storage: { connector: redis }`) over the default in-process memory store. The same sequential non-streamed
 * chat completions through `create()` from `modelmesh`, against the bench's local upstream, with each store,
 * in interleaved rounds of one run (the side that goes first rotates); the figure is the median of the
 * per-round medians of each side, the ratio and the µs Redis adds per request (docs/ARCHITECTURE.md §3).
 * A second pair of sides configures a quota on the route (a request cap and a token cap), so that admission
 * must look at the counts.
 *
 * It also counts what one request costs on Redis, on a separate mesh per variant so the timed ones carry no
 * instrumentation: the state-store calls the ledger makes, in order, and how many sequential round trips they
 * are (calls in flight together share one: node-redis pipelines them), from a counting wrapper around the
 * store; and the commands that reach the server (EVALSHA, HMGET…) and those the store's Lua scripts run
 * inside, from MONITOR between two markers.
 */
import { cpus } from "node:os";
import { create, createDefaultRegistry, type MeshClient } from "modelmesh";
import { deleteKeys, loadStorageRedis, RespConnection, startBenchRedis, type BenchRedis, type StorageRedisModule } from "./p8-redis.js";
import { median, round, sample, settle } from "./stats.js";
import { startUpstream, UPSTREAM_MODEL, UPSTREAM_REPLY, type Upstream } from "./upstream.js";

/** Options of {@link runP8}. */
export interface P8Options {
  /** Measured rounds. Default 15. */
  rounds?: number;
  /** Requests per side per round. Default 200. */
  requestsPerRound?: number;
  /** Warm-up requests per side before measuring. Default 300. */
  warmup?: number;
  /** Requests whose store calls and Redis commands are counted, per variant. Default 200. */
  countedRequests?: number;
  /** An existing Redis (`redis://host:port[/db]`) instead of a private redis-server. Keys are removed after. */
  redisUrl?: string;
  /** Another build of `@modelmesh/storage-redis` (its ES module entry) instead of the workspace's `dist/index.js`. */
  storageRedisPath?: string;
  /**
   * A second build of `@modelmesh/storage-redis` to compare with, measured as a fifth side in the same rounds
   * (the no-quota config on Redis): a before/after of a store change in one run.
   */
  compareStorageRedisPath?: string;
  /** Called after each round (progress output). */
  onRound?: (round: P8Round) => void;
}

/** The sides measured in each round. */
export type P8SideId = "memory" | "redis" | "memoryQuota" | "redisQuota" | "redisCompared";

const SIDES: readonly P8SideId[] = ["memory", "redis", "memoryQuota", "redisQuota"];

/** One measured round: the order the sides ran in and each side's median µs per request. */
export interface P8Round {
  /** 1-based. */
  round: number;
  order: P8SideId[];
  /** µs per request of each side measured (`redisCompared` only with `compareStorageRedisPath`). */
  us: Record<Exclude<P8SideId, "redisCompared">, number> & { redisCompared?: number };
}

/** One side's figures. */
export interface P8Side {
  name: string;
  /** Median of the round medians, µs per request. */
  medianUs: number;
  /** Each round's median, µs per request. */
  roundMediansUs: number[];
}

/** One state-store call of a request, in the order the ledger made it. */
export interface P8StoreCall {
  /** The StateStore method. */
  op: string;
  /** Keys it touched (1 for single-key methods). */
  keys: number;
  /** The sequential round trip it went in (1-based): calls in flight together share one. */
  roundTrip: number;
}

/** What one request costs on Redis, counted over `requests` requests. */
export interface P8RoundTrips {
  requests: number;
  /** State-store calls per request. */
  storeCallsPerRequest: number;
  /** Store calls per request, by method. */
  storeCallsByOp: Record<string, number>;
  /** Sequential round trips to Redis per request (store calls in flight together count once). */
  roundTripsPerRequest: number;
  /** Median µs per request of these requests (the instrumented mesh, before MONITOR runs). */
  requestUs: number;
  /** Median µs per request with a store call in flight (from the call to its promise settling, as the ledger's fallback wrapper sees it). */
  storeWaitUs: number;
  /** Median µs of each store call of these requests, by `<position in the request>:<method>`. */
  storeCallUs: Record<string, number>;
  /** Commands the store sent per request (MONITOR, client connections), by command. */
  commandsPerRequest: Record<string, number>;
  /** Their total per request. */
  totalCommandsPerRequest: number;
  /** EVALSHA per request (EVAL, the NOSCRIPT fallback, is in `commandsPerRequest` when it happens). */
  evalshaPerRequest: number;
  /** Commands run inside the store's Lua scripts per request, by command (server-side, no round trip). */
  scriptCommandsPerRequest: Record<string, number>;
  /** The store calls of one steady-state request, in order. */
  sequence: P8StoreCall[];
}

/** A variant: the memory and Redis sides with the same configuration, and the Redis costs. */
export interface P8Variant {
  memory: P8Side;
  redis: P8Side;
  /** redis − memory, µs per request: P8's figure. */
  addedUs: number;
  /** redis / memory. */
  ratio: number;
  roundTrips: P8RoundTrips;
}

/** What {@link runP8} resolves with, and what is written to `results/p8.json`. */
export interface P8Result {
  benchmark: "P8";
  description: string;
  /** ISO time the run finished. */
  date: string;
  environment: { node: string; platform: string; arch: string; cpu: string; cpus: number; redis: string };
  settings: { rounds: number; requestsPerRound: number; warmup: number; countedRequests: number; redis: "private" | "given"; storageRedis: string };
  /** One provider, one pool, no quota: the common case. */
  plain: P8Variant;
  /** The route has `quota: { requests_per_day, tokens_per_day }`: admission checks the caps. */
  quota: P8Variant;
  /** With `compareStorageRedisPath`: the other build on the no-quota config, in the same rounds. */
  compared?: {
    storageRedis: string;
    redis: P8Side;
    /** plain.redis − compared.redis, µs per request (negative: this build is faster). */
    deltaUs: number;
    /** plain.redis / compared.redis. */
    ratio: number;
  };
}

type Call = () => Promise<string | null | undefined>;
type Registry = ReturnType<typeof createDefaultRegistry>;
type Descriptor = Parameters<Registry["register"]>[0];

/**
 * Runs P8: starts a private redis-server (unless `redisUrl`) and the upstream, creates the four meshes, warms
 * up, measures in interleaved rounds, counts one variant's Redis costs at a time, closes everything.
 * @example
 * const result = await runP8({ rounds: 15, requestsPerRound: 200 });
 * console.log(`${result.plain.addedUs} µs added per request by Redis (×${result.plain.ratio})`);
 */
export async function runP8(options: P8Options = {}): Promise<P8Result> {
  const rounds = options.rounds ?? 15;
  const requestsPerRound = options.requestsPerRound ?? 200;
  const warmup = options.warmup ?? 300;
  const countedRequests = options.countedRequests ?? 200;
  const storageRedis = await loadStorageRedis(options.storageRedisPath);
  let server: BenchRedis | undefined;
  let upstream: Upstream | undefined;
  let admin: RespConnection | undefined;
  const meshes: MeshClient[] = [];
  const prefix = `mm-bench-p8:${process.pid}:${Date.now().toString(36)}:`;
  try {
    server = options.redisUrl === undefined ? await startBenchRedis() : undefined;
    const url = options.redisUrl ?? server!.url;
    admin = await RespConnection.open(url);
    const redisVersion = /redis_version:(\S+)/.exec(String(await admin.command(["INFO", "server"])))?.[1] ?? "unknown";
    upstream = await startUpstream();
    const upstreamUrl = upstream.url;

    const open = async (side: P8SideId, descriptor: Descriptor | undefined, keyPrefix: string): Promise<Call> => {
      const registry = createDefaultRegistry();
      if (descriptor) registry.register(descriptor);
      const quota = side === "memoryQuota" || side === "redisQuota";
      const storage = side === "redis" || side === "redisQuota" ? { connector: "redis", config: { url, key_prefix: keyPrefix } } : undefined;
      const mesh = create({ env: {}, config: meshConfig(upstreamUrl, quota, storage) as never, mesh: { registry } });
      meshes.push(mesh);
      await mesh.ready();
      const storeKind = (await mesh.mesh()).storeStatus().kind;
      if ((storage !== undefined) !== (storeKind === "live")) throw new Error(`[modelmesh] [bench] the ${side} mesh runs on a ${storeKind} store`);
      const call: Call = async () => (await mesh.chat.completions.create({ model: "chat", messages: MESSAGES })).choices[0]?.message.content;
      // Every side must get the real answer, or the figures mean nothing.
      const answer = await call();
      if (answer !== UPSTREAM_REPLY) throw new Error(`[modelmesh] [bench] ${side} answered ${JSON.stringify(answer)}, expected ${JSON.stringify(UPSTREAM_REPLY)}`);
      return call;
    };

    const descriptor = storageRedis.redisStorageConnector as unknown as Descriptor;
    const calls = {} as Record<P8SideId, Call>;
    for (const side of SIDES) calls[side] = await open(side, side.startsWith("redis") ? descriptor : undefined, `${prefix}${side}:`);
    const sides: P8SideId[] = [...SIDES];
    if (options.compareStorageRedisPath !== undefined) {
      const other = await loadStorageRedis(options.compareStorageRedisPath);
      // The no-quota config on Redis, through the other build's connector.
      calls.redisCompared = await open("redis", other.redisStorageConnector as unknown as Descriptor, `${prefix}redisCompared:`);
      sides.push("redisCompared");
    }
    for (let i = 0; i < warmup; i++) for (const side of sides) await calls[side]();

    const perRound: P8Round[] = [];
    for (let r = 1; r <= rounds; r++) {
      const shift = (r - 1) % sides.length;
      const order = [...sides.slice(shift), ...sides.slice(0, shift)];
      const us = {} as P8Round["us"];
      for (const side of order) {
        await settle(calls[side]);
        us[side] = median(await sample(calls[side], requestsPerRound));
      }
      const entry: P8Round = { round: r, order, us };
      perRound.push(entry);
      options.onRound?.(entry);
    }
    const side = (id: P8SideId, name: string): P8Side => ({
      name,
      medianUs: round(median(perRound.map((r) => r.us[id]!))),
      roundMediansUs: perRound.map((r) => round(r.us[id]!)),
    });

    // The costs, counted on instrumented meshes of their own.
    const counted = async (id: "redis" | "redisQuota"): Promise<P8RoundTrips> => {
      const log = new StoreCallLog();
      const call = await open(id, countingDescriptor(storageRedis, log), `${prefix}${id}:counted:`);
      return countRoundTrips(call, log, url, admin!, countedRequests);
    };
    const variant = (memory: P8Side, redis: P8Side, roundTrips: P8RoundTrips): P8Variant => ({
      memory,
      redis,
      addedUs: round(redis.medianUs - memory.medianUs),
      ratio: round(redis.medianUs / memory.medianUs, 3),
      roundTrips,
    });
    const plain = variant(side("memory", "memory store (default)"), side("redis", "Redis store (storage.connector: redis)"), await counted("redis"));
    const quota = variant(
      side("memoryQuota", "memory store, route quota"),
      side("redisQuota", "Redis store, route quota"),
      await counted("redisQuota"),
    );
    const compared =
      options.compareStorageRedisPath === undefined
        ? undefined
        : (() => {
            const other = side("redisCompared", `Redis store, ${options.compareStorageRedisPath}`);
            return { storageRedis: options.compareStorageRedisPath, redis: other, deltaUs: round(plain.redis.medianUs - other.medianUs), ratio: round(plain.redis.medianUs / other.medianUs, 3) };
          })();
    return {
      benchmark: "P8",
      description:
        "Per-request overhead of the Redis state store over the memory store: the same sequential non-streamed chat completions through create() from modelmesh against the same local upstream, interleaved rounds, median of round medians; plus the store calls, round trips and Redis commands of one request",
      date: new Date().toISOString(),
      environment: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? "unknown", cpus: cpus().length, redis: redisVersion },
      settings: { rounds, requestsPerRound, warmup, countedRequests, redis: options.redisUrl === undefined ? "private" : "given", storageRedis: options.storageRedisPath ?? "workspace dist" },
      plain,
      quota,
      ...(compared ? { compared } : {}),
    };
  } finally {
    await Promise.allSettled(meshes.map((mesh) => mesh.close()));
    if (admin && options.redisUrl !== undefined) await deleteKeys(admin, prefix).catch(() => 0);
    admin?.close();
    await upstream?.close();
    await server?.close();
  }
}

const MESSAGES = [{ role: "user" as const, content: "ping" }];

/** The config of every side: one provider, one pool; a quota on the model (so on the route) when `quota`. */
function meshConfig(upstreamUrl: string, quota: boolean, storage: object | undefined): object {
  return {
    ...(storage ? { storage } : {}),
    providers: {
      local: {
        connector: "openai-compatible",
        config: { base_url: upstreamUrl, api_key: "sk-bench" },
        models: [
          {
            id: UPSTREAM_MODEL,
            capabilities: ["chat-completion"],
            // Caps far above any run: admission checks them but never refuses.
            ...(quota ? { quota: { requests_per_day: 1_000_000_000, tokens_per_day: 1_000_000_000 } } : {}),
          },
        ],
      },
    },
    pools: { chat: { capability: "chat-completion" } },
  };
}

/**
 * Records the state-store calls of the Redis store it wraps: method, keys, and the sequential round trip each
 * went in (a call that starts while none is in flight opens a new one).
 */
class StoreCallLog {
  calls: P8StoreCall[] = [];
  roundTrips = 0;
  /** Time with at least one store call in flight, ns. */
  waitingNs = 0n;
  /** Each call's duration (call to settled), µs, by `<position in its request>:<method>`. */
  durations: Record<string, number[]> = {};
  #inFlight = 0;
  #position = 0;
  #since = 0n;

  reset(): void {
    this.calls = [];
    this.roundTrips = 0;
    this.waitingNs = 0n;
    this.durations = {};
    this.#position = 0;
  }

  /** The calls from now on belong to a new request (numbers their positions from 1 again). */
  startRequest(): void {
    this.#position = 0;
  }

  track<R>(op: string, keys: number, result: Promise<R>): Promise<R> {
    if (this.#inFlight === 0) {
      this.roundTrips++;
      this.#since = process.hrtime.bigint();
    }
    this.#inFlight++;
    this.calls.push({ op, keys, roundTrip: this.roundTrips });
    const started = process.hrtime.bigint();
    const slot = `${++this.#position}:${op}`;
    return result.finally(() => {
      const now = process.hrtime.bigint();
      (this.durations[slot] ??= []).push(Number(now - started) / 1000);
      if (--this.#inFlight === 0) this.waitingNs += now - this.#since;
    });
  }
}

/** The StateStore methods that reach Redis. */
const STORE_METHODS = new Set(["get", "getMany", "set", "getVersioned", "compareAndSet", "increment", "incrementMany", "setIfAbsent", "delete", "keys", "export", "import"]);

/** The Redis connector, with the live store it opens wrapped in a {@link StoreCallLog}. */
function countingDescriptor(module: StorageRedisModule, log: StoreCallLog): Descriptor {
  const base = module.redisStorageConnector;
  return {
    ...base,
    create: async (config: never, context: never) => {
      const storage = await base.create(config, context);
      const openStore = storage.openStateStore.bind(storage);
      storage.openStateStore = async () => {
        const store = await openStore();
        return new Proxy(store, {
          get(target, property) {
            const value: unknown = Reflect.get(target, property, target);
            if (typeof value !== "function") return value;
            const method = value as (...args: unknown[]) => unknown;
            if (typeof property !== "string" || !STORE_METHODS.has(property)) return method.bind(target);
            return (...args: unknown[]) => {
              const first = args[0];
              return log.track(property, Array.isArray(first) ? first.length : 1, method.apply(target, args) as Promise<unknown>);
            };
          },
        });
      };
      return storage;
    },
  } as unknown as Descriptor;
}

/** MONITOR line: `<time> [<db> <client address | lua>] "<COMMAND>" …`. */
const MONITOR_LINE = /^\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]*)"/;

/**
 * Counts `count` requests of `call`: the store calls and round trips from `log`, the commands from MONITOR.
 * The window is cut by two ECHO markers sent on `admin`, so nothing before or after is counted.
 */
async function countRoundTrips(call: Call, log: StoreCallLog, url: string, admin: RespConnection, count: number): Promise<P8RoundTrips> {
  // Warm: scripts loaded (the first EVALSHA of each meets NOSCRIPT), the availability index read, the feed up.
  for (let i = 0; i < 30; i++) await call();
  // Timed first, without MONITOR (it slows the server down).
  log.reset();
  const requests = new Array<number>(count);
  const waits = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const waited = log.waitingNs;
    log.startRequest();
    const started = process.hrtime.bigint();
    await call();
    requests[i] = Number(process.hrtime.bigint() - started) / 1000;
    waits[i] = Number(log.waitingNs - waited) / 1000;
  }
  const requestUs = median(requests);
  const storeWaitUs = median(waits);
  const storeCallUs = Object.fromEntries(Object.entries(log.durations).sort(([a], [b]) => parseInt(a) - parseInt(b)).map(([op, values]) => [op, round(median(values))]));
  const monitor = await RespConnection.open(url);
  try {
    const adminAddress = `:${admin.localPort}`;
    const marker = `p8-marker-${process.pid}-${Date.now()}`;
    const commands: Record<string, number> = {};
    const scripted: Record<string, number> = {};
    let phase: "before" | "counting" | "after" = "before";
    await monitor.monitor((text) => {
      const match = MONITOR_LINE.exec(text);
      if (!match) return;
      const [, source, name] = match as unknown as [string, string, string];
      if (source.endsWith(adminAddress)) {
        if (text.includes(`${marker}-start`)) phase = "counting";
        else if (text.includes(`${marker}-end`)) phase = "after";
        return;
      }
      if (phase !== "counting") return;
      const command = name.toUpperCase();
      const into = source === "lua" ? scripted : commands;
      into[command] = (into[command] ?? 0) + 1;
    });
    await admin.command(["ECHO", `${marker}-start`]);
    await until(() => phase === "counting", "MONITOR to see the start marker");
    log.reset();
    for (let i = 0; i < count; i++) await call();
    const storeCalls = log.calls;
    const roundTrips = log.roundTrips;
    await admin.command(["ECHO", `${marker}-end`]);
    await until(() => phase === "after", "MONITOR to see the end marker");
    // One more request, alone, for the order of its calls.
    log.reset();
    await call();
    const sequence = log.calls;

    const perRequest = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, round(v / count, 2)]));
    const byOp: Record<string, number> = {};
    for (const c of storeCalls) byOp[c.op] = (byOp[c.op] ?? 0) + 1;
    const totalCommands = Object.values(commands).reduce((a, b) => a + b, 0);
    return {
      requests: count,
      storeCallsPerRequest: round(storeCalls.length / count, 2),
      storeCallsByOp: perRequest(byOp),
      roundTripsPerRequest: round(roundTrips / count, 2),
      requestUs: round(requestUs),
      storeWaitUs: round(storeWaitUs),
      storeCallUs,
      commandsPerRequest: perRequest(commands),
      totalCommandsPerRequest: round(totalCommands / count, 2),
      evalshaPerRequest: round((commands.EVALSHA ?? 0) / count, 2),
      scriptCommandsPerRequest: perRequest(scripted),
      sequence,
    };
  } finally {
    monitor.close();
  }
}

/** Polls `check` until true; rejects after 5 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`[modelmesh] [bench] timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
