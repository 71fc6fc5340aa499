/**
 * The `modelmesh` command: `init`, `serve`, `validate`, `explain`, and `secrets` (delegated to `@modelmesh/secrets`). Arguments are parsed by hand (no CLI framework);
 * I/O, environment and signals are injectable so tests run it in-process.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConfigError, createMesh, type ChatCompletionRequest, type Mesh } from "@modelmesh/core";
import type { DetectedProvider } from "modelmesh";
import { createUndiciTransport } from "@modelmesh/cdk/node";
import { runSecretsCommand } from "@modelmesh/secrets";
import { formatSummary, formatTrace } from "./cli-format.js";
import { detectStarterProviders, starterYaml } from "./init.js";
import { CorsOriginError, parseCorsOrigins } from "./cors.js";
import { assertServable, readConfigFile } from "./reload.js";
import { createProxyRegistry, startProxy, type ProxyHandle } from "./server.js";

/** Where the CLI reads and writes; defaults to the process. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Registers a shutdown handler for SIGTERM/SIGINT; returns an unregister function. */
  onSignal: (handler: (signal: string) => void) => () => void;
  /** Called by `serve` once listening (tests use it to reach the server). */
  onListening?: (handle: ProxyHandle) => void;
  /** Reads all of stdin (`secrets set NAME` without a value). Absent: `set` needs the value as an argument. */
  readStdin?: () => Promise<string>;
}

const USAGE = `modelmesh — the ModelMesh OpenAI-compatible proxy

Usage:
  modelmesh init     [--output modelmesh.yaml] [--force] [--stdout]
  modelmesh serve    [--config modelmesh.yaml] [--port N] [--host H] [--no-watch] [--allow-auth-downgrade]
                     [--cors-origin ORIGIN]...
  modelmesh validate [--config modelmesh.yaml]
  modelmesh explain  [--config modelmesh.yaml] --model NAME [--message "text"] [--tools] [--stream] [--json]
  modelmesh secrets  set NAME [VALUE] | get NAME | list | delete NAME | import FILE  [--store KIND] [--path FILE]
  modelmesh <command> --help

init      writes a starter modelmesh.yaml from the provider keys found in the environment (OPENAI_API_KEY, …).
serve     starts the proxy (default 127.0.0.1:8080); reloads the config on change; stops on SIGTERM / SIGINT.
validate  builds the mesh from the config without calling any upstream: a summary, or every problem.
explain   dry run: where a request for NAME would go and why. No upstream call.
secrets   manages the secrets that \${secrets:NAME} reads, in a file store.

Without --config, modelmesh.yaml (or .yml) in the working directory is used. Exit 0 done, 1 failed, 2 usage error.
Values resolved from \${env:NAME} / \${secrets:NAME} are never printed: output shows the reference instead.
`;

/** `modelmesh <command> --help`. */
const COMMAND_HELP: Readonly<Record<string, string>> = {
  init: `modelmesh init [--output FILE] [--force] [--stdout]

Writes a starter config: one provider for every vendor whose key is in the environment (OPENAI_API_KEY,
ANTHROPIC_API_KEY, GEMINI_API_KEY, GROQ_API_KEY, …, or OLLAMA_HOST and the like for a local server: the
variables modelmesh's create() detects) and a "chat" pool over them. Keys are written as \${env:NAME} references, never as values. The file is
then loaded as \`validate\` would (no upstream call) and its summary printed.

  --output FILE  where to write (default modelmesh.yaml in the working directory)
  --force        replace an existing file (without it, an existing file is left alone: exit 1)
  --stdout       print the config instead of writing a file

Exit 0 written, 1 nothing written (no key found, the file exists, or the config does not load), 2 usage error.
`,
  serve: `modelmesh serve [--config FILE] [--port N] [--host H] [--no-watch] [--allow-auth-downgrade] [--cors-origin ORIGIN]...

Starts the proxy (default 127.0.0.1:8080, or proxy.host / proxy.port; --port 0 picks a free port), prints its
OpenAI base URL, reloads the config when the file changes, and stops gracefully on SIGTERM / SIGINT (exit 0).
A reload is refused (the running config stays, the log says why) when the new file is invalid, has no enabled
provider (e.g. empty or comment-only), or turns off proxy.auth while it is enforced.

  --config FILE           the config (default modelmesh.yaml or .yml in the working directory)
  --port N, --host H      where to listen (override proxy.port / proxy.host)
  --no-watch              do not reload the config when the file changes
  --allow-auth-downgrade  let a reload turn proxy.auth off (absent or enabled: false); logged as a warning
  --cors-origin ORIGIN    let web pages from ORIGIN call the /v1 endpoints (CORS): an exact origin such as
                          https://app.example.com or http://localhost:5173 (scheme://host[:port], no path, no
                          trailing slash), or * for any origin. Repeat the flag or separate origins with commas.
                          Turns CORS on; added to proxy.cors.origins and kept across reloads. Never covers
                          /admin/*. Browsers still need a token from proxy.auth when auth is on.
`,
  validate: `modelmesh validate [--config FILE]

Builds the mesh from the config without calling any upstream: exit 0 with a summary of providers, models and
pools, or exit 1 with every problem (its path and line). A config needs at least one enabled provider.
`,
  explain: `modelmesh explain [--config FILE] --model NAME [--message "text"] [--tools] [--stream] [--json]

Dry run: how NAME (a pool, a capability such as chat-completion, or a model id) resolves, the requirements
derived from the request, every candidate with why it is (not) eligible, and the pick. No upstream call.

  --message "text"  the user message of the request (default "Hello")
  --tools           the request carries a tool (only tool-calling models are eligible)
  --stream          the request streams
  --json            print the trace as JSON

Exit 0 with a pick, 3 when nothing is eligible, 1 on an error, 2 usage error.
`,
};

interface Parsed {
  command?: string;
  flags: Map<string, string | true>;
  /** Every value of a repeatable flag, in order. */
  lists: Map<string, string[]>;
  errors: string[];
}

const VALUE_FLAGS = new Set(["config", "port", "host", "model", "message", "output"]);
const BOOLEAN_FLAGS = new Set(["tools", "stream", "json", "help", "no-watch", "allow-auth-downgrade", "force", "stdout"]);
/** The flags each command takes; any other is a usage error naming the command. */
const COMMAND_FLAGS: Readonly<Record<string, readonly string[]>> = {
  init: ["output", "force", "stdout"],
  serve: ["config", "port", "host", "no-watch", "allow-auth-downgrade", "cors-origin"],
  validate: ["config"],
  explain: ["config", "model", "message", "tools", "stream", "json"],
};
/** Value flags that may be given more than once (every value kept in `lists`). */
const REPEATABLE_FLAGS = new Set(["cors-origin"]);

/** Parses `command --flag value --flag=value --bool`. */
export function parseArgs(argv: readonly string[]): Parsed {
  const parsed: Parsed = { flags: new Map(), lists: new Map(), errors: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h") parsed.flags.set("help", true);
    else if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      if (BOOLEAN_FLAGS.has(name) && eq < 0) parsed.flags.set(name, true);
      else if (VALUE_FLAGS.has(name) || REPEATABLE_FLAGS.has(name)) {
        const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined || (eq < 0 && value.startsWith("--"))) parsed.errors.push(`--${name} needs a value`);
        else {
          parsed.flags.set(name, value);
          if (REPEATABLE_FLAGS.has(name)) parsed.lists.set(name, [...(parsed.lists.get(name) ?? []), value]);
        }
      } else parsed.errors.push(`unknown option ${arg}`);
    } else if (parsed.command === undefined) parsed.command = arg;
    else parsed.errors.push(`unexpected argument ${arg}`);
  }
  return parsed;
}

function defaultIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    readStdin: () => {
      // At a terminal the read waits for the end of input: say so.
      if (process.stdin.isTTY) process.stderr.write("Type the value, then press Enter and Ctrl-D:\n");
      return readAll(process.stdin);
    },
    onSignal: (handler) => {
      const on = (signal: NodeJS.Signals) => handler(signal);
      process.on("SIGTERM", on);
      process.on("SIGINT", on);
      return () => {
        process.off("SIGTERM", on);
        process.off("SIGINT", on);
      };
    },
  };
}

/** Reads a stream to its end as UTF-8 text (the CLI's stdin for `secrets set NAME`). */
export async function readAll(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** Values at least this long are masked wherever they appear; shorter ones (≥ 4) only as a whole word. */
const MASK_ANYWHERE = 8;

/**
 * Masks, in everything the CLI prints, the value of every environment variable the config file references
 * (`${env:NAME}`, and `${secrets:NAME}`, which the default store reads from the environment): the reference is
 * printed instead. The config loader already keeps resolved values out of ConfigErrors; this also covers what
 * other parts print from the config (the `validate` summary, a listen error naming `proxy.host`).
 */
export function referenceMasker(configText: string, env: Record<string, string | undefined>): (text: string) => string {
  const rules = new Map<string, string>();
  for (const match of configText.matchAll(/\$\{(env|secrets):([^\s${}:]+)/g)) {
    const value = env[match[2]!];
    if (value !== undefined && value.length >= 4 && !rules.has(value)) rules.set(value, `\${${match[1]}:${match[2]}}`);
  }
  if (rules.size === 0) return (text) => text;
  const ordered = [...rules].sort(([a], [b]) => b.length - a.length);
  const word = (char: string | undefined) => char !== undefined && /[A-Za-z0-9_]/.test(char);
  return (text) => {
    let out = "";
    let i = 0;
    scan: while (i < text.length) {
      for (const [value, reference] of ordered) {
        if (!text.startsWith(value, i)) continue;
        if (value.length < MASK_ANYWHERE && (word(text[i - 1]) || word(text[i + value.length]))) continue;
        out += reference;
        i += value.length;
        continue scan;
      }
      out += text[i];
      i++;
    }
    return out;
  };
}

function configPath(parsed: Parsed, io: CliIO): string | undefined {
  const flag = parsed.flags.get("config");
  if (typeof flag === "string") return resolve(io.cwd, flag);
  return ["modelmesh.yaml", "modelmesh.yml"].map((name) => resolve(io.cwd, name)).find((path) => existsSync(path));
}

/** Runs the CLI; resolves with the exit code (`serve` resolves once the server has stopped). */
export async function runCli(argv: readonly string[], ioOverrides: Partial<CliIO> = {}): Promise<number> {
  const rawIo: CliIO = { ...defaultIO(), ...ioOverrides };
  let io = rawIo;
  // `secrets` has its own commands and options (and needs no config): everything after it is its argv.
  if (argv[0] === "secrets") return runSecretsCommand(argv.slice(1), { stdout: io.stdout, stderr: io.stderr, env: io.env, cwd: io.cwd, ...(io.readStdin ? { readStdin: io.readStdin } : {}) });
  // `modelmesh help [command]`
  if (argv[0] === "help" && argv.length <= 2) {
    const topic = argv[1];
    if (topic === "secrets") return runSecretsCommand(["--help"], { stdout: io.stdout, stderr: io.stderr, env: io.env, cwd: io.cwd });
    io.stdout(topic !== undefined && COMMAND_HELP[topic] ? COMMAND_HELP[topic] : USAGE);
    return topic === undefined || COMMAND_HELP[topic] ? 0 : 2;
  }
  const parsed = parseArgs(argv);
  if (parsed.command === undefined) {
    io.stdout(USAGE);
    return parsed.flags.has("help") ? 0 : 1;
  }
  if (parsed.command === "secrets") {
    io.stderr("modelmesh: options go after the secrets command: modelmesh secrets <command> [--store KIND] [--path FILE]\n");
    return 2;
  }
  const accepted = COMMAND_FLAGS[parsed.command];
  if (accepted === undefined) {
    io.stderr(`modelmesh: unknown command "${parsed.command}"\n\n${USAGE}`);
    return 2;
  }
  if (parsed.flags.has("help")) {
    io.stdout(COMMAND_HELP[parsed.command]!);
    return 0;
  }
  const foreign = [...parsed.flags.keys()].filter((flag) => !accepted.includes(flag));
  if (foreign.length > 0) parsed.errors.push(...foreign.map((flag) => `${parsed.command} takes no --${flag}`));
  if (parsed.errors.length > 0) {
    io.stderr(`modelmesh: ${parsed.errors.join("; ")}\n\n${COMMAND_HELP[parsed.command]}`);
    return 2;
  }
  if (parsed.command === "init") {
    try {
      return await init(parsed, io);
    } catch (error) {
      io.stderr(`${(error as Error).message}\n`);
      return 1;
    }
  }
  const path = configPath(parsed, io);
  if (path === undefined) {
    io.stderr("modelmesh: no config: pass --config FILE (or put modelmesh.yaml in the working directory)\n");
    return 2;
  }
  const mask = referenceMasker(await readConfigFile(path).catch(() => ""), rawIo.env);
  io = { ...rawIo, stdout: (text) => rawIo.stdout(mask(text)), stderr: (text) => rawIo.stderr(mask(text)) };
  try {
    switch (parsed.command) {
      case "serve":
        return await serve(parsed, path, io);
      case "validate":
        return await withMesh(path, io, async (mesh) => {
          io.stdout(formatSummary(mesh, path));
          return 0;
        });
      case "explain":
        return await explain(parsed, path, io);
      default:
        return 2; // unreachable: commands are checked above
    }
  } catch (error) {
    io.stderr(`${(error as Error).message}\n`);
    return 1;
  }
}

/** Builds a mesh from the file (no upstream call), runs `fn`, closes everything. */
async function withMesh(path: string, io: CliIO, fn: (mesh: Mesh) => Promise<number>): Promise<number> {
  const transport = createUndiciTransport({ keepAliveTimeoutMs: 1_000 });
  try {
    const mesh = await createMesh(await readConfigFile(path), { registry: createProxyRegistry(), transport, env: io.env, file: path });
    try {
      // The proxy's rule (reload.ts): a config without an enabled provider is invalid.
      assertServable(mesh, path);
      return await fn(mesh);
    } finally {
      await mesh.close();
    }
  } finally {
    await transport.close();
  }
}

async function explain(parsed: Parsed, path: string, io: CliIO): Promise<number> {
  const model = parsed.flags.get("model");
  if (typeof model !== "string") {
    io.stderr("modelmesh explain: --model NAME is required (a pool, a capability such as chat-completion, or a model id)\n");
    return 2;
  }
  const message = parsed.flags.get("message");
  const request: ChatCompletionRequest = { model, messages: [{ role: "user", content: typeof message === "string" ? message : "Hello" }] };
  if (parsed.flags.has("tools")) request.tools = [{ type: "function", function: { name: "probe", description: "dry-run tool", parameters: { type: "object", properties: {} } } }];
  if (parsed.flags.has("stream")) request.stream = true;
  return withMesh(path, io, async (mesh) => {
    const trace = await mesh.router.explain(request);
    io.stdout(parsed.flags.has("json") ? `${JSON.stringify(trace, null, 2)}\n` : formatTrace(trace, mesh));
    return trace.final ? 0 : 3;
  });
}

async function serve(parsed: Parsed, path: string, io: CliIO): Promise<number> {
  const portFlag = parsed.flags.get("port");
  const port = typeof portFlag === "string" ? Number(portFlag) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    io.stderr(`modelmesh serve: --port must be an integer 0–65535, got ${String(portFlag)}\n`);
    return 2;
  }
  const hostFlag = parsed.flags.get("host");
  const allowAuthDowngrade = parsed.flags.has("allow-auth-downgrade");
  let corsOrigins: string[];
  try {
    corsOrigins = parseCorsOrigins(parsed.lists.get("cors-origin") ?? []);
  } catch (error) {
    if (!(error instanceof CorsOriginError)) throw error;
    io.stderr(`modelmesh serve: --cors-origin ${JSON.stringify(error.value)} is not an origin: expected * or scheme://host[:port] such as https://app.example.com (http or https; no path, no trailing slash)\n`);
    return 2;
  }
  const handle = await startProxy({
    configPath: path,
    env: io.env,
    log: (line) => io.stderr(`${line}\n`),
    watch: !parsed.flags.has("no-watch"),
    allowAuthDowngrade,
    ...(corsOrigins.length > 0 ? { corsOrigins } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(typeof hostFlag === "string" ? { host: hostFlag } : {}),
  });
  io.stdout(`modelmesh proxy listening on ${handle.url} (OpenAI base URL: ${handle.url}/v1)\n`);
  if (allowAuthDowngrade) io.stderr("modelmesh: --allow-auth-downgrade: a config reload may turn proxy.auth off\n");
  io.onListening?.(handle);
  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const off = io.onSignal((signal) => {
      if (stopping) return;
      stopping = true;
      io.stderr(`modelmesh: ${signal} received, shutting down gracefully\n`);
      void handle.close().finally(() => {
        off();
        resolveStop();
      });
    });
  });
  return 0;
}

async function init(parsed: Parsed, io: CliIO): Promise<number> {
  let providers: DetectedProvider[];
  try {
    providers = detectStarterProviders(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`modelmesh init: nothing was written: ${error.issues.map((issue) => issue.message).join("; ")}\n`);
    return 1;
  }
  const yaml = starterYaml(providers);
  const found = providers.map((p) => `${p.name} (${p.source})`).join(", ");
  if (parsed.flags.has("stdout")) {
    io.stdout(yaml);
    io.stderr(`modelmesh init: providers from the environment: ${found}\n`);
    return 0;
  }
  const output = parsed.flags.get("output");
  const path = resolve(io.cwd, typeof output === "string" ? output : "modelmesh.yaml");
  try {
    await writeFile(path, yaml, { flag: parsed.flags.has("force") ? "w" : "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    io.stderr(`modelmesh init: ${path} exists; left alone (--force replaces it, --stdout prints the config instead)\n`);
    return 1;
  }
  io.stdout(`Wrote ${path} with providers ${found}.\n`);
  return withMesh(path, io, async (mesh) => {
    io.stdout(formatSummary(mesh, path));
    io.stdout(`Next: modelmesh serve --config ${path}\n`);
    return 0;
  });
}
