/**
 * Several real `modelmesh serve` processes on one Redis, for the scale-out acceptance tests (issue 13): each
 * instance is the bundled CLI in its own child process (support/cli-child.ts), configured by a YAML file with
 * `storage.connector: redis` (no `connectors.packages`: the proxy ships the connector). Requests go over HTTP
 * with Node's fetch (undici).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ServeChild } from "./cli-child.js";

/** What the proxy answered: status and parsed JSON body. */
export interface Answer {
  status: number;
  body: {
    model?: string;
    choices?: Array<{ message?: { content?: string } }>;
    error?: { message: string; type: string; code: string; modelmesh_code: string };
  };
  headers: Headers;
}

/** `POST /v1/chat/completions` with one user message. */
export async function chat(base: string, model: string, text: string): Promise<Answer> {
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: text }] }),
  });
  return { status: response.status, body: (await response.json()) as Answer["body"], headers: response.headers };
}

/** A route as `GET /v1/routes/health` reports it (the fields these tests read). */
export interface RouteHealthView {
  routeId: string;
  status: "active" | "standby";
  circuit: "closed" | "open" | "half-open";
  reason?: string;
  standbyUntil?: number;
  cooldownLevel: number;
  consecutiveFailures: number;
  quota: { usage: { requestsDay: number }; limits?: { requestsPerDay?: number } };
}

/** `GET /v1/routes/health` → route id → route. */
export async function routesHealth(base: string): Promise<Map<string, RouteHealthView>> {
  const response = await fetch(`${base}/v1/routes/health`);
  if (response.status !== 200) throw new Error(`GET /v1/routes/health answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { routes: RouteHealthView[] };
  return new Map(body.routes.map((route) => [route.routeId, route]));
}

/** Runs `task(0..count-1)` with at most `limit` in flight; results in index order. */
export async function inParallel<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

/** The proxy processes a test started, stopped (SIGKILL) at the end whatever happened. */
export class Fleet {
  readonly #children = new Set<ServeChild>();

  constructor(
    readonly cli: string,
    readonly dir: string,
    readonly env: Record<string, string>,
  ) {}

  /** Writes `text` as `<name>.yaml` in the fleet's directory; returns the path. */
  async config(name: string, text: string): Promise<string> {
    const path = join(this.dir, `${name}.yaml`);
    await writeFile(path, text);
    return path;
  }

  /** Starts one `modelmesh serve --config file --no-watch` on a free port; resolves once it listens. */
  async start(file: string): Promise<ServeChild> {
    const child = await ServeChild.start(this.cli, ["--config", file, "--no-watch"], { cwd: this.dir, env: this.env });
    this.#children.add(child);
    return child;
  }

  /** `count` instances of the same config, started side by side. */
  startMany(file: string, count: number): Promise<ServeChild[]> {
    return Promise.all(Array.from({ length: count }, () => this.start(file)));
  }

  /** SIGKILL: the process dies at once, releasing nothing (no graceful shutdown, no lease hand-back). */
  async kill(child: ServeChild): Promise<void> {
    if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill("SIGKILL");
    await child.exited;
    this.#children.delete(child);
  }

  /** Kills every instance still running. */
  async close(): Promise<void> {
    await Promise.all([...this.#children].map((child) => this.kill(child)));
  }
}

/**
 * The `storage` section of every config here: the shared Redis (URL from `${env:REDIS_URL}`) and a key prefix
 * of the test's own, so tests on the one Redis never see each other's state.
 */
export function redisStorage(keyPrefix: string): string {
  return `storage:
  connector: redis
  config: { url: "\${env:REDIS_URL}", key_prefix: "${keyPrefix}" }
`;
}

/** Next midnight UTC as ISO: when a daily quota on the `00:00 UTC` clock resets. */
export function nextUtcMidnight(now = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString();
}

/** Resolves once `check` holds, polling every `everyMs`; rejects after `timeoutMs` naming `what`. */
export async function pollUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
