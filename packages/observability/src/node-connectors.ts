/**
 * Node-only descriptors (`@modelmesh/observability/node`): the JSONL file sinks taken over from the CDK, same
 * ids and aliases. Relative paths resolve against the process's working directory.
 */
import type { ConnectorDescriptor } from "@modelmesh/core";
import { FileObservability } from "@modelmesh/cdk/node";
import { z } from "zod";
import { connectorSchema, defined, pipelineKeys, pipelineOptions, sizeBytes } from "./observability-config.js";

const fileShape = {
  ...pipelineKeys,
  path: z.string().min(1).optional(),
  append: z.boolean().optional(),
  max_size: sizeBytes.optional(),
};

/** Config of `modelmesh.file.v1`. */
export const fileObservabilityConfigSchema = connectorSchema("modelmesh.file.v1", fileShape);

/** Config of `modelmesh.json-log.v1`. */
export const jsonLogConfigSchema = connectorSchema("modelmesh.json-log.v1", fileShape);

type FileObservabilityConfig = z.infer<typeof fileObservabilityConfigSchema>;

function fileSink(id: string, defaultPath: string) {
  return (config: FileObservabilityConfig, context: Parameters<ConnectorDescriptor["create"]>[1]) =>
    new FileObservability({ id, filePath: config.path ?? defaultPath, clock: context.clock, ...pipelineOptions(config), ...defined({ append: config.append, maxSizeBytes: config.max_size }) });
}

/** `modelmesh.file.v1` (`file`): redacted JSONL records appended to `path` (default `modelmesh.log`). */
export const fileObservabilityConnector: ConnectorDescriptor<FileObservabilityConfig, FileObservability> = {
  id: "modelmesh.file.v1",
  type: "observability",
  specificationVersion: "v1",
  aliases: ["file"],
  runtime: "node",
  description: "Redacted JSON lines appended to a file, with optional size rotation.",
  configSchema: fileObservabilityConfigSchema,
  create: fileSink("modelmesh.file.v1", "modelmesh.log"),
};

/** `modelmesh.json-log.v1` (`json-log`): the same JSONL sink, defaulting to `modelmesh.log.jsonl`. */
export const jsonLogObservabilityConnector: ConnectorDescriptor<FileObservabilityConfig, FileObservability> = {
  id: "modelmesh.json-log.v1",
  type: "observability",
  specificationVersion: "v1",
  aliases: ["json-log"],
  runtime: "node",
  description: "Structured JSONL request/event log (one redacted record per line).",
  configSchema: jsonLogConfigSchema,
  create: fileSink("modelmesh.json-log.v1", "modelmesh.log.jsonl"),
};

/** The Node-only connectors of this package (file, json-log). */
export const OBSERVABILITY_NODE_CONNECTORS: readonly ConnectorDescriptor[] = Object.freeze([fileObservabilityConnector, jsonLogObservabilityConnector] as ConnectorDescriptor[]);
