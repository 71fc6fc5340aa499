/**
 * `modelmesh` under the `browser` export condition (bundlers targeting browsers, workers and edge runtimes):
 * the browser build, `createBrowser()` and the same OpenAI-shaped client, with no Node API, YAML or file
 * system (docs/browser.md). `create()` needs Node; it is not here.
 */
export * from "@modelmesh/browser";
