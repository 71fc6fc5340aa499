/** Types of `loc.mjs` (the LOC-table measurement script), for the examples' TypeScript tests. */

/** One row of the seed's LOC table and the example that measures it. */
export interface LocRow {
  scenario: string;
  /** The seed's "raw interface" estimate. */
  raw: number;
  /** The seed's "CDK (base class)" estimate. */
  seedBase: number;
  /** The seed's "CDK (specialized)" estimate, null when the seed has none. */
  seedSpecialized: number | null;
  /** Which CDK column the example measures. */
  column: "base" | "specialized";
  /** Example folder under `examples/`. */
  example: string;
  /** Measured file, relative to the example. */
  file: string;
  /** A hard limit the example's test enforces, when there is one. */
  limit?: number;
}

/** The rows. */
export declare const ROWS: readonly LocRow[];
/** Non-blank, non-comment lines (`yaml` counts only the `# loc: begin` … `# loc: end` block when present). */
export declare function countLines(text: string, language: "yaml" | "ts"): number;
/** Counts one example file. */
export declare function countFile(example: string, file: string): number;
/** Every row with its measured count. */
export declare function measure(): Array<LocRow & { measured: number }>;
/** The Markdown table the cdk README embeds (links relative to packages/cdk/). */
export declare function markdownTable(rows?: Array<LocRow & { measured: number }>): string;
