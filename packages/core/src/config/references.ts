/**
 * Cross-reference checks on a schema-valid config (docs/ARCHITECTURE.md §2.2): providers and models named by other
 * entries exist, and — with a capability tree — model capabilities are leaves and pool capabilities are
 * nodes. Resolved capability paths replace aliases in the returned config.
 */
import type { CapabilityTreeView } from "../capability/types.js";
import type { ConfigPath, ConfigIssueDraft } from "./issues.js";
import type { MeshConfig, ModelConfig, PoolConfig } from "./schema.js";

/** Options of {@link validateReferences}. */
export interface ValidateReferencesOptions {
  /** Capability tree; without it capability names are kept as written and not checked. */
  tree?: CapabilityTreeView;
}

/** Result of {@link validateReferences}. */
export interface ReferenceCheckResult {
  /** The config with capability aliases replaced by full paths and pool capabilities defaulted. */
  config: MeshConfig;
  /** Every broken reference, with its path in the normalised config. */
  issues: ConfigIssueDraft[];
}

/** Edit distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Why `name` does not resolve in the tree: ambiguous (with candidates) or unknown (with close matches). */
function unresolvableCapability(tree: CapabilityTreeView, name: string): string {
  const candidates = tree.paths().filter((path) => path.split(".").at(-1) === name);
  if (candidates.length > 1) return `capability "${name}" is ambiguous: it names ${candidates.join(", ")}; use the full path`;
  const close = tree
    .paths()
    .filter((path) => distance(path.split(".").at(-1)!, name) <= 2 || distance(path, name) <= 3)
    .slice(0, 3);
  return `unknown capability "${name}"${close.length > 0 ? `; did you mean ${close.join(", ")}?` : ""}`;
}

function listOrNone(names: string[]): string {
  return names.length > 0 ? names.join(", ") : "(none)";
}

class ReferenceChecker {
  readonly issues: ConfigIssueDraft[] = [];
  private readonly providerNames: string[];

  constructor(
    private readonly config: MeshConfig,
    private readonly tree: CapabilityTreeView | undefined,
  ) {
    this.providerNames = Object.keys(config.providers);
  }

  /** Reports each name in `names` that is not a configured provider. */
  providers(names: readonly string[] | undefined, path: ConfigPath): void {
    names?.forEach((name, i) => {
      if (!Object.hasOwn(this.config.providers, name)) {
        this.issues.push({
          path: [...path, i],
          message: `unknown provider "${name}"; configured providers: ${listOrNone(this.providerNames)}`,
        });
      }
    });
  }

  /** True if `id` may appear at run time: configured, or `<provider>.<model>` on a discovering provider. */
  private modelMayExist(id: string): boolean {
    if (Object.hasOwn(this.config.models, id)) return true;
    const sync = this.config.discovery.sync;
    return this.providerNames.some((name) => {
      if (!id.startsWith(`${name}.`) || id.length <= name.length + 1) return false;
      const syncs = sync.enabled && sync.auto_register && (sync.providers === undefined || sync.providers.includes(name));
      return syncs || this.config.providers[name]?.discovery?.enumerate_models === true;
    });
  }

  /** Reports each id in `ids` that is neither a configured model nor discoverable. */
  models(ids: readonly string[] | undefined, path: ConfigPath): void {
    ids?.forEach((id, i) => {
      if (!this.modelMayExist(id)) {
        this.issues.push({
          path: [...path, i],
          message: `unknown model "${id}"; define it under models or list it under its provider`,
        });
      }
    });
  }

  /** Resolves a model capability to a leaf path (or reports why it cannot). */
  private leaf(name: string, path: ConfigPath): string {
    const tree = this.tree;
    if (!tree) return name;
    const resolved = tree.tryResolve(name);
    if (resolved === undefined) {
      this.issues.push({ path, message: unresolvableCapability(tree, name) });
      return name;
    }
    if (!tree.isLeaf(resolved)) {
      const examples = tree.leavesUnder(resolved).slice(0, 3).join(", ");
      this.issues.push({ path, message: `capability "${resolved}" is not a leaf; models register at leaves such as ${examples}` });
    }
    return resolved;
  }

  model(id: string, model: ModelConfig): ModelConfig {
    if (!Object.hasOwn(this.config.providers, model.provider)) {
      this.issues.push({
        path: ["models", id, "provider"],
        message: `unknown provider "${model.provider}"; configured providers: ${listOrNone(this.providerNames)}`,
      });
    }
    if (!this.tree || !model.capabilities) return model;
    const capabilities = model.capabilities.map((name, i) => this.leaf(name, ["models", id, "capabilities", i]));
    return { ...model, capabilities };
  }

  pool(id: string, pool: PoolConfig): PoolConfig {
    const path = ["pools", id];
    this.models(pool.models, [...path, "models"]);
    this.models(pool.model_priority, [...path, "model_priority"]);
    this.providers(pool.providers, [...path, "providers"]);
    this.providers(pool.excluded_providers, [...path, "excluded_providers"]);
    this.providers(pool.provider_priority, [...path, "provider_priority"]);
    const tree = this.tree;
    if (!tree) return pool;
    if (pool.capability !== undefined) {
      const resolved = tree.tryResolve(pool.capability);
      if (resolved !== undefined) return { ...pool, capability: resolved };
      this.issues.push({ path: [...path, "capability"], message: unresolvableCapability(tree, pool.capability) });
      return pool;
    }
    const fromId = tree.tryResolve(id);
    if (fromId !== undefined) return { ...pool, capability: fromId };
    if (!pool.models || pool.models.length === 0) {
      this.issues.push({
        path,
        message: "pool has no capability and no models, and its id names no capability; set capability or models",
      });
    }
    return pool;
  }
}

/**
 * Checks every cross-reference of a schema-valid config: `models.*.provider`; pool `models`,
 * `model_priority` (configured, or `<provider>.<model>` on a provider that discovers models);
 * pool `providers`, `excluded_providers`, `provider_priority`; `discovery.*.providers`. With a tree,
 * model capabilities must resolve to leaves and pool capabilities to nodes (a pool without one takes
 * its own id when that names a node); resolved full paths are stored in the returned config.
 * The input is not modified.
 */
export function validateReferences(config: MeshConfig, options: ValidateReferencesOptions = {}): ReferenceCheckResult {
  const checker = new ReferenceChecker(config, options.tree);
  const models: Record<string, ModelConfig> = {};
  for (const [id, model] of Object.entries(config.models)) models[id] = checker.model(id, model);
  const pools: Record<string, PoolConfig> = {};
  for (const [id, pool] of Object.entries(config.pools)) pools[id] = checker.pool(id, pool);
  checker.providers(config.discovery.sync.providers, ["discovery", "sync", "providers"]);
  checker.providers(config.discovery.health.providers, ["discovery", "health", "providers"]);
  return { config: { ...config, models, pools }, issues: checker.issues };
}
