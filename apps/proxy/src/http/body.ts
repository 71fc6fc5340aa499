/**
 * Request bodies with a byte limit. A declared `content-length` over the limit is refused before reading a
 * byte; a chunked body is read until it crosses the limit and then abandoned (the connection is closed after
 * the 413), so no more than `limit` bytes are ever held in memory.
 */
import type { IncomingMessage } from "node:http";
import { ProxyHttpError } from "./errors.js";

function tooLarge(limit: number): ProxyHttpError {
  return new ProxyHttpError(413, "invalid_request_error", "request_too_large", `[modelmesh] [proxy] the request body is larger than ${limit} bytes (proxy.limits.max_body_size).`, { closeConnection: true });
}

/** Reads the whole body, refusing more than `limit` bytes with a 413 {@link ProxyHttpError}. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new ProxyHttpError(400, "invalid_request_error", "body_read_failed", `[modelmesh] [proxy] could not read the request body: ${error.message}`, { closeConnection: true }));
    };
    const onClose = () => {
      if (req.complete) return;
      cleanup();
      reject(new ProxyHttpError(400, "invalid_request_error", "body_incomplete", "[modelmesh] [proxy] the client closed the connection before the body was complete.", { closeConnection: true }));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/** The media type of a request (`application/json; charset=utf-8` → `application/json`), lower-cased. */
export function mediaType(req: IncomingMessage): string {
  const type = req.headers["content-type"];
  if (type === undefined) return "";
  // The usual values need no parsing.
  if (type === "application/json" || type === "application/json; charset=utf-8") return "application/json";
  const semicolon = type.indexOf(";");
  return (semicolon < 0 ? type : type.slice(0, semicolon)).trim().toLowerCase();
}

/** True when the request declares a body (a non-zero `content-length`, or a chunked transfer). */
export function declaresBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length.trim() !== "0");
}

function unsupportedMediaType(expected: string): ProxyHttpError {
  return new ProxyHttpError(415, "invalid_request_error", "unsupported_media_type", `[modelmesh] [proxy] this endpoint takes ${expected} bodies: send \`content-type: ${expected}\`.`);
}

/**
 * Refuses a body that is not declared as JSON with a 415, before reading it. `optional`: a request without
 * a body passes (admin actions whose body is optional). A browser cannot send `application/json` across
 * origins without a CORS preflight, so this also keeps simple cross-site form posts out.
 */
export function requireJsonBody(req: IncomingMessage, optional = false): void {
  if (optional && !declaresBody(req)) return;
  if (mediaType(req) !== "application/json") throw unsupportedMediaType("application/json");
}

/**
 * The deepest `{` / `[` nesting of a JSON text, found in one linear pass over its bytes (brackets inside
 * strings do not count; UTF-8 continuation bytes never equal an ASCII delimiter). Stops as soon as `limit`
 * is exceeded and returns `limit + 1`, so a hostile body costs at most one scan and is never parsed.
 */
export function jsonDepth(raw: Uint8Array, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (inString) {
      if (byte === 0x5c) i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
      continue;
    }
    if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (byte === 0x7d || byte === 0x5d) depth--;
  }
  return max;
}

/** Limits that apply while reading a JSON body. */
export interface JsonLimits {
  /** Largest body in bytes (413 beyond). */
  maxBodySize: number;
  /** Deepest nesting (400 `json_too_deep` beyond). */
  maxJsonDepth: number;
}

/** Parses a JSON text after the depth pre-scan. */
function parseJson(raw: Buffer, limits: JsonLimits, what: string): unknown {
  if (jsonDepth(raw, limits.maxJsonDepth) > limits.maxJsonDepth) {
    throw new ProxyHttpError(400, "invalid_request_error", "json_too_deep", `[modelmesh] [proxy] ${what} is nested deeper than ${limits.maxJsonDepth} levels (proxy.limits.max_json_depth).`);
  }
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (error) {
    throw new ProxyHttpError(400, "invalid_request_error", "invalid_json", `[modelmesh] [proxy] ${what} is not valid JSON: ${(error as Error).message}.`);
  }
}

/**
 * Reads a JSON object body (OpenAI requests are always objects): 415 unless declared as
 * `application/json`, 413 over the size limit, 400 when nested too deeply (checked before parsing) or not
 * a JSON object.
 */
export async function readJson(req: IncomingMessage, limits: JsonLimits): Promise<Record<string, unknown>> {
  requireJsonBody(req);
  const raw = await readBody(req, limits.maxBodySize);
  const value = parseJson(raw, limits, "the request body");
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProxyHttpError(400, "invalid_request_error", "invalid_body", "[modelmesh] [proxy] the request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

/** Reads an optional JSON object body (empty = `{}`), with the same checks as {@link readJson}. */
export async function readOptionalJson(req: IncomingMessage, limits: JsonLimits): Promise<Record<string, unknown>> {
  requireJsonBody(req, true);
  const raw = await readBody(req, limits.maxBodySize);
  if (raw.length === 0) return {};
  const value = parseJson(raw, limits, "the request body");
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProxyHttpError(400, "invalid_request_error", "invalid_body", "[modelmesh] [proxy] the request body must be a JSON object (or empty).");
  }
  return value as Record<string, unknown>;
}

/** One multipart body: text fields (`key[]` fields collected into arrays) and the files. */
export interface ParsedForm {
  fields: Record<string, string | string[]>;
  files: Record<string, { bytes: Uint8Array; filename: string; contentType: string }>;
}

/**
 * Reads a `multipart/form-data` body within `limit` bytes and parses it with the platform's own parser
 * (`Request.formData()`, undici's), so boundaries, quoting and encodings are handled by a maintained parser.
 */
export async function readForm(req: IncomingMessage, limit: number): Promise<ParsedForm> {
  const type = req.headers["content-type"] ?? "";
  if (mediaType(req) !== "multipart/form-data") throw unsupportedMediaType("multipart/form-data");
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new ProxyHttpError(400, "invalid_request_error", "invalid_content_type", "[modelmesh] [proxy] expected a multipart/form-data body with a boundary.");
  }
  const raw = await readBody(req, limit);
  let form: FormData;
  try {
    form = await new Request("http://proxy.invalid/", { method: "POST", headers: { "content-type": type }, body: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) as Uint8Array<ArrayBuffer> }).formData();
  } catch (error) {
    throw new ProxyHttpError(400, "invalid_request_error", "invalid_multipart", `[modelmesh] [proxy] the multipart body could not be parsed: ${(error as Error).message}.`);
  }
  const parsed: ParsedForm = { fields: {}, files: {} };
  for (const [key, value] of form.entries()) {
    if (typeof value !== "string") {
      parsed.files[key] = { bytes: new Uint8Array(await value.arrayBuffer()), filename: value.name || "audio", contentType: value.type || "application/octet-stream" };
      continue;
    }
    if (key.endsWith("[]")) {
      const name = key.slice(0, -2);
      const list = parsed.fields[name];
      parsed.fields[name] = Array.isArray(list) ? [...list, value] : [value];
    } else parsed.fields[key] = value;
  }
  return parsed;
}
