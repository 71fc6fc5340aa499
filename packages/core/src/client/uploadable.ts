/** What `audio.transcriptions.create({ file })` accepts, as the `openai` SDK does. */
export type Uploadable =
  | Blob
  | Response
  | Uint8Array
  | ArrayBuffer
  | AsyncIterable<unknown>
  | ReadableStream<unknown>
  | { arrayBuffer(): Promise<ArrayBuffer>; name?: string }
  | { readonly data: AsyncIterable<unknown> | ReadableStream<unknown>; readonly name: string; readonly type?: string };

/** Reads an uploadable into bytes (and its name, when it has one). */
export async function toBytes(file: Uploadable): Promise<{ bytes: Uint8Array; name?: string }> {
  const name = typeof (file as { name?: unknown }).name === "string" ? (file as { name: string }).name : pathName(file);
  if (file instanceof Uint8Array) return { bytes: file, name };
  if (file instanceof ArrayBuffer) return { bytes: new Uint8Array(file), name };
  if (isStreamingFile(file)) return { bytes: (await toBytes(file.data as Uploadable)).bytes, name: file.name };
  if (typeof (file as { arrayBuffer?: unknown }).arrayBuffer === "function") {
    return { bytes: new Uint8Array(await (file as { arrayBuffer(): Promise<ArrayBuffer> }).arrayBuffer()), name };
  }
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  for await (const part of file as AsyncIterable<unknown>) parts.push(await partBytes(part, encoder));
  // (ReadableStream is async-iterable on Node 20.)
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return { bytes, name };
}

/** Node's fs.ReadStream carries its path; use its base name as the file name. */
function pathName(file: unknown): string | undefined {
  const path = (file as { path?: unknown }).path;
  if (typeof path !== "string") return undefined;
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

async function partBytes(part: unknown, encoder: TextEncoder): Promise<Uint8Array> {
  if (typeof part === "string") return encoder.encode(part);
  if (part instanceof Uint8Array) return part;
  if (part instanceof ArrayBuffer) return new Uint8Array(part);
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  return new Uint8Array(await (part as Blob).arrayBuffer());
}

/** The SDK's `toStreamingFile(data, name)` wrapper: a stream plus a file name. */
function isStreamingFile(file: unknown): file is { data: unknown; name: string } {
  return typeof file === "object" && file !== null && "data" in file && typeof (file as { name?: unknown }).name === "string" && !(file instanceof Blob);
}
