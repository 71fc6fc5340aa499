/**
 * The real `modelmesh` binary as a child process, for tests that need it the way users run it: bundled from
 * src/cli.ts exactly as tsup bundles it (esbuild, packages external; the pattern of cli.spawn.test.ts), then
 * `node cli.js …`. Output is collected; tests wait on log lines as they arrive (never on a fixed sleep).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));

/** Bundles the CLI into the package's node_modules (so the externals resolve); one bundle per `name`. */
export async function bundleCli(name: string): Promise<string> {
  const outDir = join(here, "..", "..", "node_modules", ".cache", name);
  await mkdir(outDir, { recursive: true });
  const cli = join(outDir, "cli.js");
  await build({ entryPoints: [join(here, "..", "..", "src", "cli.ts")], outfile: cli, bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "silent" });
  return cli;
}

/** What a finished command printed. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node cli.js …args` to completion; killed (and reported as such) after `timeoutMs`. */
export function runCliChild(cli: string, args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<CliRun & { timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: options.cwd, env: { PATH: process.env.PATH ?? "", ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 30_000);
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** A running `modelmesh serve`. */
export class ServeChild {
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters = new Set<() => void>();

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    this.exited = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  }

  /** Starts `node cli.js serve …args` and resolves once it prints its URL (rejects if it exits first). */
  static start(cli: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<ServeChild> {
    const child = spawn(process.execPath, [cli, "serve", "--port", "0", ...args], { cwd: options.cwd, env: { PATH: process.env.PATH ?? "", ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    return new Promise((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      let serving: ServeChild | undefined;
      child.stdout!.on("data", (chunk: Buffer) => {
        if (serving) return serving.#append("stdout", chunk.toString());
        stdout += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(stdout);
        if (!match) return;
        serving = new ServeChild(child, match[1]!);
        serving.stdout = stdout;
        serving.stderr = stderr;
        resolve(serving);
      });
      child.stderr!.on("data", (chunk: Buffer) => {
        if (serving) serving.#append("stderr", chunk.toString());
        else stderr += chunk.toString();
      });
      child.once("error", reject);
      child.once("close", (code) => {
        if (!serving) reject(new Error(`modelmesh serve exited with ${String(code)} before listening:\n${stderr}`));
      });
    });
  }

  #append(stream: "stdout" | "stderr", text: string): void {
    this[stream] += text;
    for (const wake of [...this.#waiters]) wake();
  }

  /** The JSON log lines (stderr) written after character `from`. */
  logLinesSince(from: number): Array<Record<string, unknown>> {
    return this.stderr
      .slice(from)
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  /** Resolves once stderr after character `from` matches `pattern`; rejects after `timeoutMs` or on exit. */
  async waitForText(from: number, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
    await this.waitForLog(from, () => false, timeoutMs, () => pattern.test(this.stderr.slice(from))).catch((error: Error) => {
      throw new Error(error.message.replace("no matching log line", `no stderr text matching ${String(pattern)}`));
    });
  }

  /** Resolves with the first log line after `from` that matches; rejects after `timeoutMs` or on exit. */
  waitForLog(from: number, match: (line: Record<string, unknown>) => boolean, timeoutMs = 15_000, raw?: () => boolean): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = raw?.() ? {} : this.logLinesSince(from).find(match);
        if (!found) return false;
        done();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching log line within ${timeoutMs} ms; log since then:\n${this.stderr.slice(from)}`));
      }, timeoutMs);
      const onExit = () => {
        done();
        reject(new Error(`modelmesh serve exited while a log line was awaited:\n${this.stderr.slice(from)}`));
      };
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        this.child.off("close", onExit);
      };
      const wake = () => void check();
      if (check()) return;
      this.#waiters.add(wake);
      this.child.once("close", onExit);
    });
  }

  /** SIGTERM, then the exit status. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    return this.exited;
  }
}
