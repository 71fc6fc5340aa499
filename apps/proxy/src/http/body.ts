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

/** Reads a JSON object body (OpenAI requests are always objects). */
export async function readJson(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const raw = await readBody(req, limit);
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch (error) {
    throw new ProxyHttpError(400, "invalid_request_error", "invalid_json", `[modelmesh] [proxy] the request body is not valid JSON: ${(error as Error).message}.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProxyHttpError(400, "invalid_request_error", "invalid_body", "[modelmesh] [proxy] the request body must be a JSON object.");
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
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new ProxyHttpError(400, "invalid_request_error", "invalid_content_type", "[modelmesh] [proxy] expected a multipart/form-data body (with a boundary).");
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
