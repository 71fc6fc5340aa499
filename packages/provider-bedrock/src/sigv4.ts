/**
 * AWS Signature Version 4 for HTTP requests (header signing), on web crypto (`crypto.subtle` SHA-256 and
 * HMAC-SHA256): no Node built-ins, no AWS SDK. Reference: AWS's "Create a signed AWS API request"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) and its SigV4 test suite, whose
 * vectors `src/sigv4.test.ts` checks.
 *
 * Non-S3 services (Bedrock among them) sign the path as sent, URI-encoded once more: a model id's `:` goes on the
 * wire as `%3A` and is signed as `%253A` (what the AWS SDK's signer does with `uriEscapePath`).
 */

/** AWS credentials used to sign. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials' session token, sent (and signed) as `x-amz-security-token`. */
  sessionToken?: string;
  /** When temporary credentials expire. */
  expiration?: Date;
}

/** One request to sign. */
export interface SignInput {
  method: string;
  /** The full URL the request goes to (path and query as sent on the wire). */
  url: string;
  /** Headers that will be sent (any case); every signable one is signed. */
  headers: Record<string, string>;
  /** The body as sent (a string is UTF-8 encoded). */
  body?: string | Uint8Array;
  credentials: AwsCredentials;
  region: string;
  service: string;
  /** Signing time, epoch ms. */
  now: number;
  /** Adds (and signs) `x-amz-content-sha256` with the payload hash, as the AWS SDK does. Default false. */
  contentSha256Header?: boolean;
  /** Signs `content-length` (the body's byte length), as the AWS SDK does; the transport sends the same value. Default false. */
  signContentLength?: boolean;
}

/** What signing adds to the request headers, and what it signed (for diagnostics and tests). */
export interface SignResult {
  /** Headers to add: `authorization`, `x-amz-date`, and `x-amz-security-token` / `x-amz-content-sha256` when applicable. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signedHeaders: string;
  signature: string;
}

/** The signing algorithm identifier. */
export const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";

/**
 * Headers never signed: hop-by-hop headers and those a proxy or the runtime may change (the AWS SDK's list),
 * plus `proxy-*` and `sec-*`.
 */
const UNSIGNABLE: ReadonlySet<string> = new Set([
  "authorization", "cache-control", "connection", "expect", "from", "keep-alive", "max-forwards", "pragma", "referer",
  "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
]);

const ENCODER = /* @__PURE__ */ new TextEncoder();

function subtle(): SubtleCrypto {
  const crypto = (globalThis as { crypto?: Crypto }).crypto;
  if (!crypto?.subtle) throw new Error("[modelmesh] [aws.bedrock.v1] SigV4 signing needs Web Crypto (globalThis.crypto.subtle), which this runtime lacks");
  return crypto.subtle;
}

function toBytes(data: string | Uint8Array): Uint8Array<ArrayBuffer> {
  return (typeof data === "string" ? ENCODER.encode(data) : new Uint8Array(data)) as Uint8Array<ArrayBuffer>;
}

/** Lower-case hex of bytes. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = "";
  for (let i = 0; i < view.length; i++) out += view[i]!.toString(16).padStart(2, "0");
  return out;
}

/** Hex SHA-256 of a string (UTF-8) or bytes. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return toHex(await subtle().digest("SHA-256", toBytes(data)));
}

/** HMAC-SHA256 of `data` under `key`. */
export async function hmacSha256(key: string | Uint8Array, data: string): Promise<Uint8Array> {
  const imported = await subtle().importKey("raw", toBytes(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await subtle().sign("HMAC", imported, toBytes(data)));
}

/** The SigV4 signing key: HMAC chain over date, region, service and `aws4_request`, keyed by `AWS4` + secret. */
export async function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Promise<Uint8Array> {
  const kDate = await hmacSha256(`AWS4${secretAccessKey}`, date);
  const kRegion = await hmacSha256(kDate, region);
  const kService = await hmacSha256(kRegion, service);
  return hmacSha256(kService, "aws4_request");
}

/** RFC 3986 encoding (unreserved characters kept), as SigV4 requires: also `!'()*`. */
export function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `20150830T123600Z` of an epoch-ms time. */
export function amzDate(now: number): string {
  return new Date(now).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/**
 * The canonical URI of a non-S3 service: the path as sent, with empty and `.` segments removed and `..`
 * resolved, each segment URI-encoded once more (so `%3A` becomes `%253A`); `/` kept.
 */
export function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const joined = `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`;
  return uriEscape(joined).replace(/%2F/g, "/");
}

/** The canonical query: pairs decoded, RFC 3986-encoded, sorted by name then value, joined with `&`. */
export function canonicalQuery(search: string): string {
  const query = search.startsWith("?") ? search.slice(1) : search;
  if (query === "") return "";
  const pairs = query
    .split("&")
    .filter((part) => part !== "")
    .map((part) => {
      const at = part.indexOf("=");
      const name = at === -1 ? part : part.slice(0, at);
      const value = at === -1 ? "" : part.slice(at + 1);
      return [uriEscape(safeDecode(name)), uriEscape(safeDecode(value))] as const;
    });
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

/** Canonical headers (sorted, lower-cased, values trimmed with inner whitespace collapsed) and their names. */
export function canonicalHeaders(headers: Record<string, string>): { canonical: string; signed: string } {
  const byName = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (UNSIGNABLE.has(lower) || lower.startsWith("proxy-") || lower.startsWith("sec-")) continue;
    const clean = String(value).trim().replace(/\s+/g, " ");
    byName.set(lower, byName.has(lower) ? `${byName.get(lower)},${clean}` : clean);
  }
  const names = [...byName.keys()].sort();
  return { canonical: names.map((name) => `${name}:${byName.get(name)}\n`).join(""), signed: names.join(";") };
}

/** The parts of a canonical request; `path` is the path as sent (see {@link canonicalPath}). */
export interface CanonicalRequestInput {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  payloadHash: string;
}

/** Builds the canonical request and its signed-header list. */
export function canonicalRequest(input: CanonicalRequestInput): { request: string; signedHeaders: string } {
  const { canonical, signed } = canonicalHeaders(input.headers);
  return { request: [input.method.toUpperCase(), canonicalPath(input.path), canonicalQuery(input.query), canonical, signed, input.payloadHash].join("\n"), signedHeaders: signed };
}

/** `host[:port]` as sent in the `Host` header (default ports omitted, as URL.host does). */
function hostOf(url: URL): string {
  return url.host;
}

/**
 * Signs one request: returns the headers to add. The signed headers are `host`, every header in
 * `input.headers` except the unsignable ones, `x-amz-date`, `x-amz-security-token` (temporary credentials),
 * and, when asked, `x-amz-content-sha256` and `content-length`.
 */
export async function signRequest(input: SignInput, keys: SigningKeyCache = new SigningKeyCache()): Promise<SignResult> {
  const url = new URL(input.url);
  const body = input.body ?? "";
  const payloadHash = await sha256Hex(body);
  const date = amzDate(input.now);
  const added: Record<string, string> = { "x-amz-date": date };
  if (input.credentials.sessionToken) added["x-amz-security-token"] = input.credentials.sessionToken;
  if (input.contentSha256Header) added["x-amz-content-sha256"] = payloadHash;
  const toSign: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    const lower = name.toLowerCase();
    // A caller's own copy of what signing sets is replaced, never signed twice.
    if (lower === "host" || lower === "authorization" || lower in added) continue;
    toSign[lower] = value;
  }
  toSign.host = hostOf(url);
  if (input.signContentLength) toSign["content-length"] = String(toBytes(body).byteLength);
  Object.assign(toSign, added);
  const { request, signedHeaders } = canonicalRequest({ method: input.method, path: url.pathname, query: url.search, headers: toSign, payloadHash });
  const day = date.slice(0, 8);
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = `${SIGV4_ALGORITHM}\n${date}\n${scope}\n${await sha256Hex(request)}`;
  const key = await keys.get(input.credentials, day, input.region, input.service);
  const signature = toHex(await hmacSha256(key, stringToSign));
  const authorization = `${SIGV4_ALGORITHM} Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers: { ...added, authorization }, canonicalRequest: request, stringToSign, signedHeaders, signature };
}

/**
 * Keeps the last derived signing key (it changes once a day, or with the credentials): four HMACs saved per
 * request. The key is held only in memory, next to the credentials it came from.
 */
export class SigningKeyCache {
  #last: { credentials: AwsCredentials; secret: string; scope: string; key: Uint8Array } | undefined;

  async get(credentials: AwsCredentials, day: string, region: string, service: string): Promise<Uint8Array> {
    const scope = `${day}/${region}/${service}`;
    const last = this.#last;
    if (last && last.credentials === credentials && last.secret === credentials.secretAccessKey && last.scope === scope) return last.key;
    const key = await deriveSigningKey(credentials.secretAccessKey, day, region, service);
    this.#last = { credentials, secret: credentials.secretAccessKey, scope, key };
    return key;
  }
}
