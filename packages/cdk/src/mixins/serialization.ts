/**
 * JSON / YAML / MessagePack serialisation to and from bytes (docs/ARCHITECTURE.md §2.11; msgpackr per
 * docs/ARCHITECTURE.md §2.13). MessagePack uses msgpackr, an optional peer dependency loaded on demand
 * ({@link loadMsgpack}): a program that never asks for MessagePack neither installs nor loads it.
 */
import { ModelMeshError } from "@modelmesh/core";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";

/** Supported formats. */
export type SerializationFormat = "json" | "yaml" | "msgpack";

/** All formats, for validation and config enums. */
export const SERIALIZATION_FORMATS: readonly SerializationFormat[] = ["json", "yaml", "msgpack"];

/** MIME type of each format (used as `contentType` by storage). */
export const SERIALIZATION_CONTENT_TYPES: Readonly<Record<SerializationFormat, string>> = {
  json: "application/json",
  yaml: "application/yaml",
  msgpack: "application/msgpack",
};

const SERIALIZATION = Symbol.for("modelmesh.error.serialization");

/** Encoding or decoding failed, or the format is unknown. Code `MM_INVALID_RESPONSE` / `MM_NOT_SUPPORTED`. */
export class SerializationError extends ModelMeshError {
  readonly [SERIALIZATION] = true;
  constructor(message: string, options: { cause?: unknown; unsupported?: boolean } = {}) {
    super({
      name: "ModelMeshSerializationError",
      code: options.unsupported ? "MM_NOT_SUPPORTED" : "MM_INVALID_RESPONSE",
      category: "internal",
      retryable: false,
      message: `[modelmesh] [serialization] ${message}`,
      cause: options.cause,
    });
  }
  /** True for a SerializationError from any copy of this package. */
  static is(error: unknown): error is SerializationError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[SERIALIZATION] === true;
  }
}

const encoder = /* @__PURE__ */ new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder("utf-8", { fatal: true });
/** What is used of msgpackr's `Packr` (typed here: msgpackr is optional, and its types need Node's). */
interface Packr {
  pack(value: unknown): Uint8Array;
  unpack(bytes: Uint8Array): unknown;
}

/** The part of the msgpackr module {@link loadMsgpack} takes. */
export interface MsgpackModule {
  Packr: new (options: { useRecords: boolean; mapsAsObjects: boolean; variableMapSize: boolean }) => Packr;
}

// Records off and compact map headers: plain, standard MessagePack that any decoder reads.
const PACKR_OPTIONS = { useRecords: false, mapsAsObjects: true, variableMapSize: true };
let packr: Packr | undefined;
// A variable, so that bundlers leave the optional dependency alone unless a program loads it.
const MSGPACKR = "msgpackr";

/**
 * Makes the `msgpack` format available: imports msgpackr (an optional peer dependency: `npm install msgpackr`)
 * unless a module is given. Storages whose format is msgpack call it before their first read or write; call it
 * yourself before {@link serialize} / {@link deserialize} with `"msgpack"`. Idempotent.
 * @example
 * await loadMsgpack();
 * serialize({ a: 1 }, "msgpack");
 */
export async function loadMsgpack(module?: MsgpackModule): Promise<void> {
  if (packr) return;
  let mod = module;
  if (!mod) {
    try {
      mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ MSGPACKR)) as MsgpackModule;
    } catch (cause) {
      throw new SerializationError("format 'msgpack' needs the msgpackr package, which is not installed: npm install msgpackr", { cause, unsupported: true });
    }
  }
  packr ??= new mod.Packr(PACKR_OPTIONS);
}

function getPackr(): Packr {
  if (!packr) throw new SerializationError("format 'msgpack' is not loaded: await loadMsgpack() first (storages with format msgpack do it when they start)", { unsupported: true });
  return packr;
}

function checkFormat(format: string): asserts format is SerializationFormat {
  if (!(SERIALIZATION_FORMATS as readonly string[]).includes(format)) {
    throw new SerializationError(`unknown format '${format}'; use one of ${SERIALIZATION_FORMATS.join(", ")}`, { unsupported: true });
  }
}

/**
 * Encodes a value. JSON is compact UTF-8; YAML is a UTF-8 document; MessagePack is binary.
 *
 * @example
 * const bytes = serialize({ a: 1 }, "yaml");
 * deserialize(bytes, "yaml"); // { a: 1 }
 */
export function serialize(value: unknown, format: SerializationFormat = "json"): Uint8Array {
  checkFormat(format);
  try {
    if (format === "msgpack") {
      const packed = getPackr().pack(value);
      return new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength);
    }
    const text = format === "json" ? JSON.stringify(value) : stringifyYaml(value);
    if (text === undefined) throw new TypeError(`${typeof value} is not serialisable`);
    return encoder.encode(text);
  } catch (error) {
    if (SerializationError.is(error)) throw error;
    throw new SerializationError(`cannot encode the value as ${format}: ${(error as Error).message}`, { cause: error });
  }
}

/** Decodes bytes produced by {@link serialize} (or any valid document of the format). */
export function deserialize<T = unknown>(bytes: Uint8Array, format: SerializationFormat = "json"): T {
  checkFormat(format);
  try {
    if (format === "msgpack") return getPackr().unpack(bytes) as T;
    const text = decoder.decode(bytes);
    return (format === "json" ? JSON.parse(text) : parseYaml(text)) as T;
  } catch {
    // Parser messages quote the input, which may hold secrets: neither the message nor the cause is kept.
    throw new SerializationError(`cannot decode ${bytes.byteLength} bytes as ${format}: the data is malformed`);
  }
}
