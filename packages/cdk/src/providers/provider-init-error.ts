import { ModelMeshError, formatMessage, isModelMeshError } from "@modelmesh/core";

const INIT = Symbol.for("modelmesh.error.provider-init");

/**
 * A provider could not initialise (e.g. `QuickProvider` model discovery failed). Code
 * `MM_CONNECTOR_INVALID`; the category and retryability come from the cause when it is a ModelMesh error (a
 * 401 during discovery is `auth`, a refused connection `network`), else `config`.
 */
export class ProviderInitError extends ModelMeshError {
  readonly [INIT] = true;

  constructor(options: { provider: string; reason: string; cause?: unknown }) {
    const cause = isModelMeshError(options.cause) ? options.cause : undefined;
    super({
      name: "ModelMeshProviderInitError",
      code: "MM_CONNECTOR_INVALID",
      category: cause?.category ?? "config",
      retryable: cause?.retryable ?? false,
      provider: options.provider,
      ...(cause?.status !== undefined ? { status: cause.status } : {}),
      message: formatMessage(`provider ${options.provider}`, `initialisation failed: ${options.reason}`, "Check base_url and the API key, or list the models in the config"),
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
    });
  }

  /** True for a ProviderInitError from any copy of this package. */
  static is(error: unknown): error is ProviderInitError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[INIT] === true;
  }
}
