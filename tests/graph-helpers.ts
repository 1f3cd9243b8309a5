import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AuditRecord, AuditStore } from "../audit/index.js";
import { openAuditStore } from "../audit/open-store.js";
import {
  loadBundledPolicy,
  type ApprovalActor,
  type Policy,
  type PortfolioInput,
} from "../governance/index.js";
import { createCheckpointer, type Checkpointer } from "../graph/checkpointer.js";
import { openRunStore } from "../graph/open-run-store.js";
import type { RunStore } from "../graph/run-store.js";
import { createRunService, type RunService, type RunServiceDeps } from "../graph/run-service.js";
import { createProvider, type MarketDataProvider } from "../market/index.js";
import { createTestSchema } from "./pg.js";

/**
 * Fixtures for the run service's end-to-end tests: the three stores (checkpointer, run store,
 * audit) on SQLite files in a temp data directory or in a fresh PostgreSQL schema, reopened to
 * simulate a new process; a settable clock; counter run ids; users.
 */

export type Backend = "sqlite" | "postgres";

export const BALANCED: PortfolioInput = JSON.parse(
  readFileSync(new URL("../examples/portfolios/balanced.json", import.meta.url), "utf8"),
) as PortfolioInput;

/** The sample data's last equity date (the default as-of of a balanced briefing). */
export const SAMPLE_AS_OF = "2018-04-11";

export const PAT = { id: "pat", kind: "human" } as const;

/** A supervisor with scope over every portfolio. */
export function supervisor(id: string): ApprovalActor {
  return { id, roles: ["supervisor"], portfolios: "*", kind: "human" };
}

/** A clock that stays where it is set. */
export function settableClock(start = "2024-01-02T10:00:00.000Z"): {
  clock: () => Date;
  set: (iso: string) => void;
  advanceMinutes: (m: number) => void;
} {
  let t = Date.parse(start);
  return {
    clock: () => new Date(t),
    set: (iso) => {
      t = Date.parse(iso);
    },
    advanceMinutes: (m) => {
      t += m * 60_000;
    },
  };
}

export interface Stores {
  readonly checkpointer: Checkpointer;
  readonly runStore: RunStore;
  readonly audit: AuditStore;
  close(): Promise<void>;
}

/** Where one test's stores live; `open()` can be called again to simulate another process. */
export interface StoreLocation {
  open(clock: () => Date): Promise<Stores>;
  cleanup(): Promise<void>;
}

const signingKeyPem = generateKeyPairSync("ed25519")
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();

export async function storeLocation(backend: Backend): Promise<StoreLocation> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "steward-graph-"));
  const pg = backend === "postgres" ? await createTestSchema("graph_e2e") : null;
  return {
    async open(clock) {
      const databaseUrl = pg?.url;
      const checkpointer = await createCheckpointer({
        dataDir,
        ...(pg === null ? {} : { databaseUrl: pg.url, schema: pg.schema }),
      });
      const runStore = await openRunStore({
        dataDir,
        ...(databaseUrl === undefined ? {} : { databaseUrl }),
      });
      const { store: audit } = await openAuditStore({
        dataDir,
        clock,
        signingKeyPem,
        ...(databaseUrl === undefined ? {} : { databaseUrl }),
      });
      return {
        checkpointer,
        runStore,
        audit,
        async close() {
          await audit.close();
          await runStore.close();
          await checkpointer.close();
        },
      };
    },
    async cleanup() {
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let sample: Promise<MarketDataProvider> | undefined;

/** The bundled sample provider (one per test process; it is read-only). */
export function sampleProvider(): Promise<MarketDataProvider> {
  sample ??= createProvider({ kind: "sample" }, { cwd: "." });
  return sample;
}

/** Run ids run-0001, run-0002, … */
export function counterIds(prefix = "run"): () => string {
  let n = 0;
  return () => `${prefix}-${String(++n).padStart(4, "0")}`;
}

export interface ServiceOptions {
  readonly clock: () => Date;
  readonly ids?: () => string;
  readonly policy?: Policy;
  readonly provider?: () => Promise<MarketDataProvider>;
  readonly monteCarloPaths?: number;
  readonly analysisCacheSize?: number;
}

/** A run service over the stores (a "process"). */
export function serviceOver(stores: Stores, options: ServiceOptions): RunService {
  const policy = options.policy ?? loadBundledPolicy();
  const deps: RunServiceDeps = {
    checkpointer: stores.checkpointer.saver,
    runStore: stores.runStore,
    audit: stores.audit,
    providerFor: options.provider ?? sampleProvider,
    policyFor: () => policy,
    clock: options.clock,
    idFactory: options.ids ?? counterIds(),
    stewardVersion: "0.1.0-test",
    monteCarloPaths: options.monteCarloPaths ?? 2000,
    ...(options.analysisCacheSize === undefined
      ? {}
      : { analysisCacheSize: options.analysisCacheSize }),
  };
  return createRunService(deps);
}

/** A run's audit records, in order. */
export async function runEvents(audit: AuditStore, runId: string): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await audit.query({
      runId,
      limit: 500,
      ...(cursor === undefined ? {} : { cursor }),
    });
    out.push(...page.items);
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
  }
}

/** Count of events by type. */
export function countByType(records: readonly AuditRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[r.event.type] = (out[r.event.type] ?? 0) + 1;
  return out;
}

/** A copy of the default policy with changes applied to its JSON. */
export function policyWith(change: (p: Policy) => Policy): Policy {
  return change(structuredClone(loadBundledPolicy()));
}
