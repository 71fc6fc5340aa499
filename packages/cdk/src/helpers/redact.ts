/**
 * Structural secret redaction (docs/ARCHITECTURE.md §2.12). Objects are walked key by key BEFORE
 * anything is serialised, so a secret never reaches a log line, an error or a trace — no regex over JSON text.
 */

/** Placeholder written instead of a secret that has no safe prefix to keep. */
export const REDACTED = "***REDACTED***";

/** Exact key names (normalised: lower-case, `-`/`_` removed) that always hold secrets. */
const SECRET_KEYS: ReadonlySet<string> = /* @__PURE__ */ new Set([
  "apikey",
  "xapikey",
  "xgoogapikey",
  "apisecret",
  "authorization",
  "proxyauthorization",
  "token",
  "secret",
  "password",
  "passwd",
  "passphrase",
  "cookie",
  "setcookie",
  "privatekey",
  "credential",
  "credentials",
  "sessionkey",
]);

/** Suffixes (normalised) that mark a secret: `githubToken`, `client_secret`, `openai_api_key`, `db_password`. */
const SECRET_SUFFIXES = ["token", "secret", "password", "apikey", "privatekey"];

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_\s]/g, "");
}

/**
 * True if a property name denotes a secret (`api_key`, `Authorization`, `x-api-key`, `token`, `secret`,
 * `password`, `client_secret`, `accessToken`…). Counters such as `max_tokens` or `prompt_tokens` are not secrets.
 */
export function isSecretKey(key: string, extraKeys: readonly string[] = []): boolean {
  const k = normaliseKey(key);
  if (SECRET_KEYS.has(k)) return true;
  if (SECRET_SUFFIXES.some((suffix) => k.endsWith(suffix))) return true;
  return extraKeys.some((extra) => normaliseKey(extra) === k);
}

/**
 * Masks a secret value, keeping only a harmless vendor prefix: values shorter than 12 characters or
 * containing whitespace → `***` (a prefix of those gives too much away); a `-` or `_` at index 1..6 keeps everything through it
 * (`sk-abc…` → `sk-***`, `ghp_x…` → `ghp_***`); otherwise, for token-like values of 20+ characters, the
 * first 4 (`AIzaSy…` → `AIza***`), else nothing.
 * Authorization values keep only their scheme (`Bearer sk-…` → `Bearer ***`).
 */
export function redactSecret(value: string): string {
  const scheme = /^(Bearer|Basic|Token|Bot)\s+\S/i.exec(value);
  if (scheme) return `${scheme[1]} ***`;
  // Short or free-text values (passphrases) keep nothing: any prefix would give too much away.
  if (value.length < 12 || /\s/.test(value)) return "***";
  const match = /^[^-_]{1,6}[-_]/.exec(value);
  if (match) return `${match[0]}***`;
  return value.length >= 20 ? `${value.slice(0, 4)}***` : "***";
}

/** `Bearer <token>`, `Basic <creds>` and common vendor key shapes inside free text. */
const TEXT_PATTERNS: ReadonlyArray<[RegExp, (match: string, ...groups: string[]) => string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, (_m, scheme) => `${scheme} ***`],
  [/\b(?:sk|pk|rk|ghp|gho|ghs|xox[abp]|sk-ant|sk-proj)[-_][A-Za-z0-9_-]{12,}/g, (m) => redactSecret(m)],
  [/\bAIza[0-9A-Za-z_-]{30,}/g, (m) => redactSecret(m)],
];

/** Masks credentials that appear inside free text (error messages, URLs): bearer tokens and vendor key shapes. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replace] of TEXT_PATTERNS) out = out.replace(pattern, replace as (m: string) => string);
  return out;
}

/** Options of {@link redactObject}. */
export interface RedactOptions {
  /** Additional key names to treat as secrets. */
  extraKeys?: readonly string[];
  /** Also scrub bearer tokens / vendor keys inside string values under non-secret keys. Default true. */
  scrubText?: boolean;
  /** Maximum nesting depth walked; deeper values become `[MaxDepth]`. Default 32. */
  maxDepth?: number;
}

/**
 * Returns a deep copy of `value` with every secret-named property masked (strings via {@link redactSecret},
 * other values as {@link REDACTED}) and credentials in free text scrubbed. Never mutates the input. Handles
 * cycles (`[Circular]`), `Date` (ISO string), `Error` (name/message/code), `Map`, `Headers`-like objects
 * and byte arrays (`[N bytes]`).
 */
export function redactObject<T>(value: T, options: RedactOptions = {}): T {
  const extra = options.extraKeys ?? [];
  const scrub = options.scrubText ?? true;
  const maxDepth = options.maxDepth ?? 32;
  const seen = new WeakSet<object>();

  const walk = (input: unknown, depth: number): unknown => {
    if (typeof input === "string") return scrub ? redactText(input) : input;
    if (typeof input !== "object" || input === null) return input;
    if (depth > maxDepth) return "[MaxDepth]";
    if (input instanceof Date) return Number.isNaN(input.getTime()) ? null : input.toISOString();
    if (ArrayBuffer.isView(input)) return `[${input.byteLength} bytes]`;
    if (seen.has(input)) return "[Circular]";
    seen.add(input);
    try {
      if (Array.isArray(input)) return input.map((item) => walk(item, depth + 1));
      if (input instanceof Error) {
        const code = (input as { code?: unknown }).code;
        return { name: input.name, message: walk(input.message, depth + 1), ...(code !== undefined ? { code } : {}) };
      }
      const entries = entriesOf(input);
      const out: Record<string, unknown> = {};
      for (const [key, inner] of entries) {
        if (isSecretKey(key, extra)) out[key] = typeof inner === "string" ? redactSecret(inner) : inner == null ? inner : REDACTED;
        else out[key] = walk(inner, depth + 1);
      }
      return out;
    } finally {
      seen.delete(input);
    }
  };
  return walk(value, 0) as T;
}

function entriesOf(input: object): Array<[string, unknown]> {
  if (input instanceof Map) return [...input.entries()].map(([k, v]) => [String(k), v]);
  const maybeHeaders = input as { forEach?: unknown; get?: unknown; entries?: () => Iterable<[string, unknown]> };
  if (typeof maybeHeaders.get === "function" && typeof maybeHeaders.entries === "function" && typeof maybeHeaders.forEach === "function") {
    return [...maybeHeaders.entries()];
  }
  return Object.entries(input);
}
