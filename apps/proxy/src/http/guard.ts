/**
 * Request checks that keep browsers from being used against the proxy (docs/security.md, "Browsers"):
 *
 * - Host (DNS rebinding): a web page whose DNS name is re-pointed at 127.0.0.1 talks to the proxy as a
 *   same-origin page, with its own name in `Host`. While the proxy is bound to loopback, or whenever
 *   `proxy.allowed_hosts` is set, only `localhost` and loopback addresses on the listening port, plus the
 *   listed names, are accepted (403 `host_not_allowed` otherwise).
 * - Origin (cross-site state changes): while auth is off, a POST that a browser sent from another origin is
 *   refused (403 `origin_not_allowed`) unless that origin is listed in `proxy.cors.origins` (never for
 *   `/admin/*`). Browsers send `Origin` on every cross-origin POST; without it, `Sec-Fetch-Site` decides.
 */
import type { IncomingMessage } from "node:http";
import type { ProxyConfig } from "@modelmesh/core";
import { ProxyHttpError } from "./errors.js";

/** Where the proxy listens (set once the socket is bound). */
export interface ListenAddress {
  host: string;
  port: number;
}

/** True for `localhost`, `127.0.0.0/8` and `::1` (with or without brackets). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1" || /^127(?:\.\d{1,3}){3}$/.test(h) || /^::ffff:127(?:\.\d{1,3}){3}$/.test(h);
}

/** Splits a `Host` header value into name (lower-case, IPv6 without brackets) and port (undefined if absent). */
export function parseHost(value: string): { name: string; port: number | undefined } | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]\s/@]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!match) return undefined;
  const name = match[1]!.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return { name, port: match[2] !== undefined ? Number(match[2]) : undefined };
}

/** True when the Host check is on: bound to loopback, or `allowed_hosts` set (and not `*`). */
export function hostCheckActive(proxy: ProxyConfig, listen: ListenAddress): boolean {
  if (proxy.allowed_hosts?.includes("*")) return false;
  return proxy.allowed_hosts !== undefined || isLoopbackHost(listen.host);
}

/** Host checks of one config and listen address: whether the check is on, and the verdicts so far. */
interface HostVerdicts {
  host: string;
  port: number;
  active: boolean;
  /**
   * Raw `Host` value → accepted, for values up to 300 characters. Bounded: cleared when full (a client sending
   * many names only costs re-checks).
   */
  seen: Map<string, boolean>;
}

const MAX_HOST_VERDICTS = 256;
const MAX_CACHED_HOST_LENGTH = 300;
const hostVerdicts = new WeakMap<ProxyConfig, HostVerdicts>();

function verdictsFor(proxy: ProxyConfig, listen: ListenAddress): HostVerdicts {
  let verdicts = hostVerdicts.get(proxy);
  if (!verdicts || verdicts.host !== listen.host || verdicts.port !== listen.port) {
    verdicts = { host: listen.host, port: listen.port, active: hostCheckActive(proxy, listen), seen: new Map() };
    hostVerdicts.set(proxy, verdicts);
  }
  return verdicts;
}

/**
 * Refuses a `Host` the proxy does not answer to. Accepted: `localhost` or a loopback address with the
 * listening port (no port only when that is 80), and every `allowed_hosts` entry (an entry without a port
 * matches any port). The verdict for a given value is remembered per config (`proxy` objects are replaced,
 * never changed, on reload) and listen address.
 * @throws ProxyHttpError 403 `host_not_allowed`.
 */
export function checkHost(req: IncomingMessage, proxy: ProxyConfig, listen: ListenAddress): void {
  const verdicts = verdictsFor(proxy, listen);
  if (!verdicts.active) return;
  const raw = req.headers.host;
  let allowed = raw !== undefined ? verdicts.seen.get(raw) : false;
  if (allowed === undefined) {
    const host = parseHost(raw!);
    allowed = host !== undefined && hostAllowed(host, proxy.allowed_hosts ?? [], listen.port);
    if (raw!.length <= MAX_CACHED_HOST_LENGTH) {
      if (verdicts.seen.size >= MAX_HOST_VERDICTS) verdicts.seen.clear();
      verdicts.seen.set(raw!, allowed);
    }
  }
  if (allowed) return;
  throw new ProxyHttpError(
    403,
    "invalid_request_error",
    "host_not_allowed",
    "[modelmesh] [proxy] this Host header is not accepted (DNS rebinding protection). Use localhost or a loopback address, or add the name to proxy.allowed_hosts.",
    { closeConnection: true },
  );
}

function hostAllowed(host: { name: string; port: number | undefined }, allowed: readonly string[], listenPort: number): boolean {
  const port = host.port ?? 80;
  if (isLoopbackHost(host.name) && port === listenPort) return true;
  for (const entry of allowed) {
    const parsed = parseHost(entry);
    if (!parsed || parsed.name !== host.name) continue;
    if (parsed.port === undefined || parsed.port === port) return true;
  }
  return false;
}

/**
 * Refuses a state-changing request a browser sent from another site while auth is off (with auth on, a
 * cross-site page cannot attach the bearer token). Allowed: no `Origin` and no cross-site `Sec-Fetch-Site`
 * (non-browser clients), the proxy's own origin (same host and port as `Host`), and, outside `/admin/*`,
 * origins listed in `cors.origins` (`*` included) while CORS is on. `cors` is the CORS in force: `proxy.cors`
 * plus the `--cors-origin` origins.
 * @throws ProxyHttpError 403 `origin_not_allowed`.
 */
export function checkOrigin(req: IncomingMessage, cors: ProxyConfig["cors"], admin: boolean): void {
  const origin = req.headers.origin;
  if (origin === undefined) {
    const site = req.headers["sec-fetch-site"];
    if (site !== "cross-site" && site !== "same-site") return;
  } else {
    if (sameOrigin(origin, req.headers.host)) return;
    if (!admin && cors && cors.enabled !== false && (cors.origins?.includes(origin) || cors.origins?.includes("*"))) return;
  }
  throw new ProxyHttpError(
    403,
    "invalid_request_error",
    "origin_not_allowed",
    "[modelmesh] [proxy] cross-origin requests that change state are refused while proxy.auth is off. Enable proxy.auth, or list the page's origin in proxy.cors.origins (never covers /admin/*).",
  );
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined || origin === "null") return false;
  try {
    const url = new URL(origin);
    return (url.protocol === "http:" || url.protocol === "https:") && url.host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
