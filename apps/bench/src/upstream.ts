/**
 * The upstream both sides of a benchmark call: a minimal OpenAI-compatible server on 127.0.0.1 that answers
 * every chat completion with the same small JSON body, as fast as node:http allows. It does no work per
 * request beyond reading the body, so the measured difference is the clients', not the server's.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The model the upstream serves (any requested model gets the same answer). */
export const UPSTREAM_MODEL = "bench-model";

/** The answer's text. */
export const UPSTREAM_REPLY = "pong";

/** A running upstream. */
export interface Upstream {
  /** Base URL, `http://127.0.0.1:<port>/v1`. */
  url: string;
  /** Requests answered. */
  readonly requests: number;
  /** Closes the server and every keep-alive connection. */
  close(): Promise<void>;
}

const COMPLETION = Buffer.from(
  JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: 1_767_225_600,
    model: UPSTREAM_MODEL,
    choices: [{ index: 0, message: { role: "assistant", content: UPSTREAM_REPLY, refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  }),
);

const NOT_FOUND = Buffer.from(JSON.stringify({ error: { message: "not found", type: "invalid_request_error", code: null } }));

/** Starts the upstream on an ephemeral port. */
export async function startUpstream(): Promise<Upstream> {
  let requests = 0;
  const server: Server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
    // Drain the body before answering, as a real server does.
    request.on("data", () => {});
    request.on("end", () => {
      requests++;
      const found = request.method === "POST" && request.url === "/v1/chat/completions";
      const body = found ? COMPLETION : NOT_FOUND;
      response.writeHead(found ? 200 : 404, { "content-type": "application/json", "content-length": body.length });
      response.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
