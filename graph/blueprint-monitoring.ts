import type { AuditRecord, AuditStore, JsonValue } from "../audit/index.js";

/**
 * Monitoring figures for the blueprint (GOVERNANCE.md §4), counted from the audit trail — the
 * record that cannot be rewritten — rather than from the run store: check-failure, override and
 * rejection rates, decisions by outcome, failures by code.
 */

/** A rate with its numerator and denominator; null (with why) when nothing was counted. */
export interface Rate {
  readonly numerator: number;
  readonly denominator: number;
  readonly value: number | null;
  readonly reason?: string;
}

export interface Monitoring {
  /** What was counted: every event of the types below in the whole store. */
  readonly scope: string;
  readonly runsStarted: number;
  readonly runsFailed: number;
  readonly checkRuns: number;
  /** Check runs with at least one failed result (hard or soft). */
  readonly checkFailureRate: Rate;
  /** Check runs that did not pass (a hard failure). */
  readonly hardFailureRate: Rate;
  /** Failed check results by code, most frequent first. */
  readonly failuresByCode: readonly { readonly code: string; readonly count: number }[];
  /** Supervisor decisions by outcome code (APPROVAL, BLOCKED, NO_TRADE). */
  readonly decisions: Readonly<Record<string, number>>;
  readonly approvalRequests: number;
  /** Approval requests carrying hard failures passed by overrides. */
  readonly overrideRate: Rate;
  readonly approvalsGranted: number;
  readonly approvalsRejected: number;
  /** Rejections among the recorded decisions (granted + rejected). */
  readonly rejectionRate: Rate;
  /** Decisions the approval rules refused, by code (SELF_APPROVAL, EXPIRED, …). */
  readonly approvalsDenied: Readonly<Record<string, number>>;
  readonly approvalsExpired: number;
  readonly released: number;
  readonly releaseDenied: number;
}

const PAGE = 500;

/** Every record of one event type, in order (paged through the store's query). */
async function ofType(audit: AuditStore, type: string): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await audit.query({
      type,
      limit: PAGE,
      ...(cursor === undefined ? {} : { cursor }),
    });
    out.push(...page.items);
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
  }
}

function field(payload: JsonValue | undefined, key: string): JsonValue | undefined {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return undefined;
  return (payload as { readonly [k: string]: JsonValue })[key];
}

function rate(numerator: number, denominator: number, what: string): Rate {
  return denominator === 0
    ? { numerator, denominator, value: null, reason: `no ${what} recorded yet` }
    : { numerator, denominator, value: numerator / denominator };
}

function byCode(records: readonly AuditRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) {
    const code = r.event.outcome?.code ?? "UNKNOWN";
    out[code] = (out[code] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Counts the monitoring figures from the audit store.
 *
 * @example (await monitoringOf(audit)).rejectionRate // { numerator: 1, denominator: 4, value: 0.25 }
 */
export async function monitoringOf(audit: AuditStore): Promise<Monitoring> {
  const [
    started,
    failedRuns,
    passed,
    failed,
    decided,
    requested,
    granted,
    rejected,
    denied,
    expired,
    released,
    releaseDenied,
  ] = await Promise.all([
    ofType(audit, "run.started"),
    ofType(audit, "run.failed"),
    ofType(audit, "check.passed"),
    ofType(audit, "check.failed"),
    ofType(audit, "decision.made"),
    ofType(audit, "approval.requested"),
    ofType(audit, "approval.granted"),
    ofType(audit, "approval.rejected"),
    ofType(audit, "approval.denied"),
    ofType(audit, "approval.expired"),
    ofType(audit, "run.released"),
    ofType(audit, "release.denied"),
  ]);
  // A check run writes one summary event (check.passed or check.failed with the count of checks)
  // and one check.failed per failed result.
  const summaries = failed.filter((r) => field(r.event.payload, "checks") !== undefined);
  const results = failed.filter((r) => field(r.event.payload, "checks") === undefined);
  const checkRuns = passed.length + summaries.length;
  const blocked = summaries.filter((r) => field(r.event.payload, "passed") === false).length;
  const withOverrides = requested.filter((r) => {
    const o = field(r.event.payload, "overrides");
    return Array.isArray(o) && o.length > 0;
  }).length;
  const g = granted.length;
  const j = rejected.length;
  return {
    scope: "every event in the audit store",
    runsStarted: started.length,
    runsFailed: failedRuns.length,
    checkRuns,
    checkFailureRate: rate(summaries.length, checkRuns, "check runs"),
    hardFailureRate: rate(blocked, checkRuns, "check runs"),
    failuresByCode: Object.entries(byCode(results))
      .map(([code, count]) => ({ code, count }))
      .sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : 1)),
    decisions: byCode(decided),
    approvalRequests: requested.length,
    overrideRate: rate(withOverrides, requested.length, "approval requests"),
    approvalsGranted: g,
    approvalsRejected: j,
    rejectionRate: rate(j, g + j, "approval decisions"),
    approvalsDenied: byCode(denied),
    approvalsExpired: expired.length,
    released: released.length,
    releaseDenied: releaseDenied.length,
  };
}
