/**
 * The sides P2 and P3 compare, all answering the same chat completion from the same upstream:
 * - `direct`: the upstream itself (the baseline);
 * - `passThrough`: the bare node:http + undici proxy of {@link startPassThrough};
 * - `modelmesh`: the ModelMesh proxy (`startProxy` from `@modelmesh/proxy`), one provider, one pool, auth on;
 * - `portkey`: the Portkey gateway, told where the upstream is by headers (`x-portkey-custom-host`).
 *
 * With `isolation: "process"` (the benches) every server runs in a child process of its own; with
 * `"in-process"` (the harness test) our own servers run in the test's process and Portkey is left out.
 */
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { ensurePortkey, portkeyHeaders, startPortkey, type PortkeyInstall } from "./p2-portkey.js";
import { spawnServer, type ServerProcess } from "./p2-servers.js";
import { startPassThrough } from "./p3-pass-through.js";
import { startUpstream, UPSTREAM_MODEL, UPSTREAM_REPLY } from "./upstream.js";

/** Which side. */
export type TargetId = "direct" | "passThrough" | "modelmesh" | "portkey";

/** Every side, in report order. */
export const TARGET_IDS: readonly TargetId[] = ["direct", "passThrough", "modelmesh", "portkey"];

/** One side: where to send the request, and with which headers and body. */
export interface Target {
  id: TargetId;
  /** What it is, for reports. */
  name: string;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Always `/v1/chat/completions`. */
  path: string;
  headers: Record<string, string>;
  /** The JSON request body (the model name differs: the ModelMesh proxy is asked for its pool). */
  body: string;
}

/** The running sides. */
export interface TargetSet {
  targets: Target[];
  /** Stops every server started (children by pid). Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startTargets}. */
export interface StartTargetsOptions {
  /** `"process"`: each server in its own child process (default). `"in-process"`: for tests; no Portkey. */
  isolation?: "process" | "in-process";
  /** Include the Portkey gateway (installs it on first use). Default true; ignored in-process. */
  portkey?: boolean;
  /** Include the ModelMesh proxy. Default true. */
  modelmesh?: boolean;
  /** Include the bare pass-through. Default true. */
  passThrough?: boolean;
  /** Where Portkey is installed (default `apps/bench/.portkey/`). */
  portkeyDir?: string;
  /** Progress lines. */
  log?: (line: string) => void;
  /**
   * Pins processes to CPUs with `taskset` (Linux, at least 2 CPUs; process isolation only): this process and
   * the upstream on CPU 0, each proxy side on the last CPU, so the proxy measured never shares its CPU with
   * the client or the upstream. Without it the scheduler's placement of three busy processes on few CPUs
   * moves the figures run to run. Default false.
   */
  pin?: boolean;
}

/** Bearer token the benches configure on the ModelMesh proxy. */
export const BENCH_PROXY_TOKEN = "mm-bench-token";
/** Upstream key every side sends (or, for ModelMesh, is configured with). */
export const BENCH_UPSTREAM_KEY = "sk-bench";
/** The pool the ModelMesh proxy serves the upstream model under. */
export const BENCH_POOL = "chat";

const CHAT_PATH = "/v1/chat/completions";
const MESSAGES = [{ role: "user", content: "ping" }];

/** The ModelMesh config both isolation modes use: one OpenAI-compatible provider, one pool, one proxy token. */
export function modelmeshBenchConfig(upstreamBaseUrl: string): Record<string, unknown> {
  return {
    proxy: { host: "127.0.0.1", auth: { tokens: [BENCH_PROXY_TOKEN] } },
    providers: {
      local: {
        connector: "openai-compatible",
        config: { base_url: upstreamBaseUrl, api_key: BENCH_UPSTREAM_KEY },
        models: [{ id: UPSTREAM_MODEL, capabilities: ["chat-completion"] }],
      },
    },
    pools: { [BENCH_POOL]: { capability: "chat-completion" } },
  };
}

interface Running {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the ModelMesh proxy in this process (the child entry calls this too). `quiet` drops its log lines
 * (tests); the bench child keeps the default stderr logging, as `modelmesh serve` ships, and the harness
 * drains it unread, as it does Portkey's console output.
 */
export async function startModelMeshProxy(upstreamBaseUrl: string, options: { quiet?: boolean } = {}): Promise<Running> {
  const { startProxy } = await import("@modelmesh/proxy/server");
  const proxy = await startProxy({
    config: modelmeshBenchConfig(upstreamBaseUrl),
    port: 0,
    host: "127.0.0.1",
    env: {},
    ...(options.quiet ? { log: () => {} } : {}),
  });
  return { url: proxy.url, close: () => proxy.close() };
}

const CHILD_ENTRY = fileURLToPath(new URL("./p2-child.js", import.meta.url));

function child(role: string, args: string[], cpu?: number): Promise<ServerProcess> {
  const argv = [CHILD_ENTRY, role, ...args];
  if (cpu === undefined) return spawnServer({ name: role, command: process.execPath, args: argv, ready: "json-line" });
  return spawnServer({ name: role, command: "taskset", args: ["-c", String(cpu), process.execPath, ...argv], ready: "json-line" });
}

/** Pins this process to CPU 0 (see `StartTargetsOptions.pin`). */
function pinSelf(lastCpu: number): void {
  if (lastCpu < 1) throw new Error("[modelmesh] [bench] --pin needs at least 2 CPUs");
  try {
    execFileSync("taskset", ["-p", "-c", "0", String(process.pid)], { stdio: "ignore" });
  } catch (error) {
    throw new Error(`[modelmesh] [bench] --pin needs \`taskset\` (util-linux): ${(error as Error).message}`);
  }
}

function originOf(url: string): string {
  return new URL(url).origin;
}

function body(model: string): string {
  return JSON.stringify({ model, messages: MESSAGES });
}

/**
 * Starts the upstream and every requested side; on failure, stops whatever already started.
 * @example
 * const set = await startTargets({ isolation: "in-process", portkey: false });
 * try { for (const t of set.targets) console.log(t.id, t.origin); } finally { await set.close(); }
 */
export async function startTargets(options: StartTargetsOptions = {}): Promise<TargetSet> {
  const isolation = options.isolation ?? "process";
  const log = options.log ?? (() => {});
  const stops: Array<() => Promise<void>> = [];
  const lastCpu = availableParallelism() - 1;
  if (options.pin) pinSelf(lastCpu);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  const start = async (role: string, args: string[], inProcess: () => Promise<Running>): Promise<string> => {
    if (isolation === "process") {
      const server = await child(role, args, options.pin ? (role === "upstream" ? 0 : lastCpu) : undefined);
      stops.push(() => server.stop());
      return server.url;
    }
    const server = await inProcess();
    stops.push(() => server.close());
    return server.url;
  };

  try {
    const upstreamUrl = await start("upstream", [], async () => startUpstream());
    const upstream = originOf(upstreamUrl);
    const auth = { "content-type": "application/json", authorization: `Bearer ${BENCH_UPSTREAM_KEY}` };
    const targets: Target[] = [{ id: "direct", name: "mock upstream, direct", origin: upstream, path: CHAT_PATH, headers: auth, body: body(UPSTREAM_MODEL) }];
    if (options.passThrough !== false) {
      const url = await start("pass-through", [upstream], async () => {
        const pt = await startPassThrough(upstream);
        return { url: pt.origin, close: pt.close };
      });
      targets.push({ id: "passThrough", name: "bare pass-through (node:http + undici Pool)", origin: originOf(url), path: CHAT_PATH, headers: auth, body: body(UPSTREAM_MODEL) });
    }
    if (options.modelmesh !== false) {
      const url = await start("modelmesh", [upstreamUrl], () => startModelMeshProxy(upstreamUrl, { quiet: true }));
      targets.push({
        id: "modelmesh",
        name: "ModelMesh proxy (one provider, one pool, bearer auth)",
        origin: originOf(url),
        path: CHAT_PATH,
        headers: { "content-type": "application/json", authorization: `Bearer ${BENCH_PROXY_TOKEN}` },
        body: body(BENCH_POOL),
      });
    }
    if (options.portkey !== false && isolation === "process") {
      const install: PortkeyInstall = ensurePortkey(options.portkeyDir, log);
      const gateway = await startPortkey(install);
      stops.push(() => gateway.stop());
      targets.push({
        id: "portkey",
        name: "Portkey gateway 1.15.2 (@hono/node-server 1.14.1)",
        origin: gateway.url,
        path: CHAT_PATH,
        headers: { ...auth, ...portkeyHeaders(upstreamUrl) },
        body: body(UPSTREAM_MODEL),
      });
    }
    return { targets, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Checks that a response body is the upstream's answer (every side must really answer, or figures mean nothing). */
export function checkAnswer(target: Target, status: number, text: string): void {
  let content: unknown;
  try {
    content = (JSON.parse(text) as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content;
  } catch {
    content = undefined;
  }
  if (status !== 200 || content !== UPSTREAM_REPLY) {
    throw new Error(`[modelmesh] [bench] ${target.id} answered ${status} ${text.slice(0, 300)}; expected 200 with '${UPSTREAM_REPLY}'.`);
  }
}
