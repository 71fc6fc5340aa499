/**
 * Benchmark P6 (issue 14): the size of what a page ships. `createBrowser` with its OpenAI-compatible provider
 * (`@modelmesh/browser`), bundled by esbuild as a page would be (browser platform, ESM, minified), gzipped,
 * with each package's share; next to it, in the same run, the official `openai` SDK's client bundled the same
 * way (what a page would ship to call one provider with no routing). Also lists any Node import or global
 * left in the bundle (there must be none).
 */
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { browserBundleReport, type BrowserBundleReport } from "@modelmesh/testing/bundle";

/** Issue 14's target for the gzipped bundle, bytes (the long-term target is 15 kB). */
export const P6_TARGET_GZIP_BYTES = 25_000;

/** What {@link runP6} resolves with (and `results/p6.json` holds). */
export interface P6Result {
  benchmark: "P6";
  description: string;
  date: string;
  environment: { node: string; platform: string; arch: string; cpu: string; cpus: number };
  browser: BrowserBundleReport;
  /** The `openai` SDK client, bundled the same way. */
  openaiSdk: BrowserBundleReport;
  /** browser.gzipBytes / openaiSdk.gzipBytes. */
  ratioToOpenAISdk: number;
  target: { gzipBytesAtMost: number; met: boolean };
}

const ENTRIES = fileURLToPath(new URL("../src/p6-entries/", import.meta.url));

/**
 * Runs P6.
 * @example
 * const result = await runP6();
 * console.log(result.browser.gzipBytes, result.browser.byPackage);
 */
export async function runP6(): Promise<P6Result> {
  const [browser, openaiSdk] = await Promise.all([
    browserBundleReport("browser.ts", { cwd: ENTRIES }),
    browserBundleReport("openai-sdk.ts", { cwd: ENTRIES }),
  ]);
  return {
    benchmark: "P6",
    description: "Browser bundle of createBrowser + its OpenAI-compatible provider (esbuild, platform browser, ESM, minified, gzip -9), by package, vs the openai SDK client bundled the same way",
    date: new Date().toISOString(),
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? "unknown", cpus: cpus().length },
    browser,
    openaiSdk,
    ratioToOpenAISdk: Math.round((browser.gzipBytes / openaiSdk.gzipBytes) * 1000) / 1000,
    target: { gzipBytesAtMost: P6_TARGET_GZIP_BYTES, met: browser.gzipBytes <= P6_TARGET_GZIP_BYTES },
  };
}
