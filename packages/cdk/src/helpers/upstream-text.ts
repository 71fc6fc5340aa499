/**
 * Upstream error text, made fit for an error message. Messages reach clients (the proxy relays them), and an
 * upstream's error text may carry what its operator never meant to publish: internal URLs and addresses, or
 * a dump of request/response headers from a gateway in front of it. {@link sanitizeUpstreamText} keeps the
 * human reason and drops the rest; the raw text (secrets redacted, capped at {@link MAX_UPSTREAM_RAW}) goes to
 * the error's `metadata.upstreamBody`, for logs only.
 */

/** Longest upstream text quoted in an error message (characters). */
export const MAX_UPSTREAM_MESSAGE = 300;

/** Longest raw upstream text kept in an error's metadata (characters). */
export const MAX_UPSTREAM_RAW = 64 * 1024;

/** Only this much of the text is examined: the message needs far less, and it bounds the pattern work. */
const EXAMINED = 4 * 1024;

/** Header names without a hyphen that gateways commonly dump. */
const BARE_HEADERS = "host|server|via|date|cookie|connection|authorization|forwarded|location|origin|referer|upgrade|accept|expect|pragma|vary|age|etag|allow|link|warning|te|trailer";

/** `Name-With-Hyphen: value` or a well-known bare header name, at the start of a line. */
const HEADER_LINE = /* @__PURE__ */ new RegExp(`^\\s*(?:[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+|${BARE_HEADERS})\\s*:`, "i");

/** A status line (`HTTP/1.1 502 Bad Gateway`) or a request line (`POST /v1/chat HTTP/1.1`). */
const HTTP_LINE = /^\s*(?:HTTP\/\d(?:\.\d)?\s+\d{3}\b|[A-Z]{3,7}\s+\S+\s+HTTP\/\d)/;

/** What is replaced inside kept lines, in order. */
const MASKS: ReadonlyArray<[RegExp, string]> = [
  // Any URL with a scheme (http, https, ws, grpc, …).
  [/\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'<>`]+/gi, "<url>"],
  // Bracketed IPv6, with an optional port.
  [/\[[0-9a-f:.]{2,45}\](?::\d{1,5})?/gi, "<address>"],
  // IPv4, with an optional port.
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g, "<address>"],
  // host.name:port (a dotted name whose last label is alphabetic) and localhost:port.
  [/\b(?:[a-z0-9-]{1,63}\.){1,10}[a-z][a-z0-9-]{0,62}:\d{1,5}\b/gi, "<address>"],
  [/\blocalhost:\d{1,5}\b/gi, "<address>"],
];

/**
 * Returns `text` (already scrubbed of secrets by the caller) fit for an error message: on one line, without
 * header-dump lines (when the text has several lines), with URLs and network addresses replaced by `<url>` /
 * `<address>`, and cut to `maxChars` (an ellipsis marks the cut). Empty when nothing readable is left.
 */
export function sanitizeUpstreamText(text: string, maxChars = MAX_UPSTREAM_MESSAGE): string {
  const examined = text.length > EXAMINED ? text.slice(0, EXAMINED) : text;
  const lines = examined.split(/\r\n|\r|\n/);
  const kept = lines.length > 1 ? lines.filter((line) => !HEADER_LINE.test(line) && !HTTP_LINE.test(line)) : lines;
  let out = kept.join(" ");
  for (const [pattern, replacement] of MASKS) out = out.replace(pattern, replacement);
  out = out.replace(/\s+/g, " ").trim();
  if (out.length > maxChars) out = `${out.slice(0, maxChars - 1).trimEnd()}…`;
  return out;
}

/** The raw upstream text for `metadata.upstreamBody`: secrets removed by `redact`, cut to {@link MAX_UPSTREAM_RAW}. */
export function rawUpstreamText(text: string, redact: (text: string) => string): string {
  // Redact before cutting, so a secret straddling the cut cannot leave a readable prefix behind.
  const redacted = redact(text);
  return redacted.length > MAX_UPSTREAM_RAW ? redacted.slice(0, MAX_UPSTREAM_RAW) : redacted;
}
