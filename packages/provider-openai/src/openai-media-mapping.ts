import type { TranscriptionRequest, TranscriptionResponse } from "@modelmesh/core";

/**
 * Pure mapping for `POST /audio/transcriptions`. The form is encoded the way the official SDK encodes it
 * (`openai/internal/uploads` `addFormValue`): strings, numbers and booleans as text; arrays as repeated
 * `key[]` fields (`timestamp_granularities[]=word`); objects as `key[prop]` fields; `null` rejected by the SDK
 * and skipped here. OpenAI's form parser only understands that shape: a JSON-encoded array in one
 * `timestamp_granularities` field is rejected.
 */

/** Appends one request field to the form in the SDK's nested-field encoding. */
function appendField(form: FormData, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    form.append(key, String(value));
  } else if (value instanceof Blob) {
    form.append(key, value);
  } else if (Array.isArray(value)) {
    for (const entry of value) appendField(form, `${key}[]`, entry);
  } else if (typeof value === "object") {
    for (const [name, inner] of Object.entries(value)) appendField(form, `${key}[${name}]`, inner);
  }
}

/**
 * The multipart body of a transcription: the `file` part (named `request.filename`, default `audio.wav`,
 * whose extension tells OpenAI the audio format) followed by every other field.
 * @example
 * const form = convertToTranscriptionForm({ model: "whisper-1", file: bytes, filename: "a.mp3", timestamp_granularities: ["word"] });
 * form.getAll("timestamp_granularities[]"); // → ["word"]
 */
export function convertToTranscriptionForm(request: TranscriptionRequest): FormData {
  const form = new FormData();
  const { file, filename, ...fields } = request;
  const blob = file instanceof Blob ? file : new Blob([file as Uint8Array<ArrayBuffer>]);
  form.append("file", blob, filename ?? (file instanceof File ? file.name : "audio.wav"));
  for (const [key, value] of Object.entries(fields)) appendField(form, key, value);
  return form;
}

/**
 * Parses a transcription body. `text`, `srt` and `vtt` formats are plain text; the others are JSON with a
 * `text` field (and, for the `gpt-4o-transcribe` family, its token `usage`, passed through). Returns
 * undefined for a body that is neither.
 */
export function parseTranscription(body: string, format: TranscriptionRequest["response_format"]): TranscriptionResponse | undefined {
  if (format === "text" || format === "srt" || format === "vtt") return { text: body };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || typeof (json as { text?: unknown }).text !== "string") return undefined;
  return json as TranscriptionResponse;
}
