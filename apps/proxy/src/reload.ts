/**
 * Hot reload: watches the config file (fs.watch on its directory, so editors that replace the file are seen,
 * plus fs.watchFile polling as a fallback for filesystems where watch events get lost), debounces bursts of
 * events, validates the new config by building a complete mesh, and hands it over only when that succeeded.
 * An invalid file keeps the running config and logs the ConfigError (path and line).
 */
import { watch, watchFile, unwatchFile, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { createHash } from "node:crypto";
import type { Mesh } from "@modelmesh/core";
import type { Logger } from "./log.js";

/** Result of one reload. */
export interface ReloadResult {
  ok: boolean;
  /** Why the new config was refused (the ConfigError message, with file and line). */
  error?: string;
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
  log: Logger;
  /** Quiet period after the last file event before reloading. Default 150 ms. */
  debounceMs?: number;
  /** Polling interval of the fallback watcher. Default 1 000 ms. */
  pollMs?: number;
}

const digest = (text: string) => createHash("sha256").update(text).digest("hex");

/** Reads a config file (text, parsed by the core's YAML/JSON loader). */
export function readConfigFile(path: string): Promise<string> {
  return readFile(path, "utf8");
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
        return { ok: false, error: message };
      }
      const hash = digest(source);
      if (onlyIfChanged && hash === this.#lastDigest) return { ok: true };
      this.#lastDigest = hash;
    } else source = this.#o.source ?? {};
    if (this.#stopped && onlyIfChanged) return { ok: true };
    try {
      const mesh = await this.#o.build(source, this.#path);
      this.#o.apply(mesh);
      log.info("config reloaded", { file: this.#path });
      return { ok: true };
    } catch (error) {
      const message = (error as Error).message;
      log.error("config reload failed; keeping the running config", { file: this.#path, error: message });
      return { ok: false, error: message };
    }
  }
}
