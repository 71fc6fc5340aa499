import { ConfigError } from "../errors/errors.js";
import { ModelMeshError, formatMessage } from "../errors/model-mesh-error.js";
import { closeMatches } from "./suggest.js";
import { SHIPPED_TAXONOMY } from "./taxonomy.js";
import type { CapabilityTreeView } from "./types.js";

/** One node; `children` keeps insertion order, which is the tree order. */
interface TreeNode {
  readonly name: string;
  readonly children: string[];
}

const SEGMENT = /^[a-z0-9-]+$/;

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf(".") + 1);
}

/** A bad name in a request (`invalid_request`), or a bad node added to the tree: a `ConfigError` at `capabilities`. */
function invalid(what: string, fix?: string, category: "config" | "invalid_request" = "invalid_request"): ModelMeshError {
  if (category === "config") return new ConfigError({ code: "MM_CAPABILITY_INVALID", issues: [{ path: "capabilities", message: fix ? `${what}. ${fix}` : what }] });
  return new ModelMeshError({
    code: "MM_CAPABILITY_INVALID",
    category,
    message: formatMessage("capability", what, fix),
  });
}

/**
 * The capability tree: the shipped taxonomy plus user nodes. Paths are dotted from the top category (the
 * implicit root `capability` is never written).
 *
 * Names: a full path always resolves to itself. Any node name (last segment) that is unique in the whole
 * tree is an alias for its full path (`chat-completion`, `embeddings`). A name shared by several nodes is
 * ambiguous and resolving it throws `MM_AMBIGUOUS_NAME` listing the candidates; the alias index is rebuilt
 * after every {@link CapabilityTree.add}, so a later custom node can turn an alias ambiguous.
 *
 * @example
 * const tree = CapabilityTree.createDefault().add("compliance.pii-detection");
 * tree.resolve("chat-completion"); // "generation.text-generation.chat-completion"
 * tree.resolve("pii-detection"); // "compliance.pii-detection"
 */
export class CapabilityTree implements CapabilityTreeView {
  /** Every node by full path. Map order is insertion order, not tree order. */
  readonly #nodes = new Map<string, TreeNode>();
  /** Top-level categories, in insertion order. */
  readonly #roots: string[] = [];
  /** Lazily built: node name → full paths carrying that name. Dropped on every add. */
  #byName: Map<string, string[]> | undefined;
  /** Lazily built: all paths in tree order. Dropped on every add. */
  #order: readonly string[] | undefined;

  /**
   * A tree holding the shipped taxonomy (7 categories, 28 second-level nodes, 58 leaves). Built on each
   * call from frozen data, so trees never share mutable state.
   */
  static createDefault(): CapabilityTree {
    const tree = new CapabilityTree();
    for (const [category, nodes] of Object.entries(SHIPPED_TAXONOMY)) {
      tree.#insert(undefined, category);
      for (const [node, leaves] of Object.entries(nodes)) {
        const nodePath = `${category}.${node}`;
        tree.#insert(category, nodePath);
        for (const leaf of leaves) tree.#insert(nodePath, `${nodePath}.${leaf}`);
      }
    }
    return tree;
  }

  /**
   * Adds a node by its full path, creating missing ancestors (`compliance.pii-detection` also creates
   * `compliance`). Adding an existing path is a no-op. Adding a child under a leaf turns that leaf into an
   * inner node. Every segment must match `[a-z0-9-]+`.
   *
   * A new top-level category may not reuse the name of an existing deeper node: the single segment would
   * silently stop being that node's alias and start naming the category.
   *
   * @throws ConfigError `MM_CAPABILITY_INVALID` for a bad path or such a clash.
   */
  add(path: string): this {
    const segments = path.split(".");
    const bad = segments.find((segment) => !SEGMENT.test(segment));
    if (bad !== undefined) {
      throw invalid(
        `capability path "${path}" is invalid: segment "${bad}" must match [a-z0-9-]+`,
        "Use lowercase dotted paths such as compliance.pii-detection.",
        "config",
      );
    }
    const top = segments[0]!;
    if (!this.#nodes.has(top)) {
      const clashes = this.#pathsNamed(top);
      if (clashes.length > 0) {
        throw invalid(
          `cannot add top-level category "${top}": the name already names ${clashes.join(", ")}`,
          "Choose another category name.",
          "config",
        );
      }
    }
    let parent: string | undefined;
    for (let i = 1; i <= segments.length; i++) {
      const current = segments.slice(0, i).join(".");
      if (!this.#nodes.has(current)) this.#insert(parent, current);
      parent = current;
    }
    return this;
  }

  /** True if the full path names a node (aliases are not accepted here; use {@link tryResolve}). */
  has(path: string): boolean {
    return this.#nodes.has(path);
  }

  /** True if the full path names a node without children. False for unknown paths. */
  isLeaf(path: string): boolean {
    const node = this.#nodes.get(path);
    return node !== undefined && node.children.length === 0;
  }

  /**
   * Resolves a full path or a unique short name to the full path.
   *
   * @throws ModelMeshError `MM_AMBIGUOUS_NAME` listing the candidate paths, or `MM_CAPABILITY_INVALID`
   *   with close matches when nothing is named so.
   */
  resolve(nameOrPath: string): string {
    const found = this.#lookup(nameOrPath);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      throw new ModelMeshError({
        code: "MM_AMBIGUOUS_NAME",
        category: "invalid_request",
        message: formatMessage(
          "capability",
          `"${nameOrPath}" is ambiguous: it names ${found.join(", ")}`,
          "Use the full path.",
        ),
        metadata: { name: nameOrPath, candidates: [...found] },
      });
    }
    const suggestions = closeMatches(nameOrPath, this.paths());
    throw invalid(
      `unknown capability "${nameOrPath}"`,
      suggestions.length > 0 ? `Did you mean: ${suggestions.join(", ")}?` : "See the capability tree for valid paths.",
    );
  }

  /** Like {@link resolve}, but returns undefined when the name is unknown or ambiguous. */
  tryResolve(nameOrPath: string): string | undefined {
    const found = this.#lookup(nameOrPath);
    return found.length === 1 ? found[0] : undefined;
  }

  /**
   * True if `ancestor` is `path` or one of its ancestors. Both sides may be full paths or aliases; a side
   * that does not resolve is compared as written, so the check stays purely structural on dotted strings.
   */
  isAncestorOrSelf(ancestor: string, path: string): boolean {
    const a = this.tryResolve(ancestor) ?? ancestor;
    const p = this.tryResolve(path) ?? path;
    return p === a || p.startsWith(`${a}.`);
  }

  /**
   * All leaf paths at or below a node (the node itself if it is a leaf), in tree order.
   *
   * @throws ModelMeshError as {@link resolve} when the node is unknown or ambiguous.
   */
  leavesUnder(path: string): string[] {
    const root = this.resolve(path);
    const leaves: string[] = [];
    this.#walk(root, (p, node) => {
      if (node.children.length === 0) leaves.push(p);
    });
    return leaves;
  }

  /** All node paths in tree order (depth first, children in insertion order). */
  paths(): string[] {
    if (this.#order === undefined) {
      const order: string[] = [];
      for (const root of this.#roots) this.#walk(root, (p) => order.push(p));
      this.#order = order;
    }
    return [...this.#order];
  }

  /**
   * Full paths of the direct children of a node; without an argument, the top-level categories.
   *
   * @throws ModelMeshError as {@link resolve} when the node is unknown or ambiguous.
   */
  children(path?: string): string[] {
    if (path === undefined) return [...this.#roots];
    return [...this.#nodes.get(this.resolve(path))!.children];
  }

  /** An independent copy: nodes added to the copy do not appear in this tree, and vice versa. */
  clone(): CapabilityTree {
    const copy = new CapabilityTree();
    copy.#roots.push(...this.#roots);
    for (const [path, node] of this.#nodes) copy.#nodes.set(path, { name: node.name, children: [...node.children] });
    return copy;
  }

  #insert(parent: string | undefined, path: string): void {
    this.#nodes.set(path, { name: lastSegment(path), children: [] });
    if (parent === undefined) this.#roots.push(path);
    else this.#nodes.get(parent)!.children.push(path);
    this.#byName = undefined;
    this.#order = undefined;
  }

  /** Full path → itself; otherwise every path whose last segment is the name (0, 1 or several). */
  #lookup(nameOrPath: string): readonly string[] {
    if (this.#nodes.has(nameOrPath)) return [nameOrPath];
    return this.#pathsNamed(nameOrPath);
  }

  #pathsNamed(name: string): readonly string[] {
    if (this.#byName === undefined) {
      const index = new Map<string, string[]>();
      for (const path of this.paths()) {
        const segment = lastSegment(path);
        const list = index.get(segment);
        if (list) list.push(path);
        else index.set(segment, [path]);
      }
      this.#byName = index;
    }
    return this.#byName.get(name) ?? [];
  }

  #walk(path: string, visit: (path: string, node: TreeNode) => void): void {
    const node = this.#nodes.get(path)!;
    visit(path, node);
    for (const child of node.children) this.#walk(child, visit);
  }
}
