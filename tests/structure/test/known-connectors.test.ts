/**
 * Core's table of which package ships which connector (the hint of an unknown connector id) equals what the
 * packages export: every id and alias of every shipped descriptor, under the entry point that exports it.
 */
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { KNOWN_CONNECTOR_PACKAGES, type ConnectorDescriptor } from "@modelmesh/core";
import { DISCOVERY_CONNECTORS } from "@modelmesh/discovery";
import { OBSERVABILITY_CONNECTORS } from "@modelmesh/observability";
import { OBSERVABILITY_NODE_CONNECTORS } from "@modelmesh/observability/node";
import { connector as otelConnector } from "@modelmesh/observability-otel";
import { connector as anthropicConnector } from "@modelmesh/provider-anthropic";
import { connector as bedrockConnector } from "@modelmesh/provider-bedrock";
import { connector as cohereConnector } from "@modelmesh/provider-cohere";
import { connector as geminiConnector } from "@modelmesh/provider-google";
import { connectors as OPENAI_CONNECTORS } from "@modelmesh/provider-openai";
import { ROTATION_CONNECTORS } from "@modelmesh/rotation";
import { SECRETS_CONNECTORS } from "@modelmesh/secrets";
import { STORAGE_CONNECTORS } from "@modelmesh/storage";
import { connector as redisConnector } from "@modelmesh/storage-redis";
import { expect, it } from "vitest";

const SHIPPED: Record<string, ReadonlyArray<Pick<ConnectorDescriptor, "id" | "aliases">>> = {
  "@modelmesh/cdk": CDK_CONNECTORS,
  "@modelmesh/rotation": ROTATION_CONNECTORS,
  "@modelmesh/secrets": SECRETS_CONNECTORS,
  "@modelmesh/storage": STORAGE_CONNECTORS,
  "@modelmesh/storage-redis": [redisConnector],
  "@modelmesh/observability": OBSERVABILITY_CONNECTORS,
  "@modelmesh/observability/node": OBSERVABILITY_NODE_CONNECTORS,
  "@modelmesh/observability-otel": [otelConnector],
  "@modelmesh/discovery": DISCOVERY_CONNECTORS,
  "@modelmesh/provider-openai": OPENAI_CONNECTORS,
  "@modelmesh/provider-anthropic": [anthropicConnector],
  "@modelmesh/provider-google": [geminiConnector],
  "@modelmesh/provider-cohere": [cohereConnector],
  "@modelmesh/provider-bedrock": [bedrockConnector],
};

it("lists every shipped connector id and alias under the package that exports it, and nothing else", () => {
  const actual = Object.fromEntries(Object.entries(SHIPPED).map(([pkg, list]) => [pkg, list.flatMap((d) => [d.id, ...(d.aliases ?? [])]).sort()]));
  const table = Object.fromEntries(Object.entries(KNOWN_CONNECTOR_PACKAGES).map(([pkg, names]) => [pkg, [...names].sort()]));
  expect(table).toEqual(actual);
});
