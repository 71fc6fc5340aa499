#!/usr/bin/env node
// Measures the lines-of-code table that packages/cdk/README.md embeds: for each example, the lines of
// its connector file or config block that are neither blank nor comments. In YAML only the block between
// `# loc: begin` and `# loc: end` counts (the rest of the file is the demo's surroundings: mock URLs, other
// providers). Run `node examples/loc.mjs` for the Markdown table, `--json` for data.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** The table's rows (minus the convenience row), their original estimates, and the example that measures them. */
export const ROWS = [
  { scenario: "Custom provider (proprietary REST API)", raw: 700, seedBase: 80, seedSpecialized: null, column: "base", example: "custom-rest-provider", file: "src/inference-provider.ts", limit: 40 },
  { scenario: "OpenAI-compatible provider", raw: 700, seedBase: 80, seedSpecialized: 10, column: "specialized", example: "config-only-provider", file: "modelmesh.yaml" },
  { scenario: "Threshold-based rotation policy", raw: 300, seedBase: 50, seedSpecialized: 10, column: "specialized", example: "threshold-rotation", file: "modelmesh.yaml" },
  { scenario: "Environment-variable secret store", raw: 100, seedBase: 20, seedSpecialized: 5, column: "specialized", example: "env-secret-store", file: "modelmesh.yaml" },
  { scenario: "File-system storage backend", raw: 400, seedBase: 60, seedSpecialized: 10, column: "specialized", example: "file-storage", file: "modelmesh.yaml" },
  { scenario: "JSON file observability output", raw: 250, seedBase: 40, seedSpecialized: 10, column: "specialized", example: "jsonl-observability", file: "modelmesh.yaml" },
  { scenario: "Polling-based discovery connector", raw: 350, seedBase: 50, seedSpecialized: 10, column: "specialized", example: "polling-discovery", file: "modelmesh.yaml" },
];

/** Counts lines that are neither blank nor comments. `yaml`: `#` comments and the loc markers; `ts`: `//` and block comments. */
export function countLines(text, language) {
  let lines = text.split(/\r?\n/);
  if (language === "yaml") {
    const begin = lines.findIndex((line) => /^\s*#\s*loc:\s*begin\b/.test(line));
    const end = lines.findIndex((line) => /^\s*#\s*loc:\s*end\b/.test(line));
    if (begin >= 0) lines = lines.slice(begin + 1, end > begin ? end : undefined);
    return lines.filter((line) => line.trim() !== "" && !line.trim().startsWith("#")).length;
  }
  let inBlock = false;
  let count = 0;
  for (const raw of lines) {
    let line = raw.trim();
    let code = "";
    while (line !== "") {
      if (inBlock) {
        const close = line.indexOf("*/");
        if (close < 0) {
          line = "";
          break;
        }
        inBlock = false;
        line = line.slice(close + 2).trim();
        continue;
      }
      if (line.startsWith("//")) break;
      if (line.startsWith("/*")) {
        inBlock = true;
        line = line.slice(2);
        continue;
      }
      code += line;
      break;
    }
    if (code.trim() !== "") count += 1;
  }
  return count;
}

/** Counts one example file. */
export function countFile(example, file) {
  const text = readFileSync(join(here, example, file), "utf8");
  return countLines(text, file.endsWith(".ts") ? "ts" : "yaml");
}

/** Every row with its measured count. */
export function measure() {
  return ROWS.map((row) => ({ ...row, measured: countFile(row.example, row.file) }));
}

/** The Markdown table the cdk README embeds (absolute links: the README is also the registry's page). */
export function markdownTable(rows = measure()) {
  const head = "| Scenario | Raw interface (seed) | CDK base class (seed → measured) | CDK specialized (seed → measured) | Example |\n|---|---|---|---|---|";
  const body = rows.map((row) => {
    const base = row.column === "base" ? `~${row.seedBase} → **${row.measured}** (TypeScript)` : `~${row.seedBase}`;
    const specialized = row.column === "specialized" ? `~${row.seedSpecialized} → **${row.measured}** (YAML)` : "–";
    return `| ${row.scenario} | ~${row.raw} | ${base} | ${specialized} | [\`examples/${row.example}\`](https://github.com/modelmesh/modelmesh/blob/main/examples/${row.example}/${row.file}) |`;
  });
  return [head, ...body].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = measure();
  console.log(process.argv.includes("--json") ? JSON.stringify(rows, null, 2) : markdownTable(rows));
}
