/**
 * The browser connectors: state storage on Web Storage and IndexedDB, and the browser secret store. The
 * package entry re-exports these names (explicit list, no `export *`).
 */
export { createBrowserSecretStore, BROWSER_SECRET_STORE_ID, type BrowserSecretStore, type BrowserSecretStoreOptions } from "./browser-secret-store.js";
export { createIndexedDbStorage, INDEXED_DB_STORAGE_ID, type IndexedDbStorageOptions } from "./indexed-db-storage.js";
export type { BrowserLockMode, BrowserLockOptions, BrowserStorageConnector } from "./locks.js";
export { createWebStorage, LOCAL_STORAGE_ID, SESSION_STORAGE_ID, WEB_STORAGE_ID, type WebStorageOptions } from "./web-storage.js";
