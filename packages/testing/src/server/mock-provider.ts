/** The mock provider's HTTP server: lifecycle, request pipeline and call recording. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { invalidApiKey, insufficientQuota, invalidRequest, openAIError, unknownRoute } from "./errors.js";
import type { Exchange, Runtime } from "./exchange.js";
import type { Fault } from "./fault-types.js";
import { FaultBook, isShapingFault } from "./faults.js";
import { Limits } from "./limits.js";
import { DEFAULT_MODELS } from "./models.js";
import { modelOf, type ParsedBody, parseBody, readBody, recordedHeaders } from "./request-body.js";
import { sendError, sendRefusal } from "./respond.js";
import { findRoute } from "./routes.js";
import type { MockProvider, MockProviderOptions, RecordedCall } from "./types.js";

const HOST = "127.0.0.1";

/**
 * Starts an OpenAI-compatible provider on 127.0.0.1 that answers deterministically and injects scripted
 * faults, recording every request. Close it in `afterAll` / `afterEach`.
 *
 * @example
 * const mock = await startMockProvider({ models: [{ id: "gpt-x", contextWindow: 4096 }] });
 * mock.fault({ model: "gpt-x", attempts: [1], fault: { kind: "rate-limit", retryAfter: 1 } });
 * const client = new OpenAI({ baseURL: mock.url, apiKey: "sk-test", maxRetries: 0 });
 * await client.chat.completions.create({ model: "gpt-x", messages: [{ role: "user", content: "hi" }] }); // 429
 * await mock.close();
 */
export async function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  // Read the clock at call time so a fake `Date.now` installed after start is honoured too.
  const now = (): number => (options.now ?? Date.now)();
  const faults = new FaultBook(now);
  // Rules are validated before listening, so a bad rule rejects without leaving a server behind.
  for (const rule of options.faults ?? []) faults.add(rule);
  const models = new Map((options.models ?? DEFAULT_MODELS).map((model) => [model.id, model]));
  const limits = new Limits(options.rateLimitHeaders, options.dailyQuota);
  const calls: RecordedCall[] = [];
  const attempts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const cancellers = new Set<() => void>();
  let sequence = 0;
  let closing: Promise<void> | undefined;

  const delay = (ms: number, response: ServerResponse): Promise<boolean> =>
    new Promise((resolve) => {
      if (closing !== undefined || response.destroyed) return resolve(false);
      const finish = (elapsed: boolean): void => {
        clearTimeout(timer);
        response.off("close", cancel);
        cancellers.delete(cancel);
        resolve(elapsed);
      };
      const cancel = (): void => finish(false);
      const timer = setTimeout(() => finish(true), ms);
      response.once("close", cancel);
      cancellers.add(cancel);
    });

  const server = createServer((request, response) => {
    void dispatch(request, response);
  });
  server.on("connection", (socket: Socket) => {
    if (closing !== undefined) return socket.destroy();
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const port = await listen(server, options.port ?? 0);
  const runtime: Runtime = { options, models, now, origin: `http://${HOST}:${port}`, limits, delay };

  async function dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // A client that hangs up mid-answer surfaces as EPIPE / ECONNRESET here; it is the client's business.
    request.on("error", () => {});
    response.on("error", () => {});
    if (options.cors && allowCors(request, response)) return;
    let raw: Buffer;
    try {
      raw = await readBody(request);
    } catch {
      return;
    }
    if (closing !== undefined) return void request.socket.destroy();
    const parsed = parseBody(raw, request.headers["content-type"] ?? "");
    const call = record(request, parsed);
    try {
      await answer(request, response, call, parsed);
    } catch (error) {
      // A throwing `options.reply` is a test bug: report it to the client as a 500 rather than hang.
      if (response.headersSent) return void response.destroy();
      const exchange = exchangeFor(request, response, call, parsed, undefined);
      sendError(exchange, 500, openAIError(String(error), "server_error"));
    }
  }

  function record(request: IncomingMessage, parsed: ParsedBody): RecordedCall {
    const model = modelOf(parsed.body);
    const attempt = (attempts.get(model ?? "") ?? 0) + 1;
    attempts.set(model ?? "", attempt);
    const stream = (parsed.body as { stream?: unknown } | undefined)?.stream === true;
    const call: RecordedCall = {
      n: (sequence += 1),
      attempt,
      path: new URL(request.url ?? "/", runtime.origin).pathname,
      method: request.method ?? "GET",
      ...(model === undefined ? {} : { model }),
      stream,
      body: parsed.body,
      headers: recordedHeaders(request.headers),
      at: now(),
    };
    calls.push(call);
    return call;
  }

  function exchangeFor(
    request: IncomingMessage,
    response: ServerResponse,
    call: RecordedCall,
    parsed: ParsedBody,
    fault: Fault | undefined,
  ): Exchange {
    return { request, response, call, body: parsed.body, files: parsed.files, fault, runtime };
  }

  /** The pipeline: route, auth, body validity, scripted faults, daily quota, then the handler. */
  async function answer(
    request: IncomingMessage,
    response: ServerResponse,
    call: RecordedCall,
    parsed: ParsedBody,
  ): Promise<void> {
    const plain = exchangeFor(request, response, call, parsed, undefined);
    const route = findRoute(call.method, call.path);
    if (route === undefined) return sendError(plain, 404, unknownRoute(call.method, call.path));
    if (!route.guarded) return route.handle(plain);
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendError(plain, 401, invalidApiKey());
    }
    if (parsed.invalidJson) {
      return sendError(plain, 400, invalidRequest("We could not parse the JSON body of your request."));
    }
    const fault = faults.match({ model: call.model, path: call.path, attempt: call.attempt, body: parsed.body });
    if (fault !== undefined) {
      call.fault = fault.kind;
      if (!isShapingFault(fault)) return sendRefusal(plain, fault);
    }
    if (limits.quotaExhausted) {
      call.fault = "daily-quota";
      return sendError(plain, 429, insufficientQuota());
    }
    await route.handle(exchangeFor(request, response, call, parsed, fault));
  }

  return {
    url: `${runtime.origin}/v1`,
    port,
    calls,
    callsFor: (model) => calls.filter((call) => call.model === model),
    fault: (rule) => faults.add(rule),
    reset() {
      calls.length = 0;
      faults.clear();
      attempts.clear();
      limits.reset();
      sequence = 0;
    },
    resetQuota: () => limits.resetQuota(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const cancel of [...cancellers]) cancel();
        server.close(() => resolve());
        // Stalled streams, unanswered requests and idle keep-alive connections would all keep `close` waiting.
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, HOST, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * `cors: true`: every answer may be read by a page of any origin (a browser client calling the mock across
 * origins), with every header exposed; a preflight (`OPTIONS`) is answered here, not recorded. True when the
 * request was a preflight and is answered.
 */
function allowCors(request: IncomingMessage, response: ServerResponse): boolean {
  response.setHeader("access-control-allow-origin", "*");
  response.setHeader("access-control-expose-headers", "*");
  if (request.method !== "OPTIONS") return false;
  const asked = request.headers["access-control-request-headers"];
  response.writeHead(204, {
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": typeof asked === "string" && asked !== "" ? asked : "authorization, content-type",
    "access-control-max-age": "600",
    "content-length": 0,
  });
  response.end();
  return true;
}
