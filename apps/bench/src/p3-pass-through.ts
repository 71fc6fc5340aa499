/**
 * The bare pass-through proxy of P3 (and a side of P2): a minimal `node:http` server that forwards each
 * request, path and body unchanged, to one upstream origin over an undici keep-alive pool and streams the
 * answer back. The request body is read whole first (as any JSON API proxy does; it lets undici send it with a
 * length in one write, which measured ~50 µs faster here than streaming it chunked). No parsing, no routing,
 * no auth: the floor any Node HTTP proxy pays, so the ModelMesh proxy's figures read as "this much above
 * doing nothing".
 */
import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { Pool } from "undici";

/** A running pass-through proxy. */
export interface PassThrough {
  /** `http://127.0.0.1:<port>` (no path: paths are forwarded as they come). */
  origin: string;
  close(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded; undici sets its own host and framing.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"]);

function forwardable(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

/** Reads a request body whole (chat requests are small; a known length lets undici send it in one write). */
function readAll(request: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    request.once("error", reject);
  });
}

/**
 * Starts the pass-through on 127.0.0.1 (port 0 by default) in front of `upstreamOrigin`
 * (`http://127.0.0.1:<port>`).
 */
export async function startPassThrough(upstreamOrigin: string, options: { port?: number; connections?: number } = {}): Promise<PassThrough> {
  const pool = new Pool(upstreamOrigin, { connections: options.connections ?? 256, keepAliveTimeout: 60_000 });
  const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
    readAll(request)
      .then((body) =>
        pool.request({
          method: request.method as "POST",
          path: request.url ?? "/",
          headers: forwardable(request.headers),
          body: body.length > 0 ? body : null,
        }),
      )
      .then(async (upstream) => {
        const length = upstream.headers["content-length"];
        const headers: OutgoingHttpHeaders = forwardable(upstream.headers);
        if (typeof length === "string") headers["content-length"] = length;
        response.writeHead(upstream.statusCode, headers);
        await pipeline(upstream.body, response);
      })
      .catch((error: Error) => {
        if (response.headersSent) {
          response.destroy(error);
          return;
        }
        const body = JSON.stringify({ error: { message: `pass-through: ${error.message}`, type: "upstream_error", code: null } });
        response.writeHead(502, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        response.end(body);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pool.close();
    },
  };
}
