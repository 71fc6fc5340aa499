/**
 * Pure addressing of Azure OpenAI (docs: https://learn.microsoft.com/azure/ai-foundry/openai/reference). Two
 * forms share one wire format with OpenAI:
 *
 * - the deployment form: `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=2024-10-21`
 *   (also `/embeddings`, `/images/generations`, `/audio/*`); the body keeps the `model` the caller named, as
 *   the official SDK's `AzureOpenAI` sends it;
 * - the v1 API (`api_version: "v1"`): `{endpoint}/openai/v1/chat/completions`, no `api-version` query, and the
 *   deployment named by the body's `model`.
 */

/** The GA data-plane version used when a config names none. */
export const AZURE_OPENAI_DEFAULT_API_VERSION = "2024-10-21";

/** The `api_version` value that selects Azure's version-less v1 API. */
export const AZURE_OPENAI_V1 = "v1";

/** The resource endpoint of a resource name: `https://<resource>.openai.azure.com`. */
export function resourceEndpoint(resource: string): string {
  return `https://${resource}.openai.azure.com`;
}

/**
 * An endpoint without trailing slashes, or a reason why it cannot be one: it must be an http(s) URL without a
 * query, and must not already end in `/openai` or `/openai/v1` (the connector appends those itself).
 */
export function normalizeEndpoint(endpoint: string): { endpoint: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    return { problem: "Invalid URL: expected the resource endpoint, e.g. https://my-resource.openai.azure.com" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { problem: "expected an http(s) URL" };
  if (url.search !== "" || url.hash !== "") return { problem: "expected no query or fragment (api-version is set with api_version)" };
  const path = url.pathname.replace(/\/+$/, "");
  if (/\/openai(\/v1)?$/i.test(path)) return { problem: 'expected the resource endpoint without "/openai" (it is appended, with "/v1" for api_version "v1")' };
  return { endpoint: `${url.protocol}//${url.host}${path}` };
}

/** The deployment serving `model`: its entry in `deployments`, else the model id itself. */
export function deploymentFor(model: string, deployments: Readonly<Record<string, string>> | undefined): string {
  return deployments?.[model] ?? model;
}

/** The OpenAI path of an operation, e.g. `/chat/completions`. */
export type AzureOperationPath = "/chat/completions" | "/embeddings" | "/images/generations" | "/audio/speech" | "/audio/transcriptions" | "/models";

/**
 * The URL of one operation. The deployment form needs the deployment for every operation but `/models`; the
 * v1 API ignores it (the body's `model` names it).
 * @example
 * azureOperationUrl("https://r.openai.azure.com", "2024-10-21", "/chat/completions", "gpt4o-prod");
 * // → "https://r.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21"
 * azureOperationUrl("https://r.openai.azure.com", "v1", "/embeddings", "emb");
 * // → "https://r.openai.azure.com/openai/v1/embeddings"
 */
export function azureOperationUrl(endpoint: string, apiVersion: string, path: AzureOperationPath, deployment: string | undefined): string {
  if (apiVersion === AZURE_OPENAI_V1) return `${endpoint}/openai/v1${path}`;
  const query = `?api-version=${encodeURIComponent(apiVersion)}`;
  if (path === "/models") return `${endpoint}/openai/models${query}`;
  if (deployment === undefined) throw new Error(`Azure OpenAI: no deployment for ${path}`);
  return `${endpoint}/openai/deployments/${encodeURIComponent(deployment)}${path}${query}`;
}
