import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestSchema } from "./pg.js";

/**
 * Where a store contract suite puts its store: a SQLite file in a fresh temp directory (one level
 * deeper, so opening must create the directory), or a fresh PostgreSQL schema.
 */
export interface StoreBackend<S> {
  open(): Promise<S>;
  /** A second store over the same storage (another process). */
  reopen(): Promise<S>;
  cleanup(): Promise<void>;
}

export function sqliteStoreBackend<S>(
  prefix: string,
  file: string,
  openFile: (file: string) => S | Promise<S>,
): StoreBackend<S> {
  let dir = "";
  const location = () => path.join(dir, "nested", file);
  return {
    open: async () => {
      dir = mkdtempSync(path.join(tmpdir(), prefix));
      return openFile(location());
    },
    reopen: async () => openFile(location()),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function postgresStoreBackend<S>(
  schemaName: string,
  openUrl: (url: string) => Promise<S>,
): StoreBackend<S> {
  let schema: Awaited<ReturnType<typeof createTestSchema>> | undefined;
  return {
    open: async () => {
      schema = await createTestSchema(schemaName);
      return openUrl(schema.url);
    },
    reopen: async () => {
      if (schema === undefined) throw new Error("open first");
      return openUrl(schema.url);
    },
    cleanup: async () => schema?.drop(),
  };
}
