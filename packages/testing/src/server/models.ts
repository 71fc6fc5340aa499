/** `GET /models`, `GET /models/{id}`, and the model check every model-taking route shares. */
import type { Exchange } from "./exchange.js";
import { invalidRequest, modelNotFound } from "./errors.js";
import { sendError, sendJson } from "./respond.js";
import type { MockModel } from "./types.js";

/** The models served when `options.models` is not given. */
export const DEFAULT_MODELS: readonly MockModel[] = Object.freeze([Object.freeze({ id: "mock-model" })]);

/**
 * Looks up the request's model. Sends 400 when it is missing and 404 `model_not_found` when it is not
 * configured, returning undefined; the caller then stops.
 */
export function requireModel(exchange: Exchange, model: unknown): MockModel | undefined {
  if (typeof model !== "string" || model.length === 0) {
    sendError(exchange, 400, invalidRequest("you must provide a model parameter", "model"));
    return undefined;
  }
  const found = exchange.runtime.models.get(model);
  if (found === undefined) sendError(exchange, 404, modelNotFound(model));
  return found;
}

function modelEntry(model: MockModel): Record<string, unknown> {
  return {
    id: model.id,
    object: "model",
    created: 0,
    owned_by: model.ownedBy ?? "modelmesh-mock",
    // Not an OpenAI field, but several compatible vendors (Groq, Together) list it; discovery code reads it.
    ...(model.contextWindow === undefined ? {} : { context_window: model.contextWindow }),
  };
}

/** `GET /models`: the configured models. */
export function handleListModels(exchange: Exchange): void {
  sendJson(exchange, 200, { object: "list", data: [...exchange.runtime.models.values()].map(modelEntry) });
}

/** `GET /models/{id}`: one configured model, or 404 `model_not_found`. */
export function handleRetrieveModel(exchange: Exchange): void {
  const id = decodeURIComponent(exchange.call.path.slice("/v1/models/".length));
  const model = exchange.runtime.models.get(id);
  if (model === undefined) return sendError(exchange, 404, modelNotFound(id));
  sendJson(exchange, 200, modelEntry(model));
}
