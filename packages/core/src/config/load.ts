/**
 * The config loader: text (YAML or JSON) or an object → interpolation → schema → reference checks →
 * a normalised {@link MeshConfig}, or ONE `ConfigError` listing every problem with its path and, for
 * text sources, its line and column. Core reads no files: the caller passes the text (and `file` for
 * messages).
 */
import type { CapabilityTreeView } from "../capability/types.js";
import { interpolateConfig, type InterpolateOptions } from "./interpolate.js";
import { ConfigError } from "../errors/errors.js";
import type { ResolvedSite } from "./interpolate.js";
import { configErrorMap, fromZodIssues, scrubMessage, toConfigError, type ConfigPath, type ConfigIssueDraft } from "./issues.js";
import { validateReferences } from "./references.js";
import { getIn, isRecord } from "./schema-checks.js";
import { CONFIG_SECTIONS, meshConfigSchema, type MeshConfig } from "./schema.js";
import { toSourcePath } from "./source-paths.js";
import { parseYamlSource, type YamlSource } from "./yaml-source.js";

/** Options of {@link parseConfigObject}. */
export interface ParseConfigOptions {
  /** Source file name, shown in the error. */
  file?: string;
  /** Capability tree: checks model/pool capabilities and stores their full paths. */
  tree?: CapabilityTreeView;
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions extends ParseConfigOptions, InterpolateOptions {}

function isPrefix(prefix: ConfigPath, path: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => String(segment) === String(path[i]));
}

/** `pools:` with nothing under it is YAML null; treat such empty sections as absent. */
function dropNullSections(doc: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(doc).filter(([, value]) => value !== null));
}

/** Schema + normalisation + reference checks; issues under `skip` paths (failed interpolation) are dropped. */
function parseStage(
  value: unknown,
  tree: CapabilityTreeView | undefined,
  skip: readonly ConfigPath[] = [],
): { config?: MeshConfig; issues: ConfigIssueDraft[] } {
  if (value === undefined) value = {};
  if (!isRecord(value)) return { issues: [{ path: [], message: "expected a mapping of config sections at the top level" }] };
  const doc = dropNullSections(value);
  const result = meshConfigSchema.safeParse(doc, { error: configErrorMap });
  if (!result.success) {
    const issues = fromZodIssues(result.error.issues, CONFIG_SECTIONS);
    return { issues: issues.filter((issue) => !skip.some((path) => isPrefix(path, issue.path))) };
  }
  const extended = tree ? withCustomNodes(tree, result.data.capabilities) : { tree, issues: [] };
  if (extended.issues.length > 0) return { issues: extended.issues };
  const checked = validateReferences(result.data, extended.tree ? { tree: extended.tree } : {});
  return { config: checked.config, issues: checked.issues.map((issue) => ({ ...issue, path: toSourcePath(issue.path, doc) })) };
}

/** A tree that can be extended (the shipped `CapabilityTree`); plain views are used as they are. */
interface ExtensibleTree extends CapabilityTreeView {
  clone(): ExtensibleTree;
  add(path: string): unknown;
}

/** Adds the config's custom capability nodes to a copy of the tree (the caller's tree is never mutated). */
function withCustomNodes(tree: CapabilityTreeView, paths: readonly string[]): { tree: CapabilityTreeView; issues: ConfigIssueDraft[] } {
  if (paths.length === 0) return { tree, issues: [] };
  const extensible = tree as Partial<ExtensibleTree>;
  if (typeof extensible.clone !== "function") {
    return { tree, issues: [{ path: ["capabilities"], message: "custom capability nodes need an extensible capability tree" }] };
  }
  const copy = extensible.clone();
  const issues: ConfigIssueDraft[] = [];
  paths.forEach((path, index) => {
    try {
      if (!copy.has(path)) copy.add(path);
    } catch (error) {
      issues.push({ path: ["capabilities", index], message: String((error as Error).message).replace(/^\[modelmesh\] \[[^\]]*\] /, "") });
    }
  });
  return { tree: copy, issues };
}

/**
 * Validates and normalises an already-interpolated config object (no `${…}` resolution, no I/O).
 * @throws ConfigError listing every problem.
 */
export function parseConfigObject(value: unknown, options: ParseConfigOptions = {}): MeshConfig {
  const { config, issues } = parseStage(value, options.tree);
  if (issues.length > 0 || !config) throw toConfigError(issues, options.file !== undefined ? { file: options.file } : {});
  return config;
}

/**
 * Loads a config from YAML/JSON text or from an object of the same shape.
 *
 * Steps: parse (syntax errors carry line/column) → resolve `${env:…}` and `${secrets:…}` (the `secrets`
 * section first) → schema with normalisation → reference checks. All problems are collected and thrown
 * together as one `ConfigError` (`MM_SECRET_MISSING` when every problem is a missing env var or secret,
 * else `MM_CONFIG_INVALID`); resolved values never appear in it.
 * @example
 * const config = await loadConfig(await readFile("modelmesh.yaml", "utf8"), {
 *   file: "modelmesh.yaml",
 *   resolveSecret: async (name) => store.get(name),
 * });
 */
export async function loadConfig(source: string | object, options: LoadConfigOptions = {}): Promise<MeshConfig> {
  return (await loadConfigWithRedaction(source, options)).config;
}

/** A loaded config plus what is needed to keep its resolved values out of later errors. */
export interface LoadedConfig {
  config: MeshConfig;
  /**
   * Makes an error raised while the config is put to use (connector config validation, connector
   * start-up) safe to print: a `ConfigError` is rebuilt with every value that came from `${env:…}` /
   * `${secrets:…}` shown as its reference and with the file name; any other error has those values
   * replaced in its message and stack. Returns the error to throw.
   */
  redactError(error: unknown): unknown;
  /**
   * True when the source itself sets `path` (after interpolation), as opposed to a default filling it in:
   * `given(["storage", "sync_policy"])`. Paths are those of the source, before normalisation.
   */
  given(path: readonly string[]): boolean;
  /**
   * A `ConfigError` for problems found while the config is put to use (checks that need a created
   * connector): located in the YAML source and redacted like the loader's own errors.
   */
  configError(issues: readonly ConfigIssueDraft[]): ConfigError;
}

/** Replaces resolved values in an error raised after loading (see {@link LoadedConfig.redactError}). */
function redactLoadedError(error: unknown, context: { file?: string; resolved: readonly ResolvedSite[]; sensitive: readonly string[] }): unknown {
  if (ConfigError.is(error)) {
    const file = error.file ?? context.file;
    return new ConfigError({
      issues: error.issues.map((issue) => ({ ...issue, message: scrubMessage(issue.message, issue.path, context) })),
      code: error.code as ConstructorParameters<typeof ConfigError>[0]["code"],
      ...(file !== undefined ? { file } : {}),
      ...(error.cause !== undefined ? { cause: error.cause } : {}),
    });
  }
  if (error instanceof Error) {
    const message = scrubMessage(error.message, undefined, context);
    if (message !== error.message) {
      const stack = error.stack;
      error.message = message;
      if (stack !== undefined) error.stack = scrubMessage(stack, undefined, context);
    }
  }
  return error;
}

/**
 * {@link loadConfig}, also returning a redactor for errors raised later from the config's values (used by
 * `createMesh`, whose connectors validate their own config blocks).
 */
export async function loadConfigWithRedaction(source: string | object, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const file = options.file !== undefined ? { file: options.file } : {};
  let raw: unknown = source;
  let yaml: YamlSource | undefined;
  if (typeof source === "string") {
    const parsed = parseYamlSource(source);
    if (!parsed.ok) throw toConfigError(parsed.issues, file);
    yaml = parsed.source;
    raw = parsed.source.value;
  }
  const interpolated = await interpolateConfig(raw, options);
  const { config, issues } = parseStage(interpolated.value, options.tree, interpolated.unresolved);
  const all = [...interpolated.issues, ...issues];
  if (all.length > 0 || !config) {
    throw toConfigError(all, {
      ...file,
      ...(yaml ? { locate: yaml.locate } : {}),
      sensitive: interpolated.sensitive,
      resolved: interpolated.resolved,
      ...(interpolated.cause !== undefined ? { cause: interpolated.cause } : {}),
    });
  }
  const context = { ...file, resolved: interpolated.resolved, sensitive: interpolated.sensitive };
  const value = interpolated.value;
  return {
    config,
    redactError: (error) => redactLoadedError(error, context),
    given: (path) => getIn(value, path) !== undefined,
    configError: (drafts) => toConfigError(drafts, { ...context, ...(yaml ? { locate: yaml.locate } : {}) }),
  };
}
