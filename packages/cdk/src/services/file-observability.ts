/**
 * FileObservability (Node only: `@modelmesh/cdk/node`): structured JSONL, one redacted record per line,
 * appended through a single ordered write queue, with optional size-based rotation to `<file>.1`.
 */
import { appendFile, mkdir, rename, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { redactText } from "../helpers/redact.js";
import { BaseObservability, type ObservabilityOptions } from "./base-observability.js";

/** Options of {@link FileObservability}. */
export interface FileObservabilityOptions extends ObservabilityOptions {
  /** Output file. Default `modelmesh.log.jsonl`. */
  filePath?: string;
  /** Append to an existing file (true) or truncate it on first write (false). Default true. */
  append?: boolean;
  /** Rotate to `<file>.1` when the file would exceed this many bytes; 0 = never. Default 0. */
  maxSizeBytes?: number;
}

/**
 * JSONL file sink. Call `close()` (or `drain()`) to wait for pending writes. Write failures go to `onError`;
 * without one, the first failure after a successful write is printed once to `console.error`, so a broken
 * log file is noticed without flooding the console.
 */
export class FileObservability extends BaseObservability {
  /** Output file. */
  readonly filePath: string;
  readonly #append: boolean;
  readonly #maxSizeBytes: number;
  #queue: Promise<void> = Promise.resolve();
  #size: number | undefined;
  #reported = false;

  constructor(options: FileObservabilityOptions = {}) {
    super({ id: "modelmesh.file.v1", ...options });
    this.filePath = options.filePath ?? "modelmesh.log.jsonl";
    this.#append = options.append ?? true;
    this.#maxSizeBytes = Math.max(0, options.maxSizeBytes ?? 0);
  }

  protected override write(line: string): void {
    const data = `${line}\n`;
    this.#queue = this.#queue.then(() => this.#writeLine(data)).catch((error: unknown) => this.#report(error));
  }

  /** Resolves when every line written so far is on disk (or reported to `onError`). */
  drain(): Promise<void> {
    return this.#queue;
  }

  /** Waits for pending writes. */
  override async close(): Promise<void> {
    await this.drain();
  }

  #report(error: unknown): void {
    if (this.options.onError) return void this.options.onError(error);
    if (this.#reported) return;
    this.#reported = true;
    const code = (error as NodeJS.ErrnoException)?.code ?? "error";
    console.error(`[modelmesh] [observability:${this.id}] cannot write to ${this.filePath} (${code}): ${redactText(String((error as Error)?.message ?? error))}`);
  }

  async #writeLine(data: string): Promise<void> {
    const bytes = Buffer.byteLength(data);
    if (this.#size === undefined) {
      await mkdir(dirname(this.filePath), { recursive: true });
      if (this.#append) this.#size = await stat(this.filePath).then((s) => s.size, () => 0);
      else {
        await writeFile(this.filePath, "");
        this.#size = 0;
      }
    }
    if (this.#maxSizeBytes > 0 && this.#size > 0 && this.#size + bytes > this.#maxSizeBytes) {
      await rename(this.filePath, `${this.filePath}.1`);
      this.#size = 0;
    }
    await appendFile(this.filePath, data, "utf8");
    this.#size += bytes;
    this.#reported = false;
  }
}
