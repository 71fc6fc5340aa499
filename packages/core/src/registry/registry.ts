import type { ZodType } from "zod";
import type { Clock } from "../internal/clock.js";
import type { MeshEventBus } from "../events/events.js";
import { asConfigError, ConfigError, type ConfigIssue } from "../errors/errors.js";
import { closeMatches } from "../capability/suggest.js";
import { knownConnectorPackage } from "./known-connectors.js";

/**
 * The six connector families, plus `middleware` (router hooks, docs/ARCHITECTURE.md §2.16). Rotation connectors
 * declare which policy part they provide.
 */
export type ConnectorType = "provider" | "rotation" | "secret-store" | "storage" | "observability" | "discovery" | "middleware";

/** Which part of a rotation policy a rotation connector provides. */
export type RotationRole = "selection" | "deactivation" | "recovery";

/** Where a connector can run. Using one in the wrong runtime fails at start-up. */
export type ConnectorRuntime = "node" | "browser" | "universal";

/** What a connector factory receives besides its validated config. */
export interface ConnectorContext {
  /** Instance id: the provider name, pool id, or section name in the config. */
  instanceId: string;
  /** Mesh clock. */
  clock: Clock;
  /** Environment variables (explicitly passed; never read implicitly by connectors). */
  env: Record<string, string | undefined>;
  /** Event bus of the mesh. */
  events?: MeshEventBus;
  /** Default HTTP transport of the environment (`@modelmesh/cdk` Transport); connectors may ignore it. */
  transport?: unknown;
  /** Current runtime. */
  runtime: "node" | "browser";
}

/**
 * Declares a connector: id, type, aliases, runtime, config schema and factory. Third-party packages export
 * one as `connector` (or several as `connectors`); nothing registers at import time.
 */
export interface ConnectorDescriptor<TConfig = unknown, TInstance = unknown> {
  /** Dotted id `vendor.name.vN`, lowercase `[a-z0-9-.]`. */
  readonly id: string;
  readonly type: ConnectorType;
  /** For `rotation` connectors: the policy part provided. */
  readonly role?: RotationRole;
  /** Contract version of the instance it creates. */
  readonly specificationVersion: "v1";
  /** Short names (`openai-compatible`). */
  readonly aliases?: readonly string[];
  readonly runtime: ConnectorRuntime;
  /** One-line description for listings. */
  readonly description?: string;
  /** Zod schema of the connector's own config block (snake_case keys). */
  readonly configSchema?: ZodType<TConfig>;
  /** Builds an instance from validated config. */
  create(config: TConfig, context: ConnectorContext): TInstance | Promise<TInstance>;
}

/** A running background service: stopped (and awaited) when the mesh closes. */
export interface MeshServiceHandle {
  stop(): Promise<void> | void;
}

/**
 * A background service the mesh starts after assembly when its config asks for it (e.g. the recovery scheduler
 * of `@modelmesh/rotation` for `recovery.probe_interval`). Packages register them next to their connectors; a
 * connector package loaded through `connectors.packages` may export them as `services`.
 */
export interface MeshServiceDescriptor<TMesh = unknown> {
  /** Dotted id `vendor.name.vN`. */
  readonly id: string;
  readonly description: string;
  /** True when this mesh's config needs the service (checked once, at start-up). */
  wants(config: unknown): boolean;
  /** Starts the service over the assembled mesh. A throw fails `createMesh`. */
  start(mesh: TMesh): MeshServiceHandle | Promise<MeshServiceHandle>;
}

/**
 * True when a `connector:` value names a package to import rather than a connector id or alias: a scoped name
 * (`@acme/modelmesh-connector-echo`), a path (`./connectors/x.js`, `/abs/x.js`, `file:…`), or an unscoped name
 * that says it is one (`modelmesh-connector-x`).
 */
export function isPackageSpecifier(value: string): boolean {
  return /^@[a-z0-9][\w.-]*\/[\w.-]+/.test(value) || /^(\.{1,2}\/|\/|file:)/.test(value) || /^modelmesh-connector-[\w.-]+$/.test(value);
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  return specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
}

/** True when an import failed because `specifier`'s package is not installed (not because something inside it failed). */
function isMissingPackage(cause: unknown, specifier: string): boolean {
  const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown };
  const missing = code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" || (typeof message === "string" && /cannot find (package|module)/i.test(message));
  return missing && typeof message === "string" && message.includes(`'${packageOf(specifier)}`);
}

function isServiceDescriptor(value: unknown): value is MeshServiceDescriptor {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === "string" && typeof v.wants === "function" && typeof v.start === "function";
}

// Any config type: the registry stores heterogeneous descriptors; `create` is only called with validated config.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDescriptor = ConnectorDescriptor<any, unknown>;

const ID_PATTERN = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*\.v[0-9]+$/;
const ALIAS_PATTERN = /^[a-z0-9][a-z0-9-.]*$/;
const TYPES: ReadonlySet<ConnectorType> = new Set(["provider", "rotation", "secret-store", "storage", "observability", "discovery", "middleware"]);

/** Loads a module by specifier; injectable for tests and bundlers. */
export type ModuleImporter = (specifier: string) => Promise<Record<string, unknown>>;

const defaultImporter: ModuleImporter = (specifier) => import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);

/** A malformed descriptor or a clash in the catalogue: a config failure at `connectors`. */
function invalid(message: string): ConfigError {
  return new ConfigError({ code: "MM_CONNECTOR_INVALID", issues: [{ path: "connectors", message }] });
}

function isDescriptor(value: unknown): value is AnyDescriptor {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === "string" && typeof v.type === "string" && typeof v.create === "function";
}

/**
 * The connector catalogue. Resolves by full id (`openai.llm.v1`), alias (`openai-compatible`) or npm package
 * name (loaded with `import()` and registered exactly like a shipped connector). Unknown ids fail at start-up.
 */
export class ConnectorRegistry {
  #byId = new Map<string, AnyDescriptor>();
  #byAlias = new Map<string, AnyDescriptor>();
  #services = new Map<string, MeshServiceDescriptor>();
  /** Package names used as `connector:` values, to the connector they load. */
  #byPackage = new Map<string, AnyDescriptor>();
  #importer: ModuleImporter;
  /** ModelMesh packages {@link ensure} already tried to import (installed or not). */
  #tried = new Set<string>();

  constructor(options: { importer?: ModuleImporter; connectors?: readonly AnyDescriptor[]; services?: readonly MeshServiceDescriptor[] } = {}) {
    this.#importer = options.importer ?? defaultImporter;
    for (const descriptor of options.connectors ?? []) this.register(descriptor);
    for (const service of options.services ?? []) this.registerService(service);
  }

  /** Registers a background service (see {@link MeshServiceDescriptor}); registering the same one again is a no-op. */
  registerService(service: MeshServiceDescriptor): this {
    if (!isServiceDescriptor(service)) throw invalid("not a service descriptor: expected {id, wants, start}.");
    if (!ID_PATTERN.test(service.id)) throw invalid(`service id '${service.id}' is malformed. Use 'vendor.name.vN' in lowercase [a-z0-9-.].`);
    const existing = this.#services.get(service.id);
    if (existing && existing !== service) throw invalid(`service id '${service.id}' is registered twice.`);
    this.#services.set(service.id, service);
    return this;
  }

  /** True when a background service with this id is registered. */
  hasService(id: string): boolean {
    return this.#services.has(id);
  }

  /** Every registered background service, in registration order. */
  services(): MeshServiceDescriptor[] {
    return [...this.#services.values()];
  }

  /** Registers one descriptor. Rejects malformed ids, duplicate ids and aliases that clash. */
  register(descriptor: AnyDescriptor): this {
    if (!isDescriptor(descriptor)) throw invalid("not a connector descriptor: expected {id, type, create}.");
    if (!ID_PATTERN.test(descriptor.id)) {
      throw invalid(`connector id '${descriptor.id}' is malformed. Use 'vendor.name.vN' in lowercase [a-z0-9-.].`);
    }
    if (!TYPES.has(descriptor.type)) {
      throw invalid(`connector '${descriptor.id}': unknown connector type '${descriptor.type}'. Use one of: ${[...TYPES].join(", ")}.`);
    }
    if (descriptor.type === "rotation" && !descriptor.role) {
      throw invalid(`connector '${descriptor.id}': a rotation connector must declare its role (selection, deactivation or recovery).`);
    }
    const existing = this.#byId.get(descriptor.id);
    if (existing && existing !== descriptor) throw invalid(`connector id '${descriptor.id}' is registered twice.`);
    for (const alias of descriptor.aliases ?? []) {
      if (!ALIAS_PATTERN.test(alias)) throw invalid(`connector '${descriptor.id}': alias '${alias}' is malformed.`);
      const owner = this.#byAlias.get(alias) ?? this.#byId.get(alias);
      if (owner && owner !== descriptor) {
        throw invalid(`alias '${alias}' of '${descriptor.id}' is already taken by '${owner.id}'.`);
      }
    }
    this.#byId.set(descriptor.id, descriptor);
    for (const alias of descriptor.aliases ?? []) this.#byAlias.set(alias, descriptor);
    return this;
  }

  /** Registers several descriptors. */
  registerAll(descriptors: readonly AnyDescriptor[]): this {
    for (const descriptor of descriptors) this.register(descriptor);
    return this;
  }

  /** A descriptor by id, alias, or the package name it was loaded under ({@link loadNamed}), or undefined. */
  get(idOrAlias: string): AnyDescriptor | undefined {
    return this.#byId.get(idOrAlias) ?? this.#byAlias.get(idOrAlias) ?? this.#byPackage.get(idOrAlias);
  }

  /** True if the id or alias is known. */
  has(idOrAlias: string): boolean {
    return this.get(idOrAlias) !== undefined;
  }

  /** All descriptors, optionally of one type (and role). */
  list(type?: ConnectorType, role?: RotationRole): AnyDescriptor[] {
    return [...this.#byId.values()].filter((d) => (!type || d.type === type) && (!role || d.role === role));
  }

  /**
   * Resolves an id or alias to a descriptor of the expected type, or throws `MM_CONNECTOR_UNKNOWN` naming the
   * config path and the known ids (close matches first).
   */
  resolve(idOrAlias: string, expected?: { type: ConnectorType; role?: RotationRole; path?: string }): AnyDescriptor {
    const found = this.get(idOrAlias);
    const path = expected?.path ?? "connector";
    if (!found) {
      const shippedBy = knownConnectorPackage(idOrAlias);
      if (shippedBy !== undefined) {
        throw new ConfigError({
          code: "MM_CONNECTOR_UNKNOWN",
          issues: [{ path, message: `connector '${idOrAlias}' comes with ${shippedBy}, which is not installed: install it (npm install ${packageOf(shippedBy)}); an installed ModelMesh package is loaded by itself` }],
        });
      }
      const known = this.list(expected?.type, expected?.role).flatMap((d) => [d.id, ...(d.aliases ?? [])]);
      const near = closeMatches(idOrAlias, known, 3);
      const hint = near.length > 0 ? `Did you mean ${near.map((n) => `'${n}'`).join(", ")}?` : "";
      const list = known.length > 0 ? ` Known: ${known.sort().join(", ")}.` : "";
      throw new ConfigError({
        code: "MM_CONNECTOR_UNKNOWN",
        issues: [{ path, message: `unknown connector '${idOrAlias}'. ${hint}${list}`.replace(/\s+$/, "") }],
      });
    }
    if (expected && (found.type !== expected.type || (expected.role && found.role !== expected.role))) {
      const want = expected.role ? `${expected.type} (${expected.role})` : expected.type;
      const got = found.role ? `${found.type} (${found.role})` : found.type;
      throw new ConfigError({ code: "MM_CONNECTOR_INVALID", issues: [{ path, message: `connector '${found.id}' is a ${got} connector, expected ${want}` }] });
    }
    return found;
  }

  /**
   * `connector: "@acme/modelmesh-connector-echo"`: imports the package, registers what it exports, and lets its
   * connector of the expected type answer to the package name from now on. A package with several connectors of
   * that type must be named by connector id instead.
   */
  async loadNamed(specifier: string, expected: { type: ConnectorType; role?: RotationRole }, path: string): Promise<void> {
    if (this.#byPackage.has(specifier)) return;
    const ids = await this.load(specifier, path);
    const matching = ids.map((id) => this.#byId.get(id)!).filter((d) => d.type === expected.type && (!expected.role || d.role === expected.role));
    if (matching.length !== 1) {
      const want = expected.role ? `${expected.type} (${expected.role})` : expected.type;
      throw new ConfigError({
        code: "MM_CONNECTOR_INVALID",
        issues: [{ path, message: matching.length === 0 ? `package '${specifier}' has no ${want} connector (it exports ${ids.join(", ")})` : `package '${specifier}' has several ${want} connectors: name one by id (${matching.map((d) => d.id).join(", ")})` }],
      });
    }
    this.#byPackage.set(specifier, matching[0]!);
  }

  /**
   * Makes `idOrAlias` resolvable if it can be: a package name is imported ({@link loadNamed}); an id or alias of
   * one of ModelMesh's own packages that is not registered imports that package when it is installed (so
   * `connector: cohere` works after `npm install @modelmesh/provider-cohere`). Anything else is left to
   * {@link resolve}, which names what is wrong.
   */
  async ensure(idOrAlias: string, expected: { type: ConnectorType; role?: RotationRole }, path: string): Promise<void> {
    if (this.has(idOrAlias)) return;
    if (isPackageSpecifier(idOrAlias)) return this.loadNamed(idOrAlias, expected, path);
    const shippedBy = knownConnectorPackage(idOrAlias);
    if (shippedBy === undefined || this.#tried.has(shippedBy)) return;
    this.#tried.add(shippedBy);
    await this.load(shippedBy, path, { missingOk: true });
  }

  /**
   * Imports a connector package (`@scope/modelmesh-connector-x` or a module path) and registers its
   * `connector` / `connectors` exports. Returns the ids registered; with `missingOk`, an empty list when the
   * package itself is not installed (a package that is there but fails to load is still an error).
   */
  async load(specifier: string, path = "connectors.packages", options: { missingOk?: boolean } = {}): Promise<string[]> {
    let mod: Record<string, unknown>;
    try {
      mod = await this.#importer(specifier);
    } catch (cause) {
      if (options.missingOk && isMissingPackage(cause, specifier)) return [];
      throw new ConfigError({
        code: "MM_CONNECTOR_UNKNOWN",
        issues: [{ path, message: `cannot import connector package '${specifier}': ${(cause as Error)?.message ?? String(cause)}` }],
        cause,
      });
    }
    const candidates = [mod.connector, ...(Array.isArray(mod.connectors) ? mod.connectors : [])].filter((c) => c !== undefined);
    const descriptors = candidates.filter(isDescriptor);
    const services = Array.isArray(mod.services) ? mod.services : [];
    if (!services.every(isServiceDescriptor)) {
      throw new ConfigError({ code: "MM_CONNECTOR_INVALID", issues: [{ path, message: `package '${specifier}' exports 'services' that are not service descriptors ({id, wants, start})` }] });
    }
    if (descriptors.length === 0 || descriptors.length !== candidates.length) {
      throw new ConfigError({
        code: "MM_CONNECTOR_INVALID",
        issues: [{ path, message: `package '${specifier}' exports no valid 'connector' or 'connectors' descriptor` }],
      });
    }
    this.registerAll(descriptors);
    for (const service of services) this.registerService(service);
    return descriptors.map((d) => d.id);
  }

  /**
   * Validates a config block against the connector's schema (issues carry `path` + the zod path) and
   * builds the instance. Runtime mismatches fail here, at start-up.
   */
  async create<T = unknown>(
    idOrAlias: string,
    config: unknown,
    context: ConnectorContext,
    expected: { type: ConnectorType; role?: RotationRole; path: string; connectorPath?: string },
  ): Promise<T> {
    const connectorPath = expected.connectorPath ?? `${expected.path}.connector`;
    await this.ensure(idOrAlias, expected, connectorPath);
    const descriptor = this.resolve(idOrAlias, { type: expected.type, role: expected.role, path: connectorPath });
    if (descriptor.runtime !== "universal" && descriptor.runtime !== context.runtime) {
      throw new ConfigError({
        code: "MM_CONNECTOR_INVALID",
        issues: [{ path: connectorPath, message: `connector '${descriptor.id}' runs only on ${descriptor.runtime}, this is ${context.runtime}` }],
      });
    }
    let validated: unknown = config ?? {};
    if (descriptor.configSchema) {
      const result = descriptor.configSchema.safeParse(validated);
      if (!result.success) {
        const issues: ConfigIssue[] = result.error.issues.map((issue) => ({
          path: [`${expected.path}.config`, ...issue.path.map(String)].join("."),
          message: issue.message,
        }));
        throw new ConfigError({ code: "MM_CONFIG_INVALID", issues });
      }
      validated = result.data;
    }
    try {
      return (await descriptor.create(validated, context)) as T;
    } catch (error) {
      // A factory's own config check may throw a plain ModelMesh error of category config (third-party code).
      throw asConfigError(error, expected.path);
    }
  }
}
