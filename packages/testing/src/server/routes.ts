/** The route table: which handler answers which method and path. */
import { handleChat } from "./chat.js";
import type { Exchange } from "./exchange.js";
import {
  handleEmbeddings,
  handleImageFile,
  handleImages,
  handleSpeech,
  handleTranscription,
  IMAGE_FILE_PATH,
} from "./media.js";
import { handleListModels, handleRetrieveModel } from "./models.js";

/** A handler and how much of the request pipeline runs before it. */
export interface Route {
  /** Writes the answer (refusal faults, auth and quota have already been dealt with). */
  handle(exchange: Exchange): void | Promise<void>;
  /** False for the static image file: no auth, no faults, no quota, like a CDN URL. */
  guarded: boolean;
}

interface RouteEntry extends Route {
  method: string;
  path: string | RegExp;
}

const ROUTES: readonly RouteEntry[] = Object.freeze([
  { method: "POST", path: "/v1/chat/completions", handle: handleChat, guarded: true },
  { method: "POST", path: "/v1/embeddings", handle: handleEmbeddings, guarded: true },
  { method: "GET", path: "/v1/models", handle: handleListModels, guarded: true },
  { method: "GET", path: /^\/v1\/models\/[^/]+$/, handle: handleRetrieveModel, guarded: true },
  { method: "POST", path: "/v1/images/generations", handle: handleImages, guarded: true },
  { method: "POST", path: "/v1/audio/speech", handle: handleSpeech, guarded: true },
  { method: "POST", path: "/v1/audio/transcriptions", handle: handleTranscription, guarded: true },
  { method: "GET", path: IMAGE_FILE_PATH, handle: handleImageFile, guarded: false },
]);

/** The route for a method and path (a trailing slash is ignored); undefined when none. */
export function findRoute(method: string, path: string): Route | undefined {
  const normalized = path.length > 1 ? path.replace(/\/+$/, "") : path;
  return ROUTES.find(
    (route) =>
      route.method === method &&
      (typeof route.path === "string" ? route.path === normalized : route.path.test(normalized)),
  );
}
