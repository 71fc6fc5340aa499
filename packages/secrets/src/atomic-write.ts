/**
 * Atomic file replacement for the writable secret stores: the new content goes to a temporary file in the
 * same directory (created exclusively, with the final mode from the start), is flushed, then renamed over the
 * target. A reader sees the old file or the new one, never a half-written one; a crash leaves at most a
 * stray `.<name>.<random>.tmp` next to it.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Mode of files the stores create: owner read/write only. */
export const SECRET_FILE_MODE = 0o600;

/**
 * Writes `data` to `filePath` atomically. `mode` applies to a new file; an existing file keeps its mode
 * unless `forceMode` (the encrypted store always writes 0600).
 */
export async function writeFileAtomic(filePath: string, data: string | Uint8Array, options: { mode?: number; forceMode?: boolean } = {}): Promise<void> {
  const directory = dirname(filePath);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const mode = options.forceMode ? (options.mode ?? SECRET_FILE_MODE) : await existingMode(filePath, options.mode ?? SECRET_FILE_MODE);
  const temp = join(directory, `.${basename(filePath)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", mode);
  try {
    await handle.writeFile(data);
    // The process umask may have narrowed the mode given to open(); set it exactly.
    await handle.chmod(mode);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, filePath);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function existingMode(filePath: string, fallback: number): Promise<number> {
  try {
    return (await stat(filePath)).mode & 0o777;
  } catch {
    return fallback;
  }
}
