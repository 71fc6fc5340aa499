/**
 * The offline demo: four mock providers on 127.0.0.1, a MeshClient with one pool over them, 25 requests
 * (some streamed) while the script breaks things, and a live view of who answered each request and why.
 */
import type { RouteSnapshot } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { create, getTrace, isModelMeshError, type MeshClient, type MeshEvent, type RoutingTrace } from "modelmesh";
import { describeEvent, explainRequest, formatMs, labelOf } from "./narrate.js";
import { meshConfig, POOL, promptOf, PROVIDERS, REQUEST_COUNT, SCRIPT, STEP_MS, STREAMED } from "./scenario.js";
import { statusBlock, statusKey } from "./status-block.js";
import { createStoryClock, type StoryClock } from "./story-clock.js";
import { TerminalView, type Segment, type ViewOutput } from "./view.js";

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** No pacing: story time jumps between requests (tests, CI). Default false. */
  fast?: boolean;
  /** Where to write. Default `process.stdout`. */
  output?: ViewOutput;
  /** Redraw the status block in place. Default: the output is a TTY. */
  live?: boolean;
  /** Colours. Default: live and NO_COLOR unset. */
  color?: boolean;
  /** Stops the demo early (the mocks and the client are still closed). */
  signal?: AbortSignal;
}

/** What happened to one request. */
export interface RequestRecord {
  /** 1-based. */
  n: number;
  stream: boolean;
  /** Answered completely (the echo of the prompt, whole). */
  ok: boolean;
  /** Route that answered (`primary/primary.swift-1`). */
  routeId?: string;
  /** Upstream model named in the answer (`swift-1`). */
  model?: string;
  text: string;
  attempts: number;
  latencyMs: number;
  /** Story milliseconds at which it was sent. */
  sentAtMs: number;
  /** Stream chunks received. */
  chunks: number;
  /** The narrated reasons shown on its line. */
  why: string[];
  /** Mesh events emitted while it ran. */
  events: MeshEvent[];
  trace?: RoutingTrace;
  error?: { code?: string; message: string };
}

/** What {@link runDemo} resolves with: the whole story, for tests and for the closing summary. */
export interface DemoReport {
  requests: RequestRecord[];
  /** Every mesh event, in order. */
  events: MeshEvent[];
  /** Per mock provider: where it listened and the HTTP statuses it answered, in order (undefined: no answer). */
  providers: Array<{ name: string; model: string; url: string; statuses: Array<number | undefined> }>;
  /** Story time the run covered. */
  storyMs: number;
  /** Wall-clock time the run took. */
  realMs: number;
}

/**
 * Runs the demo to the end and resolves once every mock server and the client are closed. Rejects only on
 * a bug or an abort; failed requests are reported in the result, not thrown.
 * @example
 * const report = await runDemo({ fast: true });
 * console.log(report.requests.every((r) => r.ok));
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const realStart = performance.now();
  const clock = createStoryClock({ fast: options.fast ?? false });
  const view = new TerminalView({ output: options.output ?? process.stdout, live: options.live, color: options.color });
  const mocks: Record<string, MockProvider> = {};
  const allEvents: MeshEvent[] = [];
  const requests: RequestRecord[] = [];
  let client: MeshClient | undefined;
  let unsubscribe = () => {};
  view.open();
  try {
    for (const spec of PROVIDERS) {
      mocks[spec.name] = await startMockProvider({
        models: [{ id: spec.model }],
        now: clock.now,
        chunkDelayMs: options.fast ? 0 : spec.chunkDelayMs,
        ...(spec.requestsPerDay !== undefined ? { dailyQuota: spec.requestsPerDay } : {}),
      });
    }
    const urls = Object.fromEntries(Object.entries(mocks).map(([name, mock]) => [name, mock.url]));
    client = create({ env: {}, config: meshConfig(urls), mesh: { clock } });
    await client.ready();

    let inFlight: RequestRecord | undefined;
    const between: MeshEvent[] = [];
    unsubscribe = client.on("*", (event) => {
      allEvents.push(event);
      (inFlight?.events ?? between).push(event);
    });

    const story = new Story(client, clock, view);
    intro(view, urls);
    await story.refresh();
    view.flush();
    for (let n = 1; n <= REQUEST_COUNT; n++) {
      await clock.advanceTo((n - 1) * STEP_MS, { signal: options.signal, onTick: () => view.live && story.redraw() });
      for (const step of SCRIPT.filter((s) => s.before === n)) {
        step.act(mocks);
        view.line(["  ⚡ ", "yellow"], [step.say, "yellow"]);
      }
      const record: RequestRecord = { n, stream: STREAMED.has(n), ok: false, text: "", attempts: 0, latencyMs: 0, sentAtMs: clock.elapsed(), chunks: 0, why: [], events: [] };
      inFlight = record;
      await story.send(record, options.signal);
      inFlight = undefined;
      requests.push(record);
      story.served(record);
      await story.refresh();
      view.line(...requestLine(record));
      for (const event of between.splice(0)) {
        const phrase = describeEvent(event);
        if (phrase) view.line(["      · ", "dim"], [phrase, "dim"]);
      }
      view.flush();
    }
    await story.refresh();
    view.flush({ force: true });
    summary(view, requests, allEvents, performance.now() - realStart, clock.elapsed());
  } finally {
    unsubscribe();
    await client?.close();
    await Promise.all(Object.values(mocks).map((mock) => mock.close()));
    view.close();
  }
  return {
    requests,
    events: allEvents,
    providers: PROVIDERS.map((spec) => ({ name: spec.name, model: spec.model, url: mocks[spec.name]!.url, statuses: mocks[spec.name]!.calls.map((c) => c.status) })),
    storyMs: clock.elapsed(),
    realMs: performance.now() - realStart,
  };
}

/** Sends the requests and keeps the status block current. */
class Story {
  readonly #client: MeshClient;
  readonly #clock: StoryClock;
  readonly #view: TerminalView;
  readonly #served = new Map<string, number>();
  readonly #quotaResets = new Map<string, number>();
  #routes: RouteSnapshot[] = [];
  #activity: string | undefined;

  constructor(client: MeshClient, clock: StoryClock, view: TerminalView) {
    this.#client = client;
    this.#clock = clock;
    this.#view = view;
  }

  async send(record: RequestRecord, signal: AbortSignal | undefined): Promise<void> {
    const prompt = promptOf(record.n);
    const started = performance.now();
    this.#activity = `#${record.n} ${record.stream ? "streaming" : "waiting"}…`;
    this.redraw();
    try {
      const messages = [{ role: "user" as const, content: prompt }];
      if (record.stream) {
        const stream = await this.#client.chat.completions.create({ model: POOL, messages, stream: true, stream_options: { include_usage: true } }, { signal });
        record.trace = getTrace(stream);
        for await (const chunk of stream) {
          record.chunks++;
          record.model = chunk.model || record.model;
          record.text += chunk.choices[0]?.delta?.content ?? "";
          if (this.#view.live) {
            this.#activity = `#${record.n} streaming from ${labelOf(record.trace?.final?.routeId ?? "?")}: ${record.chunks} chunks`;
            this.redraw();
          }
        }
      } else {
        const completion = await this.#client.chat.completions.create({ model: POOL, messages }, { signal });
        record.trace = getTrace(completion);
        record.model = completion.model;
        record.text = completion.choices[0]?.message.content ?? "";
      }
      record.ok = record.text === `echo: ${prompt}`;
    } catch (error) {
      if (signal?.aborted) throw error;
      record.trace = getTrace(error);
      record.error = { code: isModelMeshError(error) ? error.code : undefined, message: (error as Error).message };
    }
    record.latencyMs = performance.now() - started;
    record.routeId = record.trace?.final?.routeId;
    record.attempts = record.trace?.attempts.length ?? 0;
    record.why = explainRequest(record.trace, record.events);
    this.#activity = undefined;
  }

  served(record: RequestRecord): void {
    if (record.ok && record.routeId) this.#served.set(record.routeId, (this.#served.get(record.routeId) ?? 0) + 1);
    for (const event of record.events) if (event.type === "quota-exhausted") this.#quotaResets.set(event.routeId, event.resetsAt);
  }

  /** Re-reads the route states from the mesh into the status block (shown by the view's next line or flush). */
  async refresh(): Promise<void> {
    this.#routes = (await this.#client.poolStatus(POOL))[POOL] ?? [];
    this.#view.setStatus(this.#block(), statusKey(this.#routes, DAILY_LIMITS));
  }

  /** Redraws the live block from the last snapshots (countdowns move; nothing is asked of the mesh). */
  redraw(): void {
    if (!this.#view.live) return;
    this.#view.setStatus(this.#block());
    this.#view.flush();
  }

  #block(): Segment[][] {
    return statusBlock({
      routes: this.#routes, now: this.#clock.now(), elapsedMs: this.#clock.elapsed(), dailyLimits: DAILY_LIMITS,
      served: this.#served, quotaResets: this.#quotaResets, activity: this.#activity, pool: POOL, strategy: "priority-selection",
    });
  }
}

const DAILY_LIMITS: Readonly<Record<string, number>> = Object.fromEntries(
  PROVIDERS.filter((p) => p.requestsPerDay !== undefined).map((p) => [p.name, p.requestsPerDay!]),
);

function intro(view: TerminalView, urls: Readonly<Record<string, string>>): void {
  view.line(["ModelMesh demo", "bold"], [" — offline: 4 mock providers on 127.0.0.1, no API keys", "dim"]);
  for (const spec of PROVIDERS) view.line("  ", [labelOf(`${spec.name}/${spec.name}.${spec.model}`).padEnd(22), "cyan"], [`${spec.role.padEnd(24)} ${urls[spec.name]}`, "dim"]);
  view.line(["  pool ", "dim"], [POOL, "bold"], [`: priority ${PROVIDERS.map((p) => p.name).join(" > ")}; one retry, standby after 2 failures in a row, 1.3 s cooldown doubling on a failed probe`, "dim"]);
  view.line(["  script: ", "dim"], [SCRIPT.map((s) => `before #${s.before}, ${s.say}`).join("; "), "dim"]);
  view.line("");
}

function requestLine(record: RequestRecord): Segment[] {
  const mark: Segment = record.ok ? ["✓", "green"] : ["✗", "red"];
  const served = record.routeId ? labelOf(record.routeId) : (record.error?.code ?? "failed");
  const attempts = `${record.attempts} attempt${record.attempts === 1 ? "" : "s"}`;
  const kind = record.stream ? `stream ${record.chunks} chunks` : "json";
  return [
    [`#${String(record.n).padStart(2, "0")} `, "bold"],
    mark,
    " ",
    [served.padEnd(22), record.ok ? "cyan" : "red"],
    [kind.padEnd(17), "dim"],
    [attempts.padEnd(11), record.attempts > 1 ? "yellow" : "dim"],
    [formatMs(record.latencyMs).padStart(6), "dim"],
    ["  why: ", "dim"],
    record.why.join(" · ") || (record.error?.message ?? ""),
  ];
}

function summary(view: TerminalView, requests: readonly RequestRecord[], events: readonly MeshEvent[], realMs: number, storyMs: number): void {
  const answered = requests.filter((r) => r.ok).length;
  const byRoute = new Map<string, number>();
  for (const r of requests) if (r.ok && r.routeId) byRoute.set(r.routeId, (byRoute.get(r.routeId) ?? 0) + 1);
  const count = (predicate: (e: MeshEvent) => boolean) => events.filter(predicate).length;
  view.line("");
  view.line([`${answered}/${requests.length} requests answered completely`, answered === requests.length ? "green" : "red"], [` in ${formatMs(realMs)} (story time ${formatMs(storyMs)})`, "dim"]);
  view.line(["  served by: ", "dim"], [...byRoute].map(([id, n]) => `${labelOf(id)} ${n}`).join(" · "));
  view.line(
    ["  routing: ", "dim"],
    [
      `${count((e) => e.type === "rotation")} failovers (${count((e) => e.type === "rotation" && e.reason === "server")} for the outage, ${count((e) => e.type === "rotation" && e.reason === "rate_limit")} for the rate limit)`,
      `${count((e) => e.type === "quota-exhausted")} quota exhausted`,
      `${count((e) => e.type === "route-deactivated")} standbys`,
      `${count((e) => e.type === "route-recovered" && !e.halfOpen)} recoveries`,
    ].join(" · "),
  );
}
