/**
 * A tiny OpenAI-compatible upstream that streams slowly and reports its sockets: how many are open, and how
 * many responses were closed by the client before they finished. Used where the mock provider's handle does
 * not expose its sockets (disconnect propagation, shutdown, stream caps).
 */
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";

/** A running slow upstream. */
export interface SlowUpstream {
  /** Base URL (`http://127.0.0.1:PORT/v1`). */
  url: string;
  /** Sockets open right now. */
  openSockets(): number;
  /** Responses the peer closed before they were complete. */
  abortedResponses(): number;
  /** Requests received. */
  requests(): number;
  close(): Promise<void>;
}

/**
 * Streams `tokens` words, one every `intervalMs` (plain requests get the whole answer after `tokens *
 * intervalMs`). The answer is `w0 w1 … w<n-1>`.
 */
export async function startSlowUpstream(options: { tokens?: number; intervalMs?: number } = {}): Promise<SlowUpstream> {
  const tokens = options.tokens ?? 200;
  const intervalMs = options.intervalMs ?? 20;
  const sockets = new Set<Socket>();
  let aborted = 0;
  let requests = 0;
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      requests++;
      const body = JSON.parse(raw || "{}") as { model?: string; stream?: boolean };
      const base = { id: "chatcmpl-slow", object: "chat.completion.chunk", created: 0, model: body.model ?? "mock-model" };
      const words = Array.from({ length: tokens }, (_, i) => `${i === 0 ? "" : " "}w${i}`);
      res.on("close", () => {
        if (!res.writableFinished) aborted++;
      });
      if (!body.stream) {
        const timer = setTimeout(() => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ id: "chatcmpl-slow", object: "chat.completion", created: 0, model: base.model, choices: [{ index: 0, message: { role: "assistant", content: words.join("") }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: tokens, total_tokens: tokens + 1 } }));
        }, tokens * intervalMs);
        res.on("close", () => clearTimeout(timer));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: "assistant" }, finish_reason: null }] })}\n\n`);
      let i = 0;
      const timer = setInterval(() => {
        if (i < tokens) {
          res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: words[i] }, finish_reason: null }] })}\n\n`);
          i++;
          return;
        }
        clearInterval(timer);
        res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`);
        res.end("data: [DONE]\n\n");
      }, intervalMs);
      res.on("close", () => clearInterval(timer));
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    openSockets: () => sockets.size,
    abortedResponses: () => aborted,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` every 10 ms until it is true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
