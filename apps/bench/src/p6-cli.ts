#!/usr/bin/env node
/** `pnpm --filter @modelmesh/bench bench:p6`: runs P6, prints the sizes and shares, writes `results/p6.json`. */
import { environmentLine, writeResult } from "./p2-cli-args.js";
import { runP6 } from "./p6.js";

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const started = performance.now();
const result = await runP6();
const b = result.browser;
const lines = [
  "P6 · what a page ships (esbuild, browser, ESM, minified; gzip -9)",
  `${"@modelmesh/browser: createBrowser + OpenAI-compatible provider".padEnd(64)}${kb(b.bytes).padStart(10)} min ${kb(b.gzipBytes).padStart(9)} gz`,
  `${"openai SDK client (reference)".padEnd(64)}${kb(result.openaiSdk.bytes).padStart(10)} min ${kb(result.openaiSdk.gzipBytes).padStart(9)} gz`,
  `ModelMesh / openai SDK (gzipped)   ${result.ratioToOpenAISdk.toFixed(3)}`,
  "share of the ModelMesh bundle, by package (minified bytes):",
  ...Object.entries(b.byPackage)
    .sort((x, y) => y[1] - x[1])
    .map(([name, bytes]) => `  ${name.padEnd(30)}${kb(bytes).padStart(10)}  ${((bytes / b.bytes) * 100).toFixed(1).padStart(5)}%`),
  `Node imports: ${b.nodeImports.length === 0 ? "none" : b.nodeImports.join(", ")} · Node globals: ${b.nodeGlobals.length === 0 ? "none" : b.nodeGlobals.join(", ")}`,
  `gzipped ${kb(b.gzipBytes)} (target ≤ ${kb(result.target.gzipBytesAtMost)}: ${result.target.met ? "met" : "NOT met"})`,
  environmentLine(result.environment),
  `written ${writeResult("p6", result)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
];
console.log(lines.join("\n"));
