/**
 * Connection admission: a cap on open client connections (`proxy.limits.max_connections`) and on open
 * connections per client address (`max_connections_per_ip`, loopback exempt by default), so slow or idle
 * sockets from one source cannot take every file descriptor.
 *
 * Every accepted socket is either admitted (counted until it closes) or marked as over a limit. A marked
 * socket is still parsed by the HTTP server, but only long enough to answer: `/healthz` and `/readyz` are
 * served (liveness stays visible under a flood), anything else gets a fast 503 `server_busy` (global cap) or
 * 429 `too_many_connections` (per-IP cap) and the connection is closed. A marked socket that sends no
 * complete request head within {@link OVER_LIMIT_GRACE_MS} (or half the headers timeout, if shorter) gets the
 * same answer raw and is closed. The HTTP server's own `maxConnections` is set to the cap plus
 * `max(64, cap)` as a hard stop, so over-limit sockets are bounded too: beyond it Node drops new sockets
 * without a word until some close.
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";
import { ProxyHttpError } from "./http/errors.js";
import { normaliseAddress, type EffectiveLimits } from "./limits.js";
import type { ProxyMetrics } from "./metrics.js";

/** How long an over-limit socket may take to send its request head before it is answered raw and closed. */
export const OVER_LIMIT_GRACE_MS = 500;

/** Why a socket was not admitted. */
export type Rejection = "server_busy" | "too_many_connections";

const STATE = Symbol("modelmesh.connection");

interface SocketState {
  rejection?: Rejection;
  timer?: NodeJS.Timeout;
}

type Tracked = Socket & { [STATE]?: SocketState };

/** Counts open connections and admits or marks each new one. */
export class ConnectionGate {
  #open = 0;
  readonly #perIp = new Map<string, number>();

  constructor(
    private readonly limits: () => EffectiveLimits,
    private readonly metrics: ProxyMetrics,
  ) {}

  /** Open admitted connections. */
  get open(): number {
    return this.#open;
  }

  /** Installs the gate on a server (before its own connection handling). */
  install(server: Server): void {
    this.setHardCap(server);
    server.prependListener("connection", (socket: Socket) => this.#onConnection(socket as Tracked));
  }

  /** Sets Node's own `maxConnections` above the cap: the hard stop for over-limit sockets. Follows reloads. */
  setHardCap(server: Server): void {
    server.maxConnections = hardConnectionCap(this.limits().maxConnections);
  }

  #onConnection(socket: Tracked): void {
    const limits = this.limits();
    const address = normaliseAddress(socket.remoteAddress ?? "");
    const fromAddress = this.#perIp.get(address) ?? 0;
    let rejection: Rejection | undefined;
    if (this.#open >= limits.maxConnections) rejection = "server_busy";
    else if (!limits.perIpExempt.has(address) && fromAddress >= limits.maxConnectionsPerIp) rejection = "too_many_connections";
    if (rejection) {
      this.metrics.connectionsRejected.inc({ reason: rejection });
      const state: SocketState = { rejection };
      socket[STATE] = state;
      const grace = Math.min(OVER_LIMIT_GRACE_MS, Math.floor(limits.headersTimeoutMs / 2));
      state.timer = setTimeout(() => answerRaw(socket, rejectionError(rejection)), grace);
      state.timer.unref();
      socket.once("close", () => clearTimeout(state.timer));
      return;
    }
    this.#open++;
    this.#perIp.set(address, fromAddress + 1);
    this.metrics.openConnections.set({}, this.#open);
    socket.once("close", () => {
      this.#open--;
      const left = (this.#perIp.get(address) ?? 1) - 1;
      if (left <= 0) this.#perIp.delete(address);
      else this.#perIp.set(address, left);
      this.metrics.openConnections.set({}, this.#open);
    });
  }
}

/** Node's `maxConnections` for a cap: room for as many over-limit sockets as admitted ones (at least 64). */
export function hardConnectionCap(maxConnections: number): number {
  return maxConnections + Math.max(64, maxConnections);
}

/**
 * The rejection of the socket a request came on, if it was not admitted. Called once the request head has
 * arrived: the raw fallback answer is then no longer needed.
 */
export function rejectionOf(socket: Socket): Rejection | undefined {
  const state = (socket as Tracked)[STATE];
  if (!state) return undefined;
  clearTimeout(state.timer);
  return state.rejection;
}

/** The answer to a request on a connection that was not admitted. */
export function rejectionError(rejection: Rejection): ProxyHttpError {
  return rejection === "server_busy"
    ? new ProxyHttpError(503, "server_error", "server_busy", "[modelmesh] [proxy] too many open connections (proxy.limits.max_connections); retry shortly.", { retryAfterSeconds: 1, closeConnection: true })
    : new ProxyHttpError(429, "rate_limit_error", "too_many_connections", "[modelmesh] [proxy] too many open connections from this address (proxy.limits.max_connections_per_ip); close idle ones or retry shortly.", { retryAfterSeconds: 1, closeConnection: true });
}

const REASONS: Record<number, string> = { 400: "Bad Request", 408: "Request Timeout", 429: "Too Many Requests", 431: "Request Header Fields Too Large", 503: "Service Unavailable" };

/**
 * Writes a complete JSON error answer straight to a socket (no HTTP request object exists, or its head never
 * arrived) and closes it once the bytes are flushed: a half-closed socket whose peer never closes would
 * otherwise keep its file descriptor.
 */
export function answerRaw(socket: Socket, error: ProxyHttpError): void {
  if (socket.destroyed) return;
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ error: { message: error.message, type: error.type, param: null, code: error.code, modelmesh_code: `PROXY_${error.code.toUpperCase()}` } });
  const retry = error.retryAfterSeconds !== undefined ? `retry-after: ${error.retryAfterSeconds}\r\n` : "";
  const head = `HTTP/1.1 ${error.status} ${REASONS[error.status] ?? "Error"}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${retry}connection: close\r\n\r\n`;
  socket.end(head + body, () => socket.destroy());
  // A peer that stops reading must not hold the socket open either.
  setTimeout(() => socket.destroy(), 2_000).unref();
}
