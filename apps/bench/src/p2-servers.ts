/**
 * Child processes for P2 and P3. Every server under test (the upstream, the bare pass-through, the ModelMesh
 * proxy, the Portkey gateway) runs in a process of its own, so none of them shares an event loop with the
 * load generator or with each other, and each gets the same chance at the machine's cores.
 *
 * Our own child entries print one JSON line `{"ready":true,"url":"…"}` on stdout when they listen; a server
 * that cannot say so (Portkey) is polled over HTTP instead. Every child is killed by pid when the bench ends.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { request } from "undici";

/** A running child server. */
export interface ServerProcess {
  /** What it is, for messages. */
  name: string;
  /** Its base URL (as the child reported it, or as given). */
  url: string;
  child: ChildProcess;
  /** The last lines it printed (stdout and stderr) up to readiness, for error messages. */
  output(): string;
  /** Sends SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of {@link spawnServer}. */
export interface SpawnServerOptions {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for readiness. Default 30 s. */
  timeoutMs?: number;
  /**
   * How readiness is detected: `"json-line"` waits for `{"ready":true,"url":…}` on stdout (our entries);
   * `{ url, path, expect }` polls `GET url+path` until the body contains `expect`.
   */
  ready: "json-line" | { url: string; path: string; expect: string };
  /** Open an IPC channel to the child (`child.send` / `process.on("message")`), as P4 uses. Default false. */
  ipc?: boolean;
}

const TAIL_LINES = 40;

/** Starts a child server and resolves once it is ready; rejects (and kills it) if it exits or times out first. */
export async function spawnServer(options: SpawnServerOptions): Promise<ServerProcess> {
  const child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env ?? process.env, stdio: options.ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"] });
  const tail: string[] = [];
  let url = typeof options.ready === "object" ? options.ready.url : "";
  let onReady: ((url: string) => void) | undefined;
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  const lines = (stream: NodeJS.ReadableStream | null, parse: boolean) => {
    let buffer = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buffer += chunk;
      let index: number;
      while ((index = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, index);
        buffer = buffer.slice(index + 1);
        keep(line);
        if (parse && onReady && line.startsWith("{")) {
          try {
            const message = JSON.parse(line) as { ready?: boolean; url?: string };
            if (message.ready === true && typeof message.url === "string") onReady(message.url);
          } catch {
            // not our line
          }
        }
      }
    });
  };
  lines(child.stdout, options.ready === "json-line");
  lines(child.stderr, false);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const handle: ServerProcess = {
    name: options.name,
    get url() {
      return url;
    },
    child,
    output: () => tail.join("\n"),
    async stop(graceMs = 3000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`did not get ready within ${timeoutMs} ms`)), timeoutMs);
      let settled = false;
      const done = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      child.once("error", (error) => done(error));
      child.once("exit", (code, signal) => done(new Error(`exited early (code ${code}, signal ${signal})`)));
      if (options.ready === "json-line") {
        onReady = (reported) => {
          url = reported;
          done();
        };
      } else {
        void pollUntil(options.ready, timeoutMs).then(() => done(), (error: Error) => done(error));
      }
    });
  } catch (error) {
    await handle.stop(500);
    throw new Error(`[modelmesh] [bench] ${options.name} ${(error as Error).message}. Its output:\n${handle.output()}`);
  }
  // From here on the output is drained unread: a child that logs every request must not make the load
  // generator (this process) parse its lines while it measures.
  for (const stream of [child.stdout, child.stderr]) {
    stream?.removeAllListeners("data");
    stream?.resume();
  }
  return handle;
}

async function pollUntil(target: { url: string; path: string; expect: string }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await request(`${target.url}${target.path}`, { headersTimeout: 1000, bodyTimeout: 1000 });
      if ((await response.body.text()).includes(target.expect)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`never answered GET ${target.path} with '${target.expect}'`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A free TCP port on 127.0.0.1 (for servers that cannot listen on port 0 and report it, such as Portkey). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Prints the readiness line our child entries end their start-up with. */
export function announceReady(url: string): void {
  process.stdout.write(`${JSON.stringify({ ready: true, url })}\n`);
}

/** Exits the child cleanly on SIGTERM / SIGINT after `close` resolves (bounded: 3 s). */
export function closeOnSignal(close: () => Promise<unknown>): void {
  const stop = () => {
    setTimeout(() => process.exit(0), 3000).unref();
    void close().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
