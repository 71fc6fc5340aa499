/** Identity helper for connector descriptors (CONTRIBUTING.md, "Add a connector"). */
import { ConfigError } from "@modelmesh/core";

/** Connector ids are dot-notated, lower-case `[a-z0-9-.]`, ending in a version segment: `acme.echo.v1`. */
export const CONNECTOR_ID_PATTERN = /^[a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)*\.v[0-9]+$/;

/**
 * The minimal structural shape every connector descriptor has. Core's registry owns the full
 * `ConnectorDescriptor` type; this keeps `defineConnector` usable (and type-preserving) against it.
 */
export interface ConnectorDescriptorShape {
  /** Dot-notated connector id, e.g. `acme.echo.v1`. */
  readonly id: string;
  /** Connector type: `provider`, `rotation`, `secret-store`, `storage`, `observability`, `discovery` */
  readonly type: string;
}

/**
 * Declares a connector descriptor. Returns `descriptor` unchanged with its exact type preserved, after
 * checking the id format, so a typo fails at load time with a clear error instead of at registration.
 * Performs no registration: the loader imports the package and registers `mod.connector`.
 *
 * @example
 * export const connector = defineConnector({
 *   id: "acme.echo.v1",
 *   type: "provider",
 *   specificationVersion: "v1",
 *   create: (config: { greeting: string }) => new EchoProvider(config),
 * });
 */
export function defineConnector<const D extends ConnectorDescriptorShape>(descriptor: D): D {
  if (!CONNECTOR_ID_PATTERN.test(descriptor.id)) {
    throw new ConfigError({
      code: "MM_CONNECTOR_INVALID",
      issues: [
        {
          path: "connector.id",
          message: `'${descriptor.id}' is not a valid connector id; use lower-case dot notation ending in a version, e.g. 'acme.echo.v1'`,
        },
      ],
    });
  }
  return descriptor;
}
