/**
 * A minimal `multipart/form-data` reader for the audio transcription route. Bodies are small and in memory;
 * it reads what `FormData` (fetch, the openai SDK) sends and nothing more exotic.
 */

/** An uploaded file part. */
export interface MultipartFile {
  /** `filename` from Content-Disposition. */
  filename: string;
  /** The part's Content-Type, default `application/octet-stream`. */
  contentType: string;
  /** The raw bytes. */
  data: Buffer;
}

/** A parsed form. */
export interface MultipartForm {
  /** Text fields by name (the last one wins on repeats). */
  fields: Record<string, string>;
  /** File parts by field name. */
  files: Map<string, MultipartFile>;
}

/** Parses a multipart body; undefined when the content type has no boundary or no part is found. */
export function parseMultipart(body: Buffer, contentType: string): MultipartForm | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const separator = Buffer.from(`\r\n--${boundary}`);
  const form: MultipartForm = { fields: {}, files: new Map() };
  let position = body.indexOf(delimiter);
  if (position < 0) return undefined;
  for (;;) {
    position += delimiter.length;
    // `--` after a delimiter closes the form.
    if (body.subarray(position, position + 2).toString() === "--") break;
    position += 2; // CRLF after the delimiter
    const end = body.indexOf(separator, position);
    if (end < 0) break;
    addPart(form, body.subarray(position, end));
    position = end + 2; // now at the next delimiter
  }
  return form;
}

function addPart(form: MultipartForm, part: Buffer): void {
  const headerEnd = part.indexOf("\r\n\r\n");
  if (headerEnd < 0) return;
  const headers = part.subarray(0, headerEnd).toString("utf8");
  const data = part.subarray(headerEnd + 4);
  const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? "";
  const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
  if (name === undefined) return;
  const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
  if (filename === undefined) {
    form.fields[name] = data.toString("utf8");
    return;
  }
  const contentType = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim() || "application/octet-stream";
  form.files.set(name, { filename, contentType, data: Buffer.from(data) });
}
