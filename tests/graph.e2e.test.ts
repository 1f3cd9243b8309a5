import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isRunServiceError, type RunServiceErrorCode } from "../graph/errors.js";
import {
  BALANCED,
  counterIds,
  countByType,
  PAT,
  policyWith,
  runEvents,
  SAMPLE_AS_OF,
  serviceOver,
  settableClock,
  storeLocation,
  supervisor,
  type Backend,
  type StoreLocation,
  type Stores,
} from "./graph-helpers.js";
import { pgAvailable } from "./pg.js";

/**
 * The whole run end to end on both checkpointer backends (with the matching run store and audit
 * store): examples/portfolios/balanced.json on the bundled sample data, the default policy unless
 * a scenario needs another. Every scenario ends with the audit trail verifying.
 */

async function refused(promise: Promise<unknown>): Promise<RunServiceErrorCode> {
  try {
    await promise;
  } catch (error) {
    if (isRunServiceError(error)) return error.code;
    throw error;
  }
  throw new Error("expected the run service to refuse");
}

function scenarios(backend: Backend, enabled: boolean): void {
  describe.runIf(enabled)(`run service end to end on ${backend}`, () => {
    let location: StoreLocation;
    let stores: Stores;
    const time = settableClock();
    const open: Stores[] = [];

    beforeEach(async () => {
      time.set("2024-01-02T10:00:00.000Z");
      location = await storeLocation(backend);
      stores = await location.open(time.clock);
      open.push(stores);
    });
    afterEach(async () => {
      const verify = await stores.audit.verify();
      expect(verify.ok, verify.reason ?? "").toBe(true);
      for (const s of open.splice(0)) await s.close();
      await location.cleanup();
    });

    /** A "new process": fresh checkpointer and stores on the same files / database. */
    async function restart(): Promise<Stores> {
      stores = await location.open(time.clock);
      open.push(stores);
      return stores;
    }

    it("briefs to awaiting approval, survives a restart, and releases on another user's approval", async () => {
      const first = serviceOver(stores, { clock: time.clock });
      const briefing = await first.start({
        portfolio: BALANCED,
        dataSpec: { kind: "sample" },
        requestedBy: PAT,
      });
      expect(briefing.status).toBe("awaiting_approval");
      expect(briefing.asOf).toBe(SAMPLE_AS_OF);
      expect(briefing.proposal?.orders.length).toBeGreaterThan(0);
      expect(briefing.proposal?.hash).toMatch(/^[0-9a-f]{64}$/);
      const runId = briefing.runId;
      const before = await runEvents(stores.audit, runId);
      expect(countByType(before)["approval.requested"]).toBe(1);

      const second = serviceOver(await restart(), { clock: time.clock });
      expect((await second.listPending()).map((p) => p.runId)).toEqual([runId]);
      time.advanceMinutes(5);
      const result = await second.approve(runId, supervisor("sam"));
      expect(result).toMatchObject({
        status: "released",
        outcome: "approved",
        required: 1,
        approvals: 1,
        replayed: false,
      });

      const after = await runEvents(stores.audit, runId);
      const ids = after.map((r) => r.event.eventId);
      expect(new Set(ids).size).toBe(ids.length);
      // the approval node re-ran on resume: its pre-interrupt event is still there exactly once
      const counts = countByType(after);
      expect(counts["approval.requested"]).toBe(1);
      expect(counts["run.started"]).toBe(1);
      expect(counts["approval.granted"]).toBe(1);
      expect(counts["run.released"]).toBe(1);
      expect(counts["order.released"]).toBe(briefing.proposal?.orders.length);
      // everything written before the interrupt is unchanged, in the same positions
      expect(after.slice(0, before.length).map((r) => r.event.eventId)).toEqual(
        before.map((r) => r.event.eventId),
      );

      const doc = await second.releasedOrders(runId, "json");
      expect(doc.orders.map((o) => o.idempotencyKey)).toEqual(
        briefing.proposal?.orders.map((o) => o.idempotencyKey),
      );
      expect(doc.releasedBy).toEqual(["sam"]);
      const csv = await second.releasedOrders(runId, "csv");
      expect(csv.split("\r\n").filter((l) => l !== "")).toHaveLength(doc.orders.length + 1);

      const reasons = (await stores.audit.checkpoints()).map((c) => c.reason);
      expect(reasons).toEqual(
        expect.arrayContaining(["run-at-rest:awaiting_approval", "run-at-rest:released"]),
      );

      const got = await second.get(runId);
      expect(got?.status).toBe("released");
      expect(got?.approval.release?.status).toBe("released");
      expect(got?.narrative?.summary).toContain("orders released");

      // a replayed approval is idempotent; a second release is impossible
      const replay = await second.approve(runId, supervisor("sam"));
      expect(replay).toMatchObject({ status: "released", outcome: "unchanged", replayed: true });
      expect(await refused(second.approve(runId, supervisor("kim")))).toBe("NOT_AWAITING_APPROVAL");
      expect((await runEvents(stores.audit, runId)).length).toBe(after.length);
    });

    it("releases exactly once when two processes approve the same run at the same time", async () => {
      const a = serviceOver(stores, { clock: time.clock });
      const { runId, proposal } = await a.start({
        portfolio: BALANCED,
        dataSpec: { kind: "sample" },
        requestedBy: PAT,
      });
      const b = serviceOver(await restart(), { clock: time.clock });
      const results = await Promise.all([
        a.approve(runId, supervisor("sam")),
        b.approve(runId, supervisor("kim")),
      ]);
      expect(results.filter((r) => r.outcome === "approved")).toHaveLength(1);
      expect((await b.get(runId))?.status).toBe("released");
      const counts = countByType(await runEvents(stores.audit, runId));
      expect(counts["run.released"]).toBe(1);
      expect(counts["order.released"]).toBe(proposal?.orders.length);
    });

    it("refuses self-approval and keeps the run waiting", async () => {
      const service = serviceOver(stores, { clock: time.clock });
      const { runId } = await service.start({
        portfolio: BALANCED,
        dataSpec: { kind: "sample" },
        requestedBy: PAT,
      });
      expect(await refused(service.approve(runId, supervisor("pat")))).toBe("SELF_APPROVAL");
      expect((await service.get(runId))?.status).toBe("awaiting_approval");
      const denied = (await runEvents(stores.audit, runId)).filter(
        (r) => r.event.type === "approval.denied",
      );
      expect(denied.map((r) => r.event.outcome?.code)).toEqual(["SELF_APPROVAL"]);
    });

    it("refuses an approval of a proposal other than the current one (PROPOSAL_CHANGED)", async () => {
      const service = serviceOver(stores, { clock: time.clock });
      const { runId, proposal } = await service.start({
        portfolio: BALANCED,
        dataSpec: { kind: "sample" },
        requestedBy: PAT,
      });
      const stale = `${(proposal?.hash ?? "").slice(0, 63)}${proposal?.hash.endsWith("0") === true ? "1" : "0"}`;
      expect(
        await refused(service.approve(runId, supervisor("sam"), { proposalHash: stale })),
      ).toBe("PROPOSAL_CHANGED");
      expect((await service.get(runId))?.status).toBe("awaiting_approval");
    });

    it("refuses an approval after the request expired, and expires it (never approves)", async () => {
      const service = serviceOver(stores, { clock: time.clock });
      const { runId } = await service.start({
        portfolio: BALANCED,
        dataSpec: { kind: "sample" },
        requestedBy: PAT,
      });
      time.advanceMinutes(31); // the default policy's requests expire after 30 minutes
      expect(await refused(service.approve(runId, supervisor("sam")))).toBe("EXPIRED");
      const briefing = await service.get(runId);
      expect(briefing?.status).toBe("expired");
      expect(briefing?.narrative?.summary).toContain("expired");
      const counts = countByType(await runEvents(stores.audit, runId));
      expect(counts["approval.expired"]).toBe(1);
      expect(counts["order.released"]).toBeUndefined();
      expect(await service.listPending()).toEqual([]);
    });

    it("expires overdue requests in a sweep, leaving fresh ones pending", async () => {
      const service = serviceOver(stores, { clock: time.clock });
      const old = await service.start({
        portfolio: BALANCED,
        dataSpec: { kind: "sample" },
        requestedBy: PAT,
      });
      time.advanceMinutes(20);
      const fresh = await service.start({
        portfolio: { ...BALANCED, id: "balanced-2" },
        dataSpec: { kind: "sample" },
        requestedBy: PAT,
      });
      time.advanceMinutes(15); // old: 35 minutes, fresh: 15 minutes
      expect(await service.expire()).toEqual([old.runId]);
      expect((await service.get(old.runId))?.status).toBe("expired");
      expect((await service.listPending()).map((p) => p.runId)).toEqual([fresh.runId]);
    });

    it("blocks a run that buys a restricted instrument", async () => {
      const ids = counterIds();
      const briefing0 = await serviceOver(stores, { clock: time.clock, ids }).start({
        portfolio: BALANCED,
        dataSpec: { kind: "sample" },
        requestedBy: PAT,
      });
      const bought = briefing0.proposal?.orders.find((o) => o.side === "BUY")?.symbol ?? "";
      expect(bought).not.toBe("");
      const policy = policyWith((p) => ({
        ...p,
        restrictedList: [{ symbol: bought, scope: "buy", reason: "under review" }],
      }));
      const briefing = await serviceOver(stores, { clock: time.clock, policy, ids }).start({
        portfolio: BALANCED,
        dataSpec: { kind: "sample" },
        requestedBy: PAT,
      });
      expect(briefing.status).toBe("blocked");
      const failed = briefing.checks
        .filter((c) => !c.passed && c.severity === "hard")
        .map((c) => c.code);
      expect(failed).toContain("RESTRICTED_LIST");
      const counts = countByType(await runEvents(stores.audit, briefing.runId));
      expect(counts["run.blocked"]).toBe(1);
      expect(counts["approval.requested"]).toBeUndefined();
    });

    it("blocks a run whose prices are stale for its as-of date (STALE_PRICE)", async () => {
      const service = serviceOver(stores, { clock: time.clock });
      const briefing = await service.start({
        portfolio: BALANCED,
        asOf: "2018-06-29",
        dataSpec: { kind: "sample" },
        requestedBy: PAT,
      });
      expect(briefing.status).toBe("blocked");
      expect(
        briefing.data.findings.some((f) => f.code === "STALE_PRICE" && f.severity === "blocking"),
      ).toBe(true);
      expect(briefing.proposal).toBeNull();
      expect(briefing.approval.reasons.some((r) => r.startsWith("STALE_PRICE"))).toBe(true);
      const counts = countByType(await runEvents(stores.audit, briefing.runId));
      expect(counts["data.quality_failed"]).toBeGreaterThan(0);
      expect(counts["run.blocked"]).toBe(1);
    });

    it("loops the Optimizer under a tighter budget after a volatility breach and ends within limits", async () => {
      // 13.6% is just below the volatility the first proposal reaches once whole lots and the drift
      // band are applied, so the Risk agent reports a breach and the Supervisor retries at 0.9 × 13.6%.
      // The tilt towards low-volatility names that results concentrates issuers beyond the default
      // UCITS limits (a separate control), so this scenario relaxes those to isolate the loop.
      const policy = policyWith((p) => ({
        ...p,
        limits: {
          ...p.limits,
          MAX_ISSUER_WEIGHT: { ...p.limits.MAX_ISSUER_WEIGHT, value: 1 },
          MAX_ISSUER_AGGREGATE: { ...p.limits.MAX_ISSUER_AGGREGATE, value: 1 },
        },
      }));
      const portfolio = {
        ...BALANCED,
        mandate: { ...BALANCED.mandate, riskLimits: { maxVolatility: 0.136 } },
      };
      const briefing = await serviceOver(stores, {
        clock: time.clock,
        policy,
        monteCarloPaths: 10_000,
      }).start({
        portfolio,
        dataSpec: { kind: "sample" },
        requestedBy: PAT,
      });
      expect(briefing.optimizer?.runs).toBeGreaterThan(1);
      expect(briefing.optimizer?.riskReviews[0]?.action).toBe("retry-optimizer");
      expect(briefing.optimizer?.riskReviews.at(-1)?.action).toBe("proceed");
      expect(briefing.risk.proposed?.volatility).toBeLessThanOrEqual(0.136);
      expect(briefing.risk.withinLimits).toBe(true);
      expect(briefing.status).toBe("awaiting_approval");
      const counts = countByType(await runEvents(stores.audit, briefing.runId));
      expect(counts["optimizer.completed"]).toBe(briefing.optimizer?.runs);
      expect(counts["risk.reviewed"]).toBe(briefing.optimizer?.runs);
    });
  });
}

scenarios("sqlite", true);
scenarios("postgres", pgAvailable);
