import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError, createMesh, MeshClient, MeshEventBus, type CreateMeshOptions, type EnvRecord, type MeshConfigInput } from "@modelmesh/core";
import { createUndiciTransport } from "@modelmesh/cdk/node";
import { createDefaultRegistry, DETECTABLE_PROVIDERS } from "./catalogue.js";
import { apiKeysEnv, detectProviders, type DetectedProvider, type DetectOptions } from "./detect.js";

/** Options of {@link create}. */
export interface CreateOptions extends DetectOptions {
  /** A YAML/JSON file path, or a config object of the same shape. Wins over everything else. */
  config?: string | MeshConfigInput;
  /** A predefined or configured pool to expose (e.g. `text-generation`), instead of positional capabilities. */
  pool?: string;
  /** Restrict pool membership to these model ids (`openai.gpt-4o`). */
  models?: string[];
  /** Selection strategy for every generated pool (id or alias, e.g. `round-robin`). Default priority-selection (the first-listed healthy model). */
  strategy?: string;
  /** Environment used for detection and `${env:…}` (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Working directory where `modelmesh.yaml` is looked up (default `process.cwd()`). */
  cwd?: string;
  /** Advanced: passed to the core's createMesh (registry, clock, store, transport…). */
  mesh?: Omit<CreateMeshOptions, "env" | "events">;
}

type CreateArgs = [...capabilities: string[]] | [...capabilities: string[], options: CreateOptions];

const CONFIG_FILES = ["modelmesh.yaml", "modelmesh.yml"];

/**
 * Creates an OpenAI-SDK-shaped client that routes by capability.
 *
 * Sources, first match wins: `options.config` (path or object) → `modelmesh.yaml` in the working directory →
 * providers auto-detected from the environment (or only from `options.apiKeys` when given). Returns at once;
 * start-up runs in the background — `await client.ready()` to surface configuration errors at start-up.
 * @example
 * import { create } from "modelmesh";
 * const client = create("chat-completion");
 * const answer = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
 */
export function create(...args: CreateArgs): MeshClient {
  const last = args.at(-1);
  const options: CreateOptions = typeof last === "object" && last !== null ? (last as CreateOptions) : {};
  const capabilities = (args as unknown[]).filter((a): a is string => typeof a === "string");
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const events = new MeshEventBus();
  const meshOptions: CreateMeshOptions = {
    registry: createDefaultRegistry(),
    transport: createUndiciTransport(),
    ...options.mesh,
    env,
    events,
  };

  let source: string | object;
  if (options.config !== undefined) {
    if (typeof options.config === "string") {
      const path = resolve(cwd, options.config);
      source = readConfigFile(path);
      meshOptions.file = options.config;
    } else source = options.config;
  } else {
    const file = CONFIG_FILES.map((name) => resolve(cwd, name)).find((path) => existsSync(path));
    if (file && !options.apiKeys && !options.providers) {
      source = readConfigFile(file);
      meshOptions.file = file;
    } else {
      const generated = generatedConfig(capabilities, options, env);
      source = generated.config;
      meshOptions.env = generated.env;
    }
  }
  return new MeshClient(createMesh(source, meshOptions), events);
}

/** Async variant of {@link create} that resolves once the mesh is ready (start-up errors reject). */
export async function createMeshClient(...args: CreateArgs): Promise<MeshClient> {
  return (create as (...a: unknown[]) => MeshClient)(...args).ready();
}

function readConfigFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (cause) {
    throw new ConfigError({ file: path, issues: [{ path: "", message: `cannot read the config file: ${(cause as Error).message}` }], cause });
  }
}

/**
 * Builds a config from detected providers: one pool per requested capability (pool id = the name as passed).
 * Keys appear in it only as `${env:NAME}` references; the returned env resolves them (explicit `apiKeys` under
 * their variables, detected key variables trimmed as detection read them).
 */
function generatedConfig(capabilities: string[], options: CreateOptions, env: EnvRecord): { config: MeshConfigInput; env: EnvRecord } {
  const detected = detectProviders(DETECTABLE_PROVIDERS, env, options);
  const names = options.pool ? [options.pool] : capabilities;
  if (names.length === 0) {
    throw new ConfigError({ issues: [{ path: "pools", message: 'say what you need: create("chat-completion"), create({ pool: "text-generation" }) or create({ config: "modelmesh.yaml" })' }] });
  }
  const providers = Object.fromEntries(detected.map((d) => [d.name, { connector: d.connector, config: d.config }]));
  const pools = Object.fromEntries(
    names.map((name) => [
      name,
      {
        ...(options.models ? { models: options.models } : { capability: name }),
        ...(options.strategy ? { strategy: options.strategy } : {}),
      },
    ]),
  );
  return { config: { providers, pools } as MeshConfigInput, env: resolutionEnv(env, detected, options) };
}

function resolutionEnv(env: EnvRecord, detected: readonly DetectedProvider[], options: CreateOptions): EnvRecord {
  const overlay: Record<string, string> = options.apiKeys ? apiKeysEnv(DETECTABLE_PROVIDERS, options.apiKeys) : {};
  if (!options.apiKeys) {
    for (const provider of detected) {
      const value = provider.config.api_key !== undefined ? env[provider.source] : undefined;
      if (value !== undefined && value !== value.trim()) overlay[provider.source] = value.trim();
    }
  }
  return Object.keys(overlay).length === 0 ? env : { ...env, ...overlay };
}
