/**
 * Hot reload: watches the config file (fs.watch on its directory, so editors that replace the file are seen,
 * plus fs.watchFile polling as a fallback for filesystems where watch events get lost), debounces bursts of
 * events, validates the new config by building a complete mesh, and hands it over only when that succeeded.
 * An invalid file keeps the running config and logs the ConfigError (path and line).
 *
 * A reload never fails open (issue 11): a config without an enabled provider is invalid for the proxy (an
 * empty or comment-only file — often a save caught half-way — would otherwise empty every pool), and a
 * valid config that would turn `proxy.auth` off on a proxy that enforces it is refused unless the proxy was
 * started with `allowAuthDowngrade` (`modelmesh serve --allow-auth-downgrade`). See the README, "Hot reload".
 */
import { watch, watchFile, unwatchFile, type FSWatcher } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { createHash } from "node:crypto";
import { ConfigError, type Mesh } from "@modelmesh/core";
import { TokenAuth } from "./auth.js";
import type { Logger } from "./log.js";

/**
 * Why a reload was refused: `invalid_config` (the file does not validate, or has no enabled provider; HTTP
 * 422) or `auth_downgrade` (valid, but it would turn off the auth the running proxy enforces; HTTP 409).
 */
export type ReloadRefusal = "invalid_config" | "auth_downgrade";

/** Result of one reload. */
export interface ReloadResult {
  ok: boolean;
  /** Why the new config was refused (the ConfigError message, with file and line). */
  error?: string;
  /** The kind of refusal, when `ok` is false. */
  code?: ReloadRefusal;
}

/**
 * The proxy serves nothing without a provider: a config with none (or with every one `enabled: false`) is a
 * ConfigError naming `providers`, at start, on reload and in `modelmesh validate`. The library itself still
 * accepts such a config (providers may be passed to createMesh in code).
 * @throws ConfigError (`MM_CONFIG_INVALID`).
 */
export function assertServable(mesh: Mesh, file?: string): void {
  if (mesh.router.providers.size > 0) return;
  const configured = Object.keys(mesh.config.providers).length;
  const message =
    configured === 0
      ? "no provider is configured; the proxy needs at least one (an empty or comment-only file is not a config)"
      : "every provider is disabled (enabled: false); the proxy needs at least one enabled provider";
  throw new ConfigError({ issues: [{ path: "providers", message }], ...(file !== undefined ? { file } : {}) });
}

/** {@link assertServable} for a freshly built mesh: closes it before rethrowing. */
export async function servable(mesh: Mesh, file?: string): Promise<Mesh> {
  try {
    assertServable(mesh, file);
    return mesh;
  } catch (error) {
    await mesh.close().catch(() => undefined);
    throw error;
  }
}

/**
 * How `next` would weaken the auth `current` enforces, or undefined. Refused: auth enforced now, and absent
 * or `enabled: false` in `next` (anyone who can reach the port, admin endpoints included, would get in).
 * Replacing, adding or re-scoping tokens is not a downgrade: whoever can edit the file can add an admin
 * token anyway, and rotating a leaked token by reload must keep working.
 */
export function authDowngrade(current: Mesh, next: Mesh): string | undefined {
  if (!new TokenAuth(current.config.proxy.auth).enabled || new TokenAuth(next.config.proxy.auth).enabled) return undefined;
  const auth = next.config.proxy.auth;
  const how = auth === undefined ? "proxy.auth is absent" : auth.enabled === false ? "proxy.auth.enabled is false" : "proxy.auth has no token";
  return `the new config turns off proxy.auth (${how}) while the running proxy requires a token`;
}

/** Options of {@link ConfigReloader}. */
export interface ConfigReloaderOptions {
  /** The config file to read and watch; without it, `reload()` rebuilds from `source`. */
  path?: string;
  /** The config text/object used when there is no path. */
  source?: string | object;
  /** Builds (and thereby validates) a mesh from config text or an object. */
  build: (source: string | object, file: string | undefined) => Promise<Mesh>;
  /** Receives each successfully built mesh. */
  apply: (mesh: Mesh) => void;
  /** The running mesh, to compare auth with; without it no downgrade check is made. */
  current?: () => Mesh;
  /** Apply a reload that turns auth off (logged as a warning). Default false: it is refused. */
  allowAuthDowngrade?: boolean;
  log: Logger;
  /** Quiet period after the last file event before reloading. Default 150 ms. */
  debounceMs?: number;
  /** Polling interval of the fallback watcher. Default 1 000 ms. */
  pollMs?: number;
}

const digest = (text: string) => createHash("sha256").update(text).digest("hex");

/** Largest config file read (bytes): the core refuses texts over 2 Mi characters anyway (yaml-source.ts). */
export const MAX_CONFIG_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Reads a config file (text, parsed by the core's YAML/JSON loader). A file larger than
 * {@link MAX_CONFIG_FILE_BYTES} is refused before it is read into memory.
 */
export async function readConfigFile(path: string): Promise<string> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (size > MAX_CONFIG_FILE_BYTES) throw new Error(`${path} is larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

/** Watches the config file and reloads on change; `reload()` reloads on demand. Reloads never overlap. */
export class ConfigReloader {
  readonly #o: ConfigReloaderOptions;
  readonly #path: string | undefined;
  #watcher: FSWatcher | undefined;
  #polling = false;
  #timer: NodeJS.Timeout | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #lastDigest: string | undefined;
  #stopped = false;

  constructor(options: ConfigReloaderOptions, initialText?: string) {
    this.#o = options;
    this.#path = options.path ? resolve(options.path) : undefined;
    if (initialText !== undefined) this.#lastDigest = digest(initialText);
  }

  /** Starts watching (no-op without a path). */
  start(): void {
    const path = this.#path;
    if (!path || this.#stopped) return;
    try {
      this.#watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
        if (name === null || name === basename(path)) this.#schedule();
      });
      this.#watcher.on("error", (error) => this.#o.log.warn("config watcher failed; polling only", { file: path, error: error.message }));
    } catch (error) {
      this.#o.log.warn("fs.watch unavailable; polling the config file", { file: path, error: (error as Error).message });
    }
    watchFile(path, { persistent: false, interval: this.#o.pollMs ?? 1_000 }, (current, previous) => {
      if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size) this.#schedule();
    });
    this.#polling = true;
  }

  /** Stops watching; a reload in progress still completes. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#polling && this.#path) unwatchFile(this.#path);
    this.#polling = false;
  }

  /** Rebuilds from the file (or the in-memory source) now, even when the content did not change. */
  reload(): Promise<ReloadResult> {
    return this.#enqueue(false);
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#enqueue(true);
    }, this.#o.debounceMs ?? 150);
    this.#timer.unref();
  }

  #enqueue(onlyIfChanged: boolean): Promise<ReloadResult> {
    const run = this.#queue.then(() => this.#run(onlyIfChanged));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #run(onlyIfChanged: boolean): Promise<ReloadResult> {
    const log = this.#o.log;
    let source: string | object;
    if (this.#path) {
      try {
        source = await readConfigFile(this.#path);
      } catch (error) {
        const message = `[modelmesh] [${this.#path}] cannot read the config file: ${(error as Error).message}`;
        log.error("config reload failed; keeping the running config", { file: this.#path, error: message });
        return { ok: false, error: message, code: "invalid_config" };
      }
      const hash = digest(source);
      if (onlyIfChanged && hash === this.#lastDigest) return { ok: true };
      this.#lastDigest = hash;
    } else source = this.#o.source ?? {};
    if (this.#stopped && onlyIfChanged) return { ok: true };
    let mesh: Mesh;
    try {
      mesh = await servable(await this.#o.build(source, this.#path), this.#path);
    } catch (error) {
      const message = (error as Error).message;
      log.error("config reload failed; keeping the running config", { file: this.#path, error: message });
      return { ok: false, error: message, code: "invalid_config" };
    }
    const current = this.#o.current?.();
    const downgrade = current ? authDowngrade(current, mesh) : undefined;
    if (downgrade !== undefined && !this.#o.allowAuthDowngrade) {
      await mesh.close().catch(() => undefined);
      const message = `[modelmesh] [${this.#path ?? "config"}] reload refused: ${downgrade}. The running config stays; restore proxy.auth, or restart with --allow-auth-downgrade to allow this.`;
      log.error("config reload refused: it would turn off proxy.auth; keeping the running config", { file: this.#path, error: message });
      return { ok: false, error: message, code: "auth_downgrade" };
    }
    if (downgrade !== undefined) log.warn("config reload turns off proxy.auth (allowed by --allow-auth-downgrade)", { file: this.#path, reason: downgrade });
    try {
      this.#o.apply(mesh);
    } catch (error) {
      await mesh.close().catch(() => undefined);
      const message = (error as Error).message;
      log.error("config reload failed; keeping the running config", { file: this.#path, error: message });
      return { ok: false, error: message, code: "invalid_config" };
    }
    log.info("config reloaded", { file: this.#path });
    return { ok: true };
  }
}
