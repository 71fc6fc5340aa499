/**
 * A scripted OpenAI-shaped HTTP upstream on 127.0.0.1 for core's router tests. Core cannot depend on
 * @modelmesh/testing (that package depends on core), so this is a deliberately small server: each request to
 * a model takes the next scripted step for that model (the last step repeats).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Step =
  | { reply: string; usage?: { prompt_tokens: number; completion_tokens: number } }
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { silent: true }
  | { stream: string[]; cutAfter?: number; stallAfter?: number; noDone?: boolean };

export interface Upstream {
  url: string;
  calls: Array<{ model: string; body: Record<string, unknown>; at: number }>;
  callsFor(model: string): number;
  script(model: string, steps: Step[]): void;
  close(): Promise<void>;
}

export async function startUpstream(scripts: Record<string, Step[]> = {}): Promise<Upstream> {
  const steps = new Map<string, Step[]>(Object.entries(scripts));
  const counters = new Map<string, number>();
  const calls: Upstream["calls"] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => void handle(req, res));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    const model = String(body.model);
    calls.push({ model, body, at: Date.now() });
    const list = steps.get(model) ?? [{ reply: `hello from ${model}` }];
    const n = counters.get(model) ?? 0;
    counters.set(model, n + 1);
    const step = list[Math.min(n, list.length - 1)]!;
    if ("silent" in step) return; // never answers
    if ("status" in step) {
      res.writeHead(step.status, { "content-type": "application/json", ...step.headers });
      res.end(JSON.stringify(step.body ?? { error: { message: `scripted ${step.status}`, type: "server_error" } }));
      return;
    }
    if ("stream" in step) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const id = `chatcmpl-${calls.length}`;
      const send = (delta: Record<string, unknown>, finish: string | null = null) =>
        res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
      send({ role: "assistant", content: "" });
      for (let i = 0; i < step.stream.length; i++) {
        if (step.cutAfter !== undefined && i === step.cutAfter) {
          // Flush what was written, then drop the connection mid-stream (no [DONE], no finish_reason).
          res.write(": flush\n\n", () => res.socket?.destroy());
          return;
        }
        if (step.stallAfter !== undefined && i === step.stallAfter) return;
        send({ content: step.stream[i] });
      }
      send({}, "stop");
      res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1, model, choices: [], usage: { prompt_tokens: 3, completion_tokens: step.stream.length, total_tokens: 3 + step.stream.length } })}\n\n`);
      if (!step.noDone) res.write("data: [DONE]\n\n");
      res.end();
      return;
    }
    const usage = step.usage ?? { prompt_tokens: 5, completion_tokens: 3 };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: `chatcmpl-${calls.length}`,
        object: "chat.completion",
        created: 1,
        model,
        choices: [{ index: 0, message: { role: "assistant", content: step.reply }, finish_reason: "stop" }],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      }),
    );
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsFor: (model) => calls.filter((c) => c.model === model).length,
    script(model, list) {
      steps.set(model, list);
      counters.set(model, 0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
