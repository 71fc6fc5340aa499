import OpenAI from "openai";
import { createOpenAIProvider, type OpenAIProvider } from "../../src/index.js";
import type { CannedReply, CapturedRequest, CaptureServer } from "./capture-server.js";

/**
 * Paired fidelity: the same logical request sent once through the official `openai` SDK and once through our
 * connector, both against the same capture server; the two captured HTTP requests are then compared.
 */

/** A test API key (never a real one). */
export const TEST_KEY = "sk-test-fidelity-0123456789abcdef";

/** Client options shared by both sides. */
export interface PairOptions {
  organization?: string;
  project?: string;
}

/** The official SDK pointed at the capture server (no retries; org/project never read from the environment). */
export function sdkClient(server: CaptureServer, options: PairOptions = {}): OpenAI {
  return new OpenAI({
    apiKey: TEST_KEY,
    baseURL: server.url,
    maxRetries: 0,
    organization: options.organization ?? null,
    project: options.project ?? null,
  });
}

/** Our `openai.llm.v1` provider pointed at the capture server. */
export function ourProvider(server: CaptureServer, options: PairOptions = {}): OpenAIProvider {
  return createOpenAIProvider({ config: { base_url: server.url, api_key: TEST_KEY, ...options }, instanceId: "openai" });
}

/** Both captured requests and both results. */
export interface Paired<S, O> {
  sdk: CapturedRequest;
  ours: CapturedRequest;
  sdkResult: S;
  ourResult: O;
}

/**
 * Runs one request through each client (SDK first) with the same canned reply and returns both captures.
 * @throws when a side sent no request or more than one.
 */
export async function pair<S, O>(
  server: CaptureServer,
  reply: CannedReply | ((request: CapturedRequest) => CannedReply),
  viaSdk: (sdk: OpenAI) => Promise<S>,
  viaOurs: (ours: OpenAIProvider) => Promise<O>,
  options: PairOptions = {},
): Promise<Paired<S, O>> {
  server.reply = typeof reply === "function" ? reply : () => reply;
  server.requests.length = 0;
  const sdkResult = await viaSdk(sdkClient(server, options));
  const sdkRequests = server.requests.splice(0);
  const provider = ourProvider(server, options);
  let ourResult: O;
  try {
    ourResult = await viaOurs(provider);
  } finally {
    await provider.close();
  }
  const ourRequests = server.requests.splice(0);
  if (sdkRequests.length !== 1 || ourRequests.length !== 1) {
    throw new Error(`expected one request per side, got sdk=${sdkRequests.length} ours=${ourRequests.length}`);
  }
  return { sdk: sdkRequests[0]!, ours: ourRequests[0]!, sdkResult, ourResult };
}

/** The headers that carry meaning upstream (auth shape, content type without boundary, org/project). */
export function headersThatMatter(request: CapturedRequest): Record<string, string | undefined> {
  const type = request.headers["content-type"];
  return {
    authorization: request.headers.authorization,
    "content-type": type?.startsWith("multipart/form-data") ? "multipart/form-data" : type,
    "openai-organization": request.headers["openai-organization"],
    "openai-project": request.headers["openai-project"],
  };
}

/** Method, path, meaningful headers and JSON body of a captured request. */
export function wireView(request: CapturedRequest): Record<string, unknown> {
  return { method: request.method, path: request.path, headers: headersThatMatter(request), body: request.json };
}

/** A multipart body as `[name, value]` pairs; files become `{ filename, type, bytes }`. */
export async function formView(form: FormData | undefined): Promise<Array<[string, unknown]>> {
  const entries: Array<[string, unknown]> = [];
  for (const [name, value] of form?.entries() ?? []) {
    if (typeof value === "string") entries.push([name, value]);
    else entries.push([name, { filename: value.name, type: value.type, bytes: [...new Uint8Array(await value.arrayBuffer())] }]);
  }
  return entries.sort(([a], [b]) => a.localeCompare(b));
}

/** Collects an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
