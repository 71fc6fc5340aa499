/** Reading and recording request bodies and headers. */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { type MultipartFile, parseMultipart } from "./multipart.js";

/** A request body as the server uses and records it. */
export interface ParsedBody {
  /** JSON value, multipart fields (+ file summaries), text, or undefined when empty. */
  body: unknown;
  /** Multipart file parts by field name (empty for other bodies). */
  files: Map<string, MultipartFile>;
  /** True when the body claimed or looked like JSON but did not parse; `body` is then the raw text. */
  invalidJson: boolean;
}

/** Reads the whole body. Rejects if the client goes away mid-body. */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Parses JSON and multipart bodies; anything else is kept as text. */
export function parseBody(raw: Buffer, contentType: string): ParsedBody {
  const files = new Map<string, MultipartFile>();
  if (raw.length === 0) return { body: undefined, files, invalidJson: false };
  if (/^multipart\/form-data/i.test(contentType)) {
    const form = parseMultipart(raw, contentType);
    if (form !== undefined) {
      const body: Record<string, unknown> = { ...form.fields };
      for (const [name, file] of form.files) {
        body[name] = { filename: file.filename, contentType: file.contentType, size: file.data.length };
      }
      return { body, files: form.files, invalidJson: false };
    }
  }
  const text = raw.toString("utf8");
  const looksJson = /json/i.test(contentType) || /^\s*[[{]/.test(text);
  if (!looksJson) return { body: text, files, invalidJson: false };
  try {
    return { body: JSON.parse(text) as unknown, files, invalidJson: false };
  } catch {
    return { body: text, files, invalidJson: true };
  }
}

/** The `model` named by a parsed body, if any. */
export function modelOf(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const model = (body as { model?: unknown }).model;
  return typeof model === "string" ? model : undefined;
}

/** Headers for the call record: lower-cased, arrays joined, credentials redacted so records can be printed. */
export function recordedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const recorded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    recorded[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  if (recorded.authorization !== undefined) {
    const scheme = /^(\S+)\s/.exec(recorded.authorization)?.[1] ?? "Bearer";
    recorded.authorization = `${scheme} ***`;
  }
  for (const name of ["api-key", "x-api-key"]) if (recorded[name] !== undefined) recorded[name] = "***";
  return recorded;
}
