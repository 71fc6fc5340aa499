/**
 * YAML (and JSON, a YAML subset) text → plain value, keeping the document so any config path can be
 * mapped back to its 1-based line and column.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { ConfigPath, ConfigIssueDraft, SourcePosition } from "./issues.js";

/** A parsed config text. */
export interface YamlSource {
  /** The document as plain JS (maps → objects, sequences → arrays); `undefined` for an empty text. */
  value: unknown;
  /**
   * Position of the node at `path`: the key of a map entry, the item of a sequence; when the path does
   * not exist (a missing key), the nearest existing ancestor.
   */
  locate(path: ConfigPath): SourcePosition;
}

/** Result of {@link parseYamlSource}: either the source or the syntax issues. */
export type YamlParseResult = { ok: true; source: YamlSource } | { ok: false; issues: ConfigIssueDraft[] };

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/**
 * Parses YAML or JSON config text. Syntax errors (including duplicate keys) are returned as issues at
 * the document root with their position; error messages never quote the source text.
 */
export function parseYamlSource(text: string): YamlParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((error) => ({
        path: [],
        message: `YAML syntax error: ${error.message.split("\n")[0]}`,
        position: position(error.pos[0]),
      })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : "cannot convert the document";
    return { ok: false, issues: [{ path: [], message: `YAML error: ${reason}`, position: position(0) }] };
  }
  const locate = (path: ConfigPath): SourcePosition => {
    let node: unknown = doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => keyText(item.key) === String(segment));
        if (!pair) break;
        offset = rangeStart(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)];
        if (item === undefined) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return position(offset);
  };
  return { ok: true, source: { value: value ?? undefined, locate } };
}
