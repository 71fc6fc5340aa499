import { REDACTED, isSecretKey, redactText } from "../helpers/redact.js";

/**
 * Structural header redaction (docs/ARCHITECTURE.md §2.12): secret-bearing headers (`authorization`, `api-key`,
 * `x-api-key`, `x-goog-api-key`, cookies, anything named like a token or secret) are replaced before headers
 * reach an error, an event, a log or a trace. Names are matched case-insensitively via `isSecretKey`.
 */

/** True when a header of this name carries a secret. */
export function isSecretHeader(name: string): boolean {
  return isSecretKey(name);
}

/** Returns a copy with lower-cased names and every secret header value replaced by the redaction marker. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    out[lower] = isSecretKey(lower) ? REDACTED : value;
  }
  return out;
}

/**
 * Removes secrets from free text (e.g. an upstream error message that echoes the key): every occurrence of
 * the given secret values (8+ characters; shorter values are not keys and would mangle words), then bearer
 * tokens and vendor key shapes.
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 8) out = out.split(secret).join(REDACTED);
  }
  return redactText(out);
}
