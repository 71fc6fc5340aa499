/**
 * A plain Node script (`node script.mjs`, nothing else keeping the process alive) that awaits one request at
 * top level must get its answer even when the request has to wait (a retry backoff, a Retry-After), and must
 * exit by itself right after: request-scoped timers keep the process alive while the request is pending
 * (packages/core/src/internal/clock.ts, `TimerOptions`) and are all cancelled once it settles.
 *
 * Each case writes a script into a temp dir that imports the built package (dist/index.js) by file URL, and
 * runs it as a real child process with `process.execPath`, against a mock upstream whose first attempt fails.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockProvider, type Fault, type MockProvider } from "@modelmesh/testing/server";

const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const PROMPT = "say hello";
const ANSWER = `echo: ${PROMPT}`;
/** The child is killed after this long. The default first-token and idle timeouts (30 s) are far beyond it. */
const KILL_AFTER_MS = 10_000;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the child had to be killed (it did not exit by itself). */
  killed: boolean;
  stdout: string;
  stderr: string;
  /** Milliseconds between the answer line on stdout and the exit (undefined without an answer line). */
  exitAfterAnswerMs: number | undefined;
}

/** A script that creates a client for the mock, awaits one request at top level and prints the answer. */
function scriptFor(url: string, stream: boolean): string {
  // No retry tuning: the defaults apply (one same-route retry after ~500 ms of backoff).
  const config = {
    providers: {
      mock: { connector: "openai-compatible", config: { base_url: url, api_key: "sk-test" }, models: [{ id: "mock-model", capabilities: ["chat-completion"] }] },
    },
  };
  const request = `{ model: "chat-completion", messages: [{ role: "user", content: ${JSON.stringify(PROMPT)} }]${stream ? ", stream: true" : ""} }`;
  const read = stream
    ? `const stream = await client.chat.completions.create(${request});
let text = "";
for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";`
    : `const completion = await client.chat.completions.create(${request});
const text = completion.choices[0].message.content;`;
  return `import { create } from ${JSON.stringify(pathToFileURL(DIST).href)};
const client = create({ env: {}, config: ${JSON.stringify(config)} });
${read}
console.log("ANSWER " + JSON.stringify(text));
`;
}

/** Runs `source` as `node script.mjs` in a fresh temp dir; kills it after {@link KILL_AFTER_MS}. */
function runScript(source: string): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), "mm-script-"));
  const file = join(dir, "script.mjs");
  writeFileSync(file, source);
  return new Promise<ChildResult>((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd: dir, env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let answeredAt: number | undefined;
    let killed = false;
    child.stdout.setEncoding("utf8").on("data", (data: string) => {
      stdout += data;
      if (answeredAt === undefined && stdout.includes("ANSWER ")) answeredAt = performance.now();
    });
    child.stderr.setEncoding("utf8").on("data", (data: string) => (stderr += data));
    const killer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, KILL_AFTER_MS);
    child.once("error", (error) => {
      clearTimeout(killer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal, killed, stdout, stderr, exitAfterAnswerMs: answeredAt === undefined ? undefined : performance.now() - answeredAt });
    });
  });
}

/** The answer the script printed, or the whole output when there is none (so a failure shows why). */
function printedAnswer(result: ChildResult): string {
  const line = result.stdout.split("\n").find((l) => l.startsWith("ANSWER "));
  return line === undefined ? `no answer; exit ${result.code} ${result.signal ?? ""}\n${result.stdout}\n${result.stderr}` : (JSON.parse(line.slice("ANSWER ".length)) as string);
}

describe("a plain `node script.mjs` whose first attempt fails", () => {
  let mock: MockProvider;
  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error(`build the package first: ${DIST} is missing`);
    mock = await startMockProvider();
  });
  afterAll(async () => {
    await mock?.close();
  });
  beforeEach(() => mock.reset());

  const cases: Array<{ name: string; stream: boolean; fault: Fault }> = [
    { name: "503, then OK", stream: false, fault: { kind: "status", status: 503 } },
    { name: "429 with Retry-After: 1, then OK", stream: false, fault: { kind: "rate-limit", retryAfter: 1 } },
    { name: "streamed: 503, then OK", stream: true, fault: { kind: "status", status: 503 } },
  ];

  it.each(cases)("$name: waits, prints the answer, and exits 0 by itself at once", async ({ stream, fault }) => {
    mock.fault({ path: "/chat/completions", attempts: [1], fault });
    const result = await runScript(scriptFor(mock.url, stream));

    expect(printedAnswer(result)).toBe(ANSWER);
    // Exit code 13 is Node's "unsettled top-level await": the process ran out of work mid-request.
    expect({ code: result.code, signal: result.signal, killed: result.killed }).toEqual({ code: 0, signal: null, killed: false });
    // Nothing request-scoped is left armed after the answer: no deadline, first-token or idle timer holds it.
    expect(result.exitAfterAnswerMs).toBeLessThan(5_000);

    const calls = mock.callsFor("mock-model").filter((call) => call.path.endsWith("/chat/completions"));
    expect(calls.map((call) => ({ attempt: call.attempt, stream: call.stream, fault: call.fault }))).toEqual([
      { attempt: 1, stream, fault: fault.kind },
      { attempt: 2, stream, fault: undefined },
    ]);
  });
});
