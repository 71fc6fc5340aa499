/**
 * A webhook receiver on 127.0.0.1 (real `node:http`, port 0) whose answers are scripted: each request takes
 * the next step of `plan` (then `fallback`, default 200): a status with optional headers, `drop` (the socket is
 * destroyed before any answer) or `hang` (never answered until the receiver closes). Only requests answered
 * with a 2xx count as delivered.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Step = number | { status: number; headers?: Record<string, string> } | "drop" | "hang";

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: { records: Array<Record<string, unknown>> };
  raw: string;
  answer: Step;
}

export interface Receiver {
  url: string;
  /** Every request, in arrival order, whatever it was answered. */
  requests: ReceivedRequest[];
  /** Records of the requests answered 2xx, in order. */
  delivered(): Array<Record<string, unknown>>;
  /** Steps for the next requests. */
  plan: Step[];
  /** Answer once `plan` is empty. */
  fallback: Step;
  /** Stops listening (connections refused) until `resume()`; the port stays the receiver's. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(plan: Step[] = [], fallback: Step = 200): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const receiver: Receiver = {
    url: "",
    requests,
    plan,
    fallback,
    delivered: () => requests.filter((r) => typeof stepStatus(r.answer) === "number" && stepStatus(r.answer)! < 300).flatMap((r) => r.body.records),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    resume: () => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve)),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const answer = receiver.plan.length > 0 ? receiver.plan.shift()! : receiver.fallback;
      requests.push({ headers: request.headers, body: JSON.parse(raw) as ReceivedRequest["body"], raw, answer });
      if (answer === "drop") return void request.socket.destroy();
      if (answer === "hang") return void hanging.add(response);
      const status = stepStatus(answer)!;
      const headers = typeof answer === "object" ? (answer.headers ?? {}) : {};
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(status < 300 ? '{"ok":true}' : '{"error":"scripted"}');
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${port}/hooks/modelmesh`;
  return receiver;
}

function stepStatus(step: Step): number | undefined {
  return typeof step === "number" ? step : typeof step === "object" ? step.status : undefined;
}

/** Polls `condition` (every few ms) until it holds; fails after `timeoutMs` with `what`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hooks/modelmesh`;
}
