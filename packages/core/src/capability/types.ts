/**
 * Contract of the capability tree (implemented in tree.ts). Paths are dotted from the top category; the
 * implicit root `capability` is never written (e.g. `generation.text-generation.chat-completion`).
 */
export interface CapabilityTreeView {
  /** True if the full path names a node. */
  has(path: string): boolean;
  /** True if the node has no children (models may register only at leaves). */
  isLeaf(path: string): boolean;
  /**
   * Resolves a full path or a short alias (any node name unique in the tree, e.g. `chat-completion`,
   * `embeddings`) to the full path. Throws a ConfigError-free ModelMeshError (`MM_CAPABILITY_INVALID`, or
   * `MM_AMBIGUOUS_NAME` listing the candidates) when it cannot.
   */
  resolve(nameOrPath: string): string;
  /** Like resolve, but returns undefined instead of throwing when the name is unknown or ambiguous. */
  tryResolve(nameOrPath: string): string | undefined;
  /** True if `ancestor` is `path` or one of its ancestors. */
  isAncestorOrSelf(ancestor: string, path: string): boolean;
  /** All leaf paths at or below a node. */
  leavesUnder(path: string): string[];
  /** All node paths, in tree order. */
  paths(): string[];
}
