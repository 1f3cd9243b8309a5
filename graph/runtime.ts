import { randomUUID } from "node:crypto";
import { openAuditStore, type AuditStore } from "../audit/index.js";
import { loadBundledPolicy, loadPolicyDir, type Policy } from "../governance/index.js";
import { createCheckpointer, type Checkpointer } from "./checkpointer.js";
import { openPortfolioStore, openRunStore } from "./open-run-store.js";
import type { PortfolioStore } from "./portfolio-store.js";
import { providerFactory } from "./providers.js";
import { createRunService, type RunService } from "./run-service.js";
import type { RunStore } from "./run-store.js";

/** Where the stores live and what the run service is given: the composition root's inputs. */
export interface RuntimeOptions {
  /** SQLite files live here (audit.db, runs, portfolios, checkpoints.sqlite, price cache). */
  readonly dataDir: string;
  /** PostgreSQL for every store when set. */
  readonly databaseUrl?: string;
  readonly checkpointDir?: string;
  readonly auditSigningKeyPem?: string;
  /** Resolves `csv:<dir>` specs. */
  readonly cwd: string;
  readonly clock: () => Date;
  /** New run ids; default random UUIDs. */
  readonly idFactory?: () => string;
  readonly stewardVersion: string;
  readonly monteCarloPaths?: number;
  /** Immutable market-data answers shared between runs (default 32; 0 = fetch every run). */
  readonly analysisCacheSize?: number;
  /** The firm's own policies (`<id>.json`, see loadPolicyDir); an id found here wins over a bundled one. */
  readonly policyDir?: string;
}

/** The opened stores and the run service over them. */
export interface Runtime {
  readonly runService: RunService;
  readonly audit: AuditStore;
  readonly runStore: RunStore;
  /** Versioned portfolios saved through the API. */
  readonly portfolioStore: PortfolioStore;
  readonly checkpointer: Checkpointer;
  /** The public key of a development signing key generated on this start (print it once); else null. */
  readonly createdSigningKey: {
    readonly publicKeyPem: string;
    readonly publicKeyPath: string;
  } | null;
  readonly policyFor: (policyId: string) => Policy;
  close(): Promise<void>;
}

/**
 * Opens the audit store, the run store, the portfolio store and the LangGraph checkpointer
 * (SQLite under `dataDir`, or PostgreSQL with `databaseUrl`) and builds the run service over them
 * — what `steward brief`, `approve`, `reject` and `serve` share. Policies are those of
 * `policyDir` (read at start) and, for other ids, the bundled ones, loaded once per id. When one
 * store fails to open, the ones already open are closed again.
 */
export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  // The firm's policies first: a bad file stops the start before any store is opened.
  const own =
    options.policyDir === undefined ? new Map<string, Policy>() : loadPolicyDir(options.policyDir);
  const db = options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl };
  const opened = await openAuditStore({
    dataDir: options.dataDir,
    clock: options.clock,
    ...db,
    ...(options.checkpointDir === undefined ? {} : { checkpointDir: options.checkpointDir }),
    ...(options.auditSigningKeyPem === undefined
      ? {}
      : { signingKeyPem: options.auditSigningKeyPem }),
  });
  const opens: { close(): Promise<void> }[] = [opened.store];
  const track = async <T extends { close(): Promise<void> }>(open: Promise<T>): Promise<T> => {
    try {
      const store = await open;
      opens.push(store);
      return store;
    } catch (error) {
      for (const store of opens.reverse()) await store.close().catch(() => undefined);
      throw error;
    }
  };
  const runStore = await track(openRunStore({ dataDir: options.dataDir, ...db }));
  const portfolioStore = await track(openPortfolioStore({ dataDir: options.dataDir, ...db }));
  const checkpointer = await track(createCheckpointer({ dataDir: options.dataDir, ...db }));
  const policies = new Map<string, Policy>(own);
  const policyFor = (id: string): Policy => {
    let policy = policies.get(id);
    if (policy === undefined) {
      policy = loadBundledPolicy(id);
      policies.set(id, policy);
    }
    return policy;
  };
  const runService = createRunService({
    checkpointer: checkpointer.saver,
    runStore,
    audit: opened.store,
    providerFor: providerFactory({ cwd: options.cwd, clock: options.clock }),
    policyFor,
    clock: options.clock,
    idFactory: options.idFactory ?? randomUUID,
    stewardVersion: options.stewardVersion,
    ...(options.monteCarloPaths === undefined ? {} : { monteCarloPaths: options.monteCarloPaths }),
    ...(options.analysisCacheSize === undefined
      ? {}
      : { analysisCacheSize: options.analysisCacheSize }),
  });
  return {
    runService,
    audit: opened.store,
    runStore,
    portfolioStore,
    checkpointer,
    createdSigningKey: opened.createdKey,
    policyFor,
    async close() {
      await opened.store.close();
      await runStore.close();
      await portfolioStore.close();
      await checkpointer.close();
    },
  };
}
