/** Embeddings, image generation and audio routes: deterministic, tiny, OpenAI-shaped answers. */
import type { Exchange } from "./exchange.js";
import { contextLengthExceeded, invalidRequest } from "./errors.js";
import { requireModel } from "./models.js";
import { sendError, sendSuccess } from "./respond.js";
import { countWords } from "./tokenize.js";

/** A 1×1 transparent PNG, the image every generation returns. */
const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

/** Path of the image handed out when `response_format: "url"` is asked for. */
export const IMAGE_FILE_PATH = "/mock-files/image.png";

/** An MPEG-1 Layer III frame header followed by padding: enough for sniffers to call it mp3. */
const FAKE_MP3 = Buffer.from([0xff, 0xfb, 0x90, 0x64, ...new Array<number>(12).fill(0)]);

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/**
 * The mock's embedding of `text`: `dimensions` numbers from a PRNG seeded with the text's FNV-1a hash,
 * normalised to unit length and rounded to float32 (so the float and base64 encodings decode identically).
 * Same text, same vector; tests can compute expected vectors with it.
 */
export function mockEmbedding(text: string, dimensions: number): number[] {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  const random = mulberry32(hash >>> 0);
  const raw = Array.from({ length: dimensions }, () => random() * 2 - 1);
  const norm = Math.sqrt(raw.reduce((sum, value) => sum + value * value, 0)) || 1;
  return raw.map((value) => Math.fround(value / norm));
}

/** A small, well-known 32-bit PRNG; determinism across platforms is all that matters here. */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Normalises `input` to texts with their token counts; undefined when it has none of the OpenAI shapes. */
function embeddingInputs(input: unknown): Array<{ text: string; tokens: number }> | undefined {
  const isTokenArray = (value: unknown): value is number[] =>
    Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "number");
  if (typeof input === "string") return [{ text: input, tokens: countWords(input) }];
  if (isTokenArray(input)) return [{ text: JSON.stringify(input), tokens: input.length }];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === "string")) {
    return input.map((text: string) => ({ text, tokens: countWords(text) }));
  }
  if (input.every(isTokenArray)) return input.map((ids) => ({ text: JSON.stringify(ids), tokens: ids.length }));
  return undefined;
}

/** `POST /embeddings`: one deterministic vector per input; `dimensions` and `encoding_format` honoured. */
export async function handleEmbeddings(exchange: Exchange): Promise<void> {
  const body = asRecord(exchange.body) ?? {};
  const model = requireModel(exchange, body.model);
  if (model === undefined) return;
  const inputs = embeddingInputs(body.input);
  if (inputs === undefined) {
    const message = "'input' must be a non-empty string, array of strings or token arrays";
    return sendError(exchange, 400, invalidRequest(message, "input"));
  }
  const dimensions = body.dimensions ?? exchange.runtime.options.embeddingDimensions ?? 8;
  if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1) {
    return sendError(exchange, 400, invalidRequest("'dimensions' must be a positive integer", "dimensions"));
  }
  const longest = Math.max(...inputs.map((input) => input.tokens));
  if (model.contextWindow !== undefined && longest > model.contextWindow) {
    return sendError(exchange, 400, contextLengthExceeded(model.contextWindow, longest));
  }
  // The openai SDK asks for base64 by default and decodes it as little-endian float32.
  const base64 = body.encoding_format === "base64";
  const data = inputs.map((input, index) => {
    const vector = mockEmbedding(input.text, dimensions);
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
    return { object: "embedding", index, embedding };
  });
  const tokens = inputs.reduce((total, input) => total + input.tokens, 0);
  const response = { object: "list", data, model: model.id, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  return sendSuccess(exchange, Buffer.from(JSON.stringify(response)), "application/json", tokens);
}

/** `POST /images/generations`: `n` copies of a 1×1 PNG, as `b64_json` (default) or as a URL on this server. */
export async function handleImages(exchange: Exchange): Promise<void> {
  const body = asRecord(exchange.body) ?? {};
  // Image requests may omit the model (OpenAI then picks one); a named model must still exist.
  if (body.model !== undefined && requireModel(exchange, body.model) === undefined) return;
  if (typeof body.prompt !== "string" || body.prompt.length === 0) {
    return sendError(exchange, 400, invalidRequest("'prompt' is a required property", "prompt"));
  }
  const n = body.n ?? 1;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 10) {
    return sendError(exchange, 400, invalidRequest("'n' must be an integer from 1 to 10", "n"));
  }
  const item =
    body.response_format === "url" ? { url: `${exchange.runtime.origin}${IMAGE_FILE_PATH}` } : { b64_json: PNG_BASE64 };
  const response = { created: Math.floor(exchange.runtime.now() / 1000), data: Array.from({ length: n }, () => item) };
  return sendSuccess(exchange, Buffer.from(JSON.stringify(response)), "application/json", 0);
}

/**
 * `GET /mock-files/image.png`: the PNG behind image URLs. Like a CDN link it needs no auth, and it bypasses
 * `writeHead` so that fetching it neither uses up `dailyQuota` nor moves the rate-limit counters.
 */
export function handleImageFile(exchange: Exchange): void {
  const png = Buffer.from(PNG_BASE64, "base64");
  exchange.call.status = 200;
  exchange.response.writeHead(200, { "content-type": "image/png", "content-length": png.length });
  exchange.response.end(png);
}

/** `POST /audio/speech`: a few bytes of fake mp3, `content-type: audio/mpeg`, whatever format was asked. */
export async function handleSpeech(exchange: Exchange): Promise<void> {
  const body = asRecord(exchange.body) ?? {};
  if (requireModel(exchange, body.model) === undefined) return;
  if (typeof body.input !== "string" || body.input.length === 0) {
    return sendError(exchange, 400, invalidRequest("'input' is a required property", "input"));
  }
  return sendSuccess(exchange, FAKE_MP3, "audio/mpeg", 0);
}

/** `POST /audio/transcriptions` (multipart): `{ text: "transcribed <n> bytes" }`, or that text alone for `text`. */
export async function handleTranscription(exchange: Exchange): Promise<void> {
  const fields = asRecord(exchange.body) ?? {};
  if (requireModel(exchange, fields.model) === undefined) return;
  const file = exchange.files.get("file");
  if (file === undefined) {
    return sendError(exchange, 400, invalidRequest("'file' is a required multipart field", "file"));
  }
  const text = `transcribed ${file.data.length} bytes`;
  if (fields.response_format === "text") return sendSuccess(exchange, Buffer.from(text), "text/plain; charset=utf-8", 0);
  return sendSuccess(exchange, Buffer.from(JSON.stringify({ text })), "application/json", 0);
}
