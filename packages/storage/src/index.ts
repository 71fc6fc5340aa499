/** @modelmesh/storage: State storage connectors for ModelMesh: memory and local files. */
declare const __PACKAGE_VERSION__: string;

export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

export {
  localFileStorageConfigSchema,
  localFileStorageConnector,
  memoryStorageConfigSchema,
  memoryStorageConnector,
  STORAGE_CONNECTORS,
} from "./connectors.js";
export { FILE_FORMATS, LocalFileStorage, parseEncryptionKey, type FileFormat, type LocalFileStorageOptions } from "./local-file-storage.js";
