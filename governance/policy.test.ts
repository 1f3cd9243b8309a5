import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isToolError } from "../tools/index.js";
import {
  classLimitValue,
  effectiveTradingState,
  loadBundledPolicy,
  loadPolicy,
  overdueLimits,
  policyVersion,
  type LimitName,
  type Policy,
} from "./policy.js";

const raw = (): Record<string, unknown> =>
  JSON.parse(JSON.stringify(loadBundledPolicy())) as Record<string, unknown>;

/** The field a rejected policy names (loadPolicy throws a ToolError). */
function fieldOf(json: unknown): string {
  try {
    loadPolicy(json);
  } catch (error) {
    if (isToolError(error)) return error.field;
    throw error;
  }
  throw new Error("expected the policy to be rejected");
}

interface PolicyJson {
  limits: Record<string, Record<string, unknown> | undefined>;
  approval: Record<string, unknown>;
}

function edit(mutate: (j: PolicyJson) => void): unknown {
  const j = raw() as unknown as PolicyJson;
  mutate(j);
  return j;
}

/** A deliberately naive RFC 8785 serialiser for plain data (sorted keys, JSON.stringify scalars). */
function naiveCanonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(naiveCanonical).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${naiveCanonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .reverse()
        .map(([k, x]) => [k, reverseKeys(x)]),
    );
  }
  return v;
}

describe("the bundled default policy", () => {
  it("loads and validates from governance/policies/default.json", () => {
    const p = loadBundledPolicy();
    expect(p.id).toBe("default");
    expect(p.tradingState).toBe("ACTIVE");
    expect(p.approval.expiryMinutes).toBe(30);
    expect(p.approval.twoApproversAboveNotional).toBe(1_000_000);
    expect(p.release.maxPriceMovePct).toBe(2);
  });

  it("gives every limit a role as owner, a one-line rationale and a future review date", () => {
    const p = loadBundledPolicy();
    const names = Object.keys(p.limits) as LimitName[];
    expect(names.length).toBe(16);
    for (const name of names) {
      const l = p.limits[name];
      expect(l.owner, name).toMatch(/^(Head of|Chief) [A-Z]/);
      expect(l.rationale.length, name).toBeGreaterThan(20);
      expect(l.rationale, name).not.toMatch(/\n/);
      expect(l.reviewDate > "2026-11-20", name).toBe(true);
    }
  });

  it("applies UCITS 5/10/40 to equities and bonds", () => {
    const p = loadBundledPolicy();
    expect(p.limits.MAX_ISSUER_WEIGHT.value).toEqual({ equity: 0.1, bond: 0.1 });
    expect(p.limits.MAX_ISSUER_AGGREGATE.value).toBe(0.4);
    expect(p.limits.MAX_ISSUER_AGGREGATE.aboveWeight).toBe(0.05);
  });

  it("refuses an id that is not a slug, so no path outside policies/ can be read", () => {
    expect(() => loadBundledPolicy("../package")).toThrow(/policyId: must be a slug/);
    expect(() => loadBundledPolicy("nope")).toThrow(/no bundled policy "nope"/);
  });
});

describe("loadPolicy validation names the offending field", () => {
  it("rejects an unknown trading state", () => {
    expect(fieldOf({ ...raw(), tradingState: "PAUSED" })).toBe("policy.tradingState");
  });

  it("rejects a limit without an owner", () => {
    expect(fieldOf(edit((j) => delete j.limits.MAX_TURNOVER?.owner))).toBe(
      "policy.limits.MAX_TURNOVER.owner",
    );
  });

  it("rejects a misspelt limit name instead of ignoring it", () => {
    const json = edit((j) => {
      const l = j.limits.MAX_TURNOVER;
      if (l !== undefined) j.limits.MAX_TURNOVR = l;
    });
    expect(fieldOf(json)).toBe("policy.limits.MAX_TURNOVR");
  });

  it("rejects a missing limit", () => {
    expect(fieldOf(edit((j) => delete j.limits.DRAWDOWN_TRIGGER))).toBe(
      "policy.limits.DRAWDOWN_TRIGGER",
    );
  });

  it("rejects a rationale longer than one line", () => {
    const json = edit((j) => {
      const l = j.limits.MIN_CASH_BUFFER;
      if (l !== undefined) l.rationale = "line one\nline two";
    });
    expect(fieldOf(json)).toBe("policy.limits.MIN_CASH_BUFFER.rationale");
  });

  it("rejects a review date that does not exist", () => {
    const json = edit((j) => {
      const l = j.limits.PRICE_COLLAR;
      if (l !== undefined) l.reviewDate = "2027-02-30";
    });
    expect(fieldOf(json)).toBe("policy.limits.PRICE_COLLAR.reviewDate");
  });

  it("rejects a severity other than hard or soft", () => {
    const json = edit((j) => {
      const l = j.limits.MAX_ADV_PARTICIPATION;
      if (l !== undefined) l.severity = "warn";
    });
    expect(fieldOf(json)).toBe("policy.limits.MAX_ADV_PARTICIPATION.severity");
  });

  it("rejects a per-asset-class value for an unknown class", () => {
    const json = edit((j) => {
      const l = j.limits.MAX_NOTIONAL_PER_ORDER;
      if (l !== undefined) l.value = { equity: 1, stocks: 2 };
    });
    expect(fieldOf(json)).toMatch(/^policy\.limits\.MAX_NOTIONAL_PER_ORDER\.value/);
  });

  it("does not let the policy switch off reasons on rejection", () => {
    const json = edit((j) => {
      j.approval.requireReasonOnReject = false;
    });
    expect(fieldOf(json)).toBe("policy.approval.requireReasonOnReject");
  });

  it("rejects a version that is neither a date nor semver", () => {
    expect(fieldOf({ ...raw(), version: "v1" })).toBe("policy.version");
    expect(loadPolicy({ ...raw(), version: "1.2.0" }).version).toBe("1.2.0");
  });

  it("rejects an unknown top-level field", () => {
    expect(fieldOf({ ...raw(), bypass: true })).toBe("policy.bypass");
  });
});

describe("policyVersion", () => {
  it("is the hex SHA-256 of the policy's canonical JSON", () => {
    const p = loadBundledPolicy();
    const expected = createHash("sha256").update(naiveCanonical(p), "utf8").digest("hex");
    expect(policyVersion(p)).toBe(expected);
  });

  it("does not change when keys are reordered", () => {
    const p = loadBundledPolicy();
    const reordered = loadPolicy(reverseKeys(JSON.parse(JSON.stringify(p))));
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(p));
    expect(policyVersion(reordered)).toBe(policyVersion(p));
  });

  it("changes when any single limit changes", () => {
    const p = loadBundledPolicy();
    const seen = new Set([policyVersion(p)]);
    for (const name of Object.keys(p.limits) as LimitName[]) {
      const q = structuredClone(p) as Policy;
      const l = q.limits[name] as { value: unknown };
      l.value = typeof l.value === "number" ? (l.value === 0 ? 0.5 : l.value / 2) : { equity: 1 };
      seen.add(policyVersion(q));
    }
    expect(seen.size).toBe(1 + Object.keys(p.limits).length);
  });

  it("changes with the restricted list and the trading state", () => {
    const p = loadBundledPolicy();
    expect(policyVersion({ ...p, tradingState: "HALTED" })).not.toBe(policyVersion(p));
    expect(policyVersion({ ...p, restrictedList: [] })).not.toBe(policyVersion(p));
  });
});

describe("overdueLimits", () => {
  it("reports no limit on or before its review date", () => {
    expect(overdueLimits(loadBundledPolicy(), "2027-05-31")).toEqual([]);
  });

  it("reports every limit once the as-of is past its review date, sorted by name", () => {
    const overdue = overdueLimits(loadBundledPolicy(), "2027-06-01T08:00:00Z");
    expect(overdue.length).toBe(16);
    const names = overdue.map((o) => o.name);
    expect(names).toEqual([...names].sort());
    expect(overdue[0]).toEqual({
      name: "ASSET_CLASS_BOUND_TOLERANCE",
      owner: "Chief Investment Officer",
      reviewDate: "2027-05-31",
    });
  });

  it("reports only the limit whose review date has passed", () => {
    const p = structuredClone(loadBundledPolicy());
    p.limits.MAX_TURNOVER.reviewDate = "2026-01-31";
    expect(overdueLimits(p, "2026-11-20").map((o) => o.name)).toEqual(["MAX_TURNOVER"]);
  });

  it("refuses an as-of that is not a date", () => {
    expect(() => overdueLimits(loadBundledPolicy(), "yesterday")).toThrow(/asOf/);
  });
});

describe("limit helpers", () => {
  it("reads a per-asset-class value, null for a class without one", () => {
    const p = loadBundledPolicy();
    expect(classLimitValue(p.limits.MAX_NOTIONAL_PER_ORDER, "crypto")).toBe(250_000);
    expect(classLimitValue(p.limits.MAX_ISSUER_WEIGHT, "crypto")).toBeNull();
    expect(classLimitValue(p.limits.MAX_TURNOVER, "crypto")).toBe(1);
  });

  it("switches an ACTIVE book to REDUCING at the drawdown trigger, never loosening HALTED", () => {
    const p = loadBundledPolicy();
    expect(effectiveTradingState(p, 0.25)).toBe("REDUCING");
    expect(effectiveTradingState(p, 0.2)).toBe("REDUCING");
    expect(effectiveTradingState(p, 0.19)).toBe("ACTIVE");
    expect(effectiveTradingState(p, null)).toBe("ACTIVE");
    expect(effectiveTradingState({ ...p, tradingState: "HALTED" }, 0)).toBe("HALTED");
  });
});
