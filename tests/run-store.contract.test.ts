import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApprovalRow, NewRun, RunStore } from "../graph/run-store.js";
import { openPostgresRunStore } from "../graph/run-store-postgres.js";
import { openSqliteRunStore, SQLITE_RUNS_FILE } from "../graph/run-store-sqlite.js";
import { pgAvailable } from "./pg.js";
import { postgresStoreBackend, sqliteStoreBackend, type StoreBackend } from "./store-backends.js";

/**
 * One contract, both backends (SQLite in a temp file, PostgreSQL in a fresh schema). Expected
 * values are the hand-written rows put in.
 */

type Backend = StoreBackend<RunStore>;

const sqliteBackend = (): Backend =>
  sqliteStoreBackend("steward-runs-", SQLITE_RUNS_FILE, openSqliteRunStore);
const postgresBackend = (): Backend =>
  postgresStoreBackend("run_store", (url) => openPostgresRunStore({ connectionString: url }));

function run(id: string, overrides: Partial<NewRun> = {}): NewRun {
  return {
    runId: id,
    portfolioId: "balanced",
    requestedBy: { id: "pat", kind: "human" },
    status: "pending_checks",
    asOf: "2018-04-11",
    proposalHash: null,
    createdAt: "2024-01-02T10:00:00.000Z",
    expiresAt: null,
    summary: { note: "é ünïcode", n: 1 },
    ...overrides,
  };
}

function approval(overrides: Partial<ApprovalRow> = {}): ApprovalRow {
  return {
    runId: "r1",
    actorId: "sam",
    action: "approve",
    proposalHash: "a".repeat(64),
    reason: null,
    acknowledgements: ["CASH_BUFFER"],
    at: "2024-01-02T10:05:00.000Z",
    ...overrides,
  };
}

function contract(name: string, makeBackend: () => Backend, enabled: boolean): void {
  describe.runIf(enabled)(`run store contract: ${name}`, () => {
    let backend: Backend;
    let store: RunStore;
    const others: RunStore[] = [];

    beforeEach(async () => {
      backend = makeBackend();
      store = await backend.open();
    });
    afterEach(async () => {
      for (const other of others.splice(0)) await other.close();
      await store.close();
      await backend.cleanup();
    });

    it("returns a created run exactly as written, with updatedAt equal to createdAt", async () => {
      await store.create(run("r1"));
      expect(await store.get("r1")).toEqual({
        ...run("r1"),
        updatedAt: "2024-01-02T10:00:00.000Z",
      });
      expect(await store.get("missing")).toBeNull();
    });

    it("refuses a second run with the same id", async () => {
      await store.create(run("r1"));
      await expect(store.create(run("r1"))).rejects.toThrow();
    });

    it("moves the status only when it is one of the expected ones (compare-and-set)", async () => {
      await store.create(run("r1"));
      const at = "2024-01-02T10:01:00.000Z";
      const moved = await store.transition("r1", ["pending_checks"], "awaiting_approval", {
        at,
        proposalHash: "b".repeat(64),
        expiresAt: "2024-01-02T10:31:00.000Z",
        summary: { orders: 3 },
      });
      expect(moved).toBe(true);
      expect(await store.get("r1")).toEqual({
        ...run("r1"),
        status: "awaiting_approval",
        proposalHash: "b".repeat(64),
        expiresAt: "2024-01-02T10:31:00.000Z",
        summary: { orders: 3 },
        updatedAt: at,
      });
      // a stale `from` changes nothing
      expect(
        await store.transition("r1", ["pending_checks"], "blocked", {
          at: "2024-01-02T11:00:00.000Z",
        }),
      ).toBe(false);
      expect((await store.get("r1"))?.status).toBe("awaiting_approval");
      expect(await store.transition("r1", [], "approved", { at })).toBe(false);
      expect(await store.transition("nope", ["pending_checks"], "blocked", { at })).toBe(false);
    });

    it("lets only one of two concurrent stores release the same run", async () => {
      await store.create(run("r1", { status: "approved" }));
      const other = await backend.reopen();
      others.push(other);
      const at = "2024-01-02T10:02:00.000Z";
      const results = await Promise.all([
        store.transition("r1", ["approved"], "released", { at }),
        other.transition("r1", ["approved"], "released", { at }),
        other.transition("r1", ["approved"], "release_denied", { at }),
      ]);
      expect(results.filter((r) => r)).toHaveLength(1);
    });

    it("lists runs by status and portfolio, oldest first", async () => {
      await store.create(
        run("r2", { createdAt: "2024-01-02T10:00:02.000Z", status: "awaiting_approval" }),
      );
      await store.create(
        run("r1", { createdAt: "2024-01-02T10:00:01.000Z", status: "awaiting_approval" }),
      );
      await store.create(
        run("r3", {
          createdAt: "2024-01-02T10:00:00.000Z",
          status: "blocked",
          portfolioId: "other",
        }),
      );
      const ids = async (q: Parameters<RunStore["listRuns"]>[0]) =>
        (await store.listRuns(q)).map((r) => r.runId);
      expect(await ids({ status: "awaiting_approval" })).toEqual(["r1", "r2"]);
      expect(await ids({ status: ["blocked", "awaiting_approval"] })).toEqual(["r3", "r1", "r2"]);
      expect(await ids({ portfolioId: "other" })).toEqual(["r3"]);
      expect(await ids({})).toEqual(["r3", "r1", "r2"]);
      expect(await ids({ limit: 1 })).toEqual(["r3"]);
      expect(await ids({ status: "released" })).toEqual([]);
    });

    it("counts runs created since a time, by portfolio, excluding one run", async () => {
      await store.create(run("r1", { createdAt: "2024-01-02T09:59:59.999Z" }));
      await store.create(run("r2", { createdAt: "2024-01-02T10:00:00.000Z" }));
      await store.create(
        run("r3", { createdAt: "2024-01-02T10:30:00.000Z", portfolioId: "other" }),
      );
      const since = "2024-01-02T10:00:00.000Z";
      expect(await store.countRuns({ since })).toBe(2);
      expect(await store.countRuns({ since, portfolioId: "balanced" })).toBe(1);
      expect(await store.countRuns({ since, excludeRunId: "r3" })).toBe(1);
      expect(await store.countRuns({ since: "2025-01-01T00:00:00.000Z" })).toBe(0);
    });

    it("counts runs by status, every status present, zero when none", async () => {
      const zero = {
        pending_checks: 0,
        blocked: 0,
        no_trade: 0,
        awaiting_approval: 0,
        approved: 0,
        rejected: 0,
        expired: 0,
        released: 0,
        release_denied: 0,
      };
      expect(await store.statusCounts()).toEqual(zero);
      await store.create(run("r1"));
      await store.create(run("r2", { status: "awaiting_approval", portfolioId: "other" }));
      await store.create(run("r3", { status: "awaiting_approval" }));
      await store.create(run("r4", { status: "released" }));
      expect(await store.statusCounts()).toEqual({
        ...zero,
        pending_checks: 1,
        awaiting_approval: 2,
        released: 1,
      });
      // a transition moves one run from one count to another
      await store.transition("r3", ["awaiting_approval"], "approved", {
        at: "2024-01-02T10:01:00.000Z",
      });
      const other = await backend.reopen();
      others.push(other);
      expect(await other.statusCounts()).toEqual({
        ...zero,
        pending_checks: 1,
        awaiting_approval: 1,
        approved: 1,
        released: 1,
      });
    });

    it("records one decision per actor and proposal, in order, and ignores a replay", async () => {
      await store.create(run("r1"));
      expect(await store.addApproval(approval())).toBe(true);
      expect(await store.addApproval(approval({ at: "2024-01-02T10:06:00.000Z" }))).toBe(false);
      expect(await store.addApproval(approval({ action: "reject", reason: "no" }))).toBe(false);
      const second = approval({
        actorId: "kim",
        acknowledgements: [],
        reason: "fine",
        at: "2024-01-02T10:07:00.000Z",
      });
      expect(await store.addApproval(second)).toBe(true);
      // the same actor may decide again on a new proposal version
      const newVersion = approval({ proposalHash: "c".repeat(64), at: "2024-01-02T10:08:00.000Z" });
      expect(await store.addApproval(newVersion)).toBe(true);
      expect(await store.approvals("r1")).toEqual([approval(), second, newVersion]);
      expect(await store.approvals("r2")).toEqual([]);
    });

    it("keeps runs and decisions across a reopen (another process)", async () => {
      await store.create(run("r1"));
      await store.addApproval(approval());
      const other = await backend.reopen();
      others.push(other);
      expect((await other.get("r1"))?.summary).toEqual({ note: "é ünïcode", n: 1 });
      expect(await other.approvals("r1")).toEqual([approval()]);
    });
  });
}

contract("sqlite", sqliteBackend, true);
contract("postgres", postgresBackend, pgAvailable);
