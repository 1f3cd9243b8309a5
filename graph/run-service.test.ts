import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MarketDataError, type Bar, type MarketDataProvider } from "../market/index.js";
import {
  BALANCED,
  counterIds,
  countByType,
  PAT,
  policyWith,
  runEvents,
  SAMPLE_AS_OF,
  sampleProvider,
  serviceOver,
  settableClock,
  storeLocation,
  supervisor,
  type StoreLocation,
  type Stores,
} from "../tests/graph-helpers.js";
import { isRunServiceError, type RunServiceErrorCode } from "./errors.js";
import { createRunService } from "./run-service.js";

/**
 * The run service's rules on SQLite stores: determinism, two approvers, rejection, acknowledgement
 * of soft warnings, the release price guard, fail-closed data failures. (tests/graph.e2e.test.ts
 * covers restarts and both backends.)
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

/** The sample provider with every close multiplied by `factor.value`. */
function scaledProvider(base: MarketDataProvider, factor: { value: number }): MarketDataProvider {
  const scale = (bars: readonly Bar[]): Bar[] =>
    bars.map((b) => ({ ...b, close: b.close * factor.value }));
  return {
    name: base.name,
    universe: () => base.universe(),
    instruments: (symbols) => base.instruments(symbols),
    fx: (request) => base.fx(request),
    async bars(request) {
      const result = await base.bars(request);
      const series: Record<string, Bar[]> = {};
      for (const [s, bars] of Object.entries(result.series)) series[s] = scale(bars);
      return { ...result, series };
    },
  };
}

/** Replaces run ids and ISO timestamps so two briefings can be compared on content. */
function normalised(value: unknown, runId: string): unknown {
  const text = JSON.stringify(value)
    .replaceAll(runId, "<run>")
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, "<time>");
  return JSON.parse(text);
}

describe("run service (SQLite)", () => {
  const time = settableClock();
  let location: StoreLocation;
  let stores: Stores;
  const extra: { location: StoreLocation; stores: Stores }[] = [];

  beforeEach(async () => {
    time.set("2024-01-02T10:00:00.000Z");
    location = await storeLocation("sqlite");
    stores = await location.open(time.clock);
  });
  afterEach(async () => {
    expect((await stores.audit.verify()).ok).toBe(true);
    await stores.close();
    await location.cleanup();
    for (const e of extra.splice(0)) {
      await e.stores.close();
      await e.location.cleanup();
    }
  });

  it("runs over shared market data and analysis answer exactly as runs that compute everything", async () => {
    const other = await storeLocation("sqlite");
    const otherStores = await other.open(time.clock);
    extra.push({ location: other, stores: otherStores });
    const cached = serviceOver(stores, { clock: time.clock, ids: counterIds("c") });
    const uncached = serviceOver(otherStores, {
      clock: time.clock,
      ids: counterIds("c"),
      analysisCacheSize: 0,
    });
    // The same sequence on each: a first book, then a different book over the same universe (the
    // cached service's second run reuses the data, forecast and covariances of the first).
    const second = { ...BALANCED, id: "second", cash: BALANCED.cash + 25_000 };
    for (const portfolio of [BALANCED, second]) {
      const request = { portfolio, dataSpec: { kind: "sample" as const }, requestedBy: PAT };
      const a = await cached.start(request);
      const b = await uncached.start(request);
      expect(a.status).toBe("awaiting_approval");
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    }
    // The audit trails of the two match event for event (ids, types, times, payloads).
    const events = async (s: Stores) =>
      (await s.audit.query({ limit: 500 })).items.map((r) => r.event);
    const trail = await events(stores);
    expect(trail.length).toBeGreaterThan(10);
    expect(trail).toEqual(await events(otherStores));
  });

  it("streams progress node by node and ends with the same briefing as an unstreamed run", async () => {
    const other = await storeLocation("sqlite");
    const otherStores = await other.open(time.clock);
    extra.push({ location: other, stores: otherStores });
    const plain = await serviceOver(stores, { clock: time.clock, ids: counterIds("p") }).start({
      portfolio: BALANCED,
      dataSpec: { kind: "sample" },
      requestedBy: PAT,
    });
    const seen: { node: string; step: number }[] = [];
    const streamed = await serviceOver(otherStores, {
      clock: time.clock,
      ids: counterIds("p"),
    }).start({
      portfolio: BALANCED,
      dataSpec: { kind: "sample" },
      requestedBy: PAT,
      onProgress: (p) => seen.push({ node: p.node, step: p.step }),
    });
    expect(JSON.stringify(streamed)).toBe(JSON.stringify(plain));
    expect(streamed.status).toBe("awaiting_approval");
    // Steps count 1, 2, 3, … and the graph's own path appears in order.
    expect(seen.map((s) => s.step)).toEqual(seen.map((_, i) => i + 1));
    const nodes = seen.map((s) => s.node);
    for (const [before, after] of [
      ["supervisor_plan", "data"],
      ["data", "optimizer"],
      ["optimizer", "execution"],
      ["execution", "pre_trade_checks"],
    ] as const)
      expect(nodes.indexOf(before)).toBeLessThan(nodes.indexOf(after));
    expect(nodes.indexOf("supervisor_plan")).toBe(0);
    // A listener that throws does not fail the run.
    const third = await storeLocation("sqlite");
    const thirdStores = await third.open(time.clock);
    extra.push({ location: third, stores: thirdStores });
    const robust = await serviceOver(thirdStores, {
      clock: time.clock,
      ids: counterIds("p"),
    }).start({
      portfolio: BALANCED,
      dataSpec: { kind: "sample" },
      requestedBy: PAT,
      onProgress: () => {
        throw new Error("listener gone");
      },
    });
    expect(robust.status).toBe("awaiting_approval");
  });

  it("gives the same briefing for the same inputs, as-of and seed, apart from run id and times", async () => {
    const other = await storeLocation("sqlite");
    const otherStores = await other.open(time.clock);
    extra.push({ location: other, stores: otherStores });
    const a = await serviceOver(stores, { clock: time.clock, ids: counterIds("a") }).start({
      portfolio: BALANCED,
      dataSpec: { kind: "sample" },
      requestedBy: PAT,
      seed: 7,
    });
    time.advanceMinutes(3);
    const b = await serviceOver(otherStores, { clock: time.clock, ids: counterIds("b") }).start({
      portfolio: BALANCED,
      dataSpec: { kind: "sample" },
      requestedBy: PAT,
      seed: 7,
    });
    expect(a.runId).not.toBe(b.runId);
    expect(normalised(b, b.runId)).toEqual(normalised(a, a.runId));
    expect(a.metadata.seed).toBe(7);
    expect(a.metadata.versions.steward).toBe("0.1.0-test");
    expect(Object.keys(a)).toEqual([
      "runId",
      "status",
      "asOf",
      "data",
      "forecast",
      "risk",
      "optimizer",
      "proposal",
      "checks",
      "approval",
      "narrative",
      "metadata",
    ]);
    // a different seed changes the Monte Carlo, nothing else it does not feed
    const c = await serviceOver(stores, { clock: time.clock, ids: counterIds("c") }).start({
      portfolio: { ...BALANCED, id: "balanced-c" },
      dataSpec: { kind: "sample" },
      requestedBy: PAT,
      seed: 8,
    });
    expect(c.risk.stress?.monteCarlo.seed).toBe(8);
    expect(c.proposal?.orders.map((o) => o.quantity)).toEqual(
      a.proposal?.orders.map((o) => o.quantity),
    );
  });

  it("needs two distinct approvers above the policy's threshold", async () => {
    const policy = policyWith((p) => ({
      ...p,
      approval: { ...p.approval, twoApproversAboveNotional: 0 },
    }));
    const service = serviceOver(stores, { clock: time.clock, policy });
    const { runId } = await service.start({
      portfolio: BALANCED,
      dataSpec: { kind: "sample" },
      requestedBy: PAT,
    });
    const first = await service.approve(runId, supervisor("sam"));
    expect(first).toMatchObject({
      status: "awaiting_approval",
      outcome: "awaiting_second_approval",
      required: 2,
      approvals: 1,
    });
    const again = await service.approve(runId, supervisor("sam"));
    expect(again).toMatchObject({
      status: "awaiting_approval",
      outcome: "unchanged",
      replayed: true,
    });
    const second = await service.approve(runId, supervisor("kim"));
    expect(second).toMatchObject({
      status: "released",
      outcome: "approved",
      required: 2,
      approvals: 2,
    });
    expect((await service.releasedOrders(runId, "json")).releasedBy).toEqual(["sam", "kim"]);
    const counts = countByType(await runEvents(stores.audit, runId));
    expect(counts["approval.granted"]).toBe(2);
    expect(counts["run.released"]).toBe(1);
  });

  it("releases once when the two required approvers decide at the same time", async () => {
    const policy = policyWith((p) => ({
      ...p,
      approval: { ...p.approval, twoApproversAboveNotional: 0 },
    }));
    const service = serviceOver(stores, { clock: time.clock, policy });
    const { runId } = await service.start({
      portfolio: BALANCED,
      dataSpec: { kind: "sample" },
      requestedBy: PAT,
    });
    const results = await Promise.all([
      service.approve(runId, supervisor("sam")),
      service.approve(runId, supervisor("kim")),
    ]);
    expect(results.map((r) => r.replayed)).toEqual([false, false]);
    expect((await service.get(runId))?.status).toBe("released");
    expect(countByType(await runEvents(stores.audit, runId))["run.released"]).toBe(1);
  });

  it("rejects only with a reason, ends the run and releases nothing", async () => {
    const service = serviceOver(stores, { clock: time.clock });
    const { runId } = await service.start({
      portfolio: BALANCED,
      dataSpec: { kind: "sample" },
      requestedBy: PAT,
    });
    expect(await refused(service.reject(runId, supervisor("sam"), { reason: "  " }))).toBe(
      "REASON_REQUIRED",
    );
    const result = await service.reject(runId, supervisor("sam"), {
      reason: "turnover too high this week",
    });
    expect(result).toMatchObject({ status: "rejected", outcome: "rejected" });
    const briefing = await service.get(runId);
    expect(briefing?.status).toBe("rejected");
    expect(briefing?.approval.decisions.map((d) => [d.actorId, d.action, d.reason])).toEqual([
      ["sam", "reject", "turnover too high this week"],
    ]);
    expect(await refused(service.releasedOrders(runId, "csv"))).toBe("NOT_RELEASED");
    expect(await refused(service.approve(runId, supervisor("kim")))).toBe("NOT_AWAITING_APPROVAL");
    const counts = countByType(await runEvents(stores.audit, runId));
    expect(counts["approval.rejected"]).toBe(1);
    expect(counts["order.released"]).toBeUndefined();
  });

  it("requires the approver to acknowledge every soft warning", async () => {
    // A cash floor of 50% of NAV makes CASH_BUFFER (soft) fail for any proposal of this book.
    const policy = policyWith((p) => ({
      ...p,
      limits: { ...p.limits, MIN_CASH_BUFFER: { ...p.limits.MIN_CASH_BUFFER, value: 0.5 } },
    }));
    const service = serviceOver(stores, { clock: time.clock, policy });
    const briefing = await service.start({
      portfolio: BALANCED,
      dataSpec: { kind: "sample" },
      requestedBy: PAT,
    });
    expect(briefing.status).toBe("awaiting_approval");
    expect(briefing.approval.acknowledgementsRequired).toContain("CASH_BUFFER");
    expect(await refused(service.approve(briefing.runId, supervisor("sam")))).toBe(
      "ACKNOWLEDGEMENT_REQUIRED",
    );
    const result = await service.approve(briefing.runId, supervisor("sam"), {
      acknowledgements: briefing.approval.acknowledgementsRequired,
    });
    expect(result.status).toBe("released");
    const granted = (await runEvents(stores.audit, briefing.runId)).find(
      (r) => r.event.type === "approval.granted",
    );
    expect(granted?.event.payload).toMatchObject({ acknowledgements: ["CASH_BUFFER"] });
  });

  it("denies the release when prices moved beyond the policy's tolerance since approval", async () => {
    const base = await sampleProvider();
    const factor = { value: 1 };
    const provider = scaledProvider(base, factor);
    const service = serviceOver(stores, {
      clock: time.clock,
      provider: () => Promise.resolve(provider),
    });
    const { runId, status } = await service.start({
      portfolio: BALANCED,
      asOf: SAMPLE_AS_OF,
      dataSpec: { kind: "sample" },
      requestedBy: PAT,
    });
    expect(status).toBe("awaiting_approval");
    factor.value = 1.05; // every price 5% higher; the default policy tolerates 2%
    const result = await service.approve(runId, supervisor("sam"));
    expect(result.status).toBe("release_denied");
    const briefing = await service.get(runId);
    expect(briefing?.approval.release?.status).toBe("release_denied");
    expect(
      briefing?.approval.release?.reasons.some((r) => r.startsWith("REAPPROVAL_REQUIRED")),
    ).toBe(true);
    const counts = countByType(await runEvents(stores.audit, runId));
    expect(counts["release.denied"]).toBe(1);
    expect(counts["order.released"]).toBeUndefined();
  });

  it("blocks the run when the market-data provider fails (fail closed)", async () => {
    const base = await sampleProvider();
    const failing: MarketDataProvider = {
      ...base,
      name: base.name,
      universe: () => base.universe(),
      instruments: (s) => base.instruments(s),
      fx: (r) => base.fx(r),
      bars: () => Promise.reject(new MarketDataError("PROVIDER_UNAVAILABLE", "the feed is down")),
    };
    const service = serviceOver(stores, {
      clock: time.clock,
      provider: () => Promise.resolve(failing),
    });
    const briefing = await service.start({
      portfolio: BALANCED,
      asOf: "2018-04-11",
      dataSpec: { kind: "sample" },
      requestedBy: PAT,
    });
    expect(briefing.status).toBe("blocked");
    expect(briefing.approval.reasons.some((r) => r.includes("PROVIDER_UNAVAILABLE"))).toBe(true);
    expect(briefing.narrative?.executionPlaybook[0]).toContain("Do not trade");
  });

  it("marks a run blocked and records run.failed when a node raises, then rethrows", async () => {
    // The policy source fails from its third use on: inside the Supervisor's risk review, outside
    // any agent's own error handling.
    const policy = policyWith((p) => p);
    let calls = 0;
    const service = createRunService({
      checkpointer: stores.checkpointer.saver,
      runStore: stores.runStore,
      audit: stores.audit,
      providerFor: sampleProvider,
      policyFor: () => {
        calls += 1;
        if (calls > 2) throw new Error("policy store unavailable");
        return policy;
      },
      clock: time.clock,
      idFactory: counterIds("z"),
      monteCarloPaths: 500,
    });
    await expect(
      service.start({ portfolio: BALANCED, dataSpec: { kind: "sample" }, requestedBy: PAT }),
    ).rejects.toThrow("policy store unavailable");
    expect((await stores.runStore.get("z-0001"))?.status).toBe("blocked");
    const trail = await runEvents(stores.audit, "z-0001");
    expect(countByType(trail)["run.failed"]).toBe(1);
    // The steps that finished before the failure keep their events, written before run.failed.
    const types = trail.map((r) => r.event.type);
    expect(types.slice(0, 3)).toEqual(["run.started", "data.fetched", "data.reviewed"]);
    expect(types.at(-1)).toBe("run.failed");
  });

  it("appends a briefing's events in one transaction when the graph stops, in node order", async () => {
    // The service's clock moves the stores' clock 1 ms per reading: appends made node by node
    // would differ in recordedAt.
    let ticks = 0;
    const ticking = () => {
      time.set(new Date(Date.parse("2024-01-02T10:00:00.000Z") + ticks++).toISOString());
      return time.clock();
    };
    const service = serviceOver(stores, { clock: ticking });
    const before = (await stores.audit.head()).size;
    const { runId, status } = await service.start({
      portfolio: BALANCED,
      asOf: SAMPLE_AS_OF,
      dataSpec: { kind: "sample" },
      requestedBy: PAT,
    });
    expect(status).toBe("awaiting_approval");
    const trail = await runEvents(stores.audit, runId);
    const graphEvents = trail.filter((r) => r.event.actor.kind === "agent");
    expect(graphEvents.length).toBeGreaterThan(5);
    // One batch: contiguous sequence numbers right after the head, one recordedAt.
    expect(graphEvents.map((r) => r.seq)).toEqual(graphEvents.map((_, i) => before + 1 + i));
    expect(new Set(graphEvents.map((r) => r.recordedAt)).size).toBe(1);
    expect(graphEvents[0]?.event.type).toBe("run.started");
    expect(graphEvents.map((r) => r.event.type)).toContain("approval.requested");
  });
});
