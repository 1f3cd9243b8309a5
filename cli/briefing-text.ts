import type { Briefing } from "../graph/index.js";

/**
 * The readable briefing `steward brief` prints without `--json`: the narrative's summary and top
 * actions, the orders, the failed and warned checks, risk now against proposed, and the status with
 * what to do next (the approve / reject command lines). Numbers come from the briefing only.
 */

export interface BriefingTextOptions {
  readonly baseCurrency: string;
}

const pct = (x: number | null | undefined, digits = 2): string =>
  x === null || x === undefined ? "n/a" : `${(x * 100).toFixed(digits)}%`;

const money = (x: number): string =>
  x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const qty = (x: number): string => x.toLocaleString("en-US", { maximumFractionDigits: 8 });

/** Left-aligned first column, right-aligned others, two spaces apart. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map(
    (row) =>
      "  " +
      row
        .map((c, i) => (i <= 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
  );
}

function ordersSection(b: Briefing, ccy: string): string[] {
  const p = b.proposal;
  if (p === null) return ["Orders: none proposed"];
  const head = `Orders (${p.orders.length}): turnover ${pct(p.turnover)}, estimated cost ${ccy} ${money(p.cost)}, cash ${ccy} ${money(p.cashBefore)} → ${money(p.cashAfter)}`;
  if (p.orders.length === 0) return [head];
  const rows = [
    ["side", "symbol", "quantity", "price", "notional", "cost"],
    ...p.orders.map((o) => [
      o.side,
      o.symbol,
      qty(o.quantity),
      `${o.price.toFixed(2)} ${o.currency}`,
      money(o.notional),
      money(o.cost),
    ]),
  ];
  return [head, ...table(rows), `  proposal hash ${p.hash}`];
}

function checksSection(b: Briefing): string[] {
  const failed = b.checks.filter((c) => !c.passed);
  const hard = failed.filter((c) => c.severity === "hard");
  const soft = failed.filter((c) => c.severity !== "hard");
  const lines = [
    `Checks: ${b.checks.length} results, ${hard.length} hard failures, ${soft.length} soft warnings`,
  ];
  for (const c of [...hard, ...soft]) {
    const tag = c.severity === "hard" ? "FAIL" : "WARN";
    lines.push(`  ${tag} ${c.code}${c.symbol === undefined ? "" : ` ${c.symbol}`}: ${c.message}`);
  }
  return lines;
}

function riskSection(b: Briefing): string[] {
  const now = b.risk.current;
  const next = b.risk.proposed;
  if (now === null && next === null) return ["Risk: not assessed"];
  type Figures = NonNullable<typeof now>;
  const row = (label: string, get: (r: Figures) => number | null): string[] => [
    label,
    "",
    now === null ? "n/a" : pct(get(now)),
    next === null ? "n/a" : pct(get(next)),
  ];
  const lines = [
    "Risk (annualised unless stated):",
    ...table([
      ["", "", "current", "proposed"],
      row("expected return", (r) => r.expectedReturn),
      row("volatility", (r) => r.volatility),
      row("VaR 95% (1 day)", (r) => r.var95),
      row("CVaR 95% (1 day)", (r) => r.cvar95),
      row("max drawdown", (r) => r.maxDrawdown),
      row("tracking error", (r) => r.trackingError),
    ]),
  ];
  if (b.risk.trackingErrorToTarget !== null)
    lines.push(`  tracking error of the proposal to target: ${pct(b.risk.trackingErrorToTarget)}`);
  for (const breach of b.risk.breaches) lines.push(`  BREACH ${JSON.stringify(breach)}`);
  return lines;
}

function nextSection(b: Briefing): string[] {
  const requester = b.metadata.requestedBy.id;
  switch (b.status) {
    case "awaiting_approval": {
      const request = b.approval.request;
      const acks = b.approval.acknowledgementsRequired;
      const ack = acks.length === 0 ? "" : ` --ack ${acks.join(",")}`;
      return [
        `Status: AWAITING APPROVAL by a supervisor other than ${requester}${request === null ? "" : ` before ${request.expiresAt}`}`,
        "Next:",
        `  steward approve --run ${b.runId} --as USER${ack}`,
        `  steward reject --run ${b.runId} --as USER --reason "why"`,
      ];
    }
    case "blocked":
      return [
        "Status: BLOCKED — nothing may be traded",
        ...b.approval.reasons.map((r) => `  ${r}`),
        "Next: resolve the causes above (data, limits or instruments) and brief again.",
      ];
    case "no_trade":
      return ["Status: NO TRADE — the book is within its bands; nothing to approve."];
    default:
      return [`Status: ${b.status.toUpperCase().replace(/_/g, " ")}`];
  }
}

/**
 * Renders a briefing as text (one trailing newline).
 *
 * @example formatBriefing(briefing, { baseCurrency: "USD" }).startsWith("Briefing ") // true
 */
export function formatBriefing(b: Briefing, options: BriefingTextOptions): string {
  const ccy = options.baseCurrency;
  const window = b.data.window;
  const lines = [
    `Briefing ${b.runId}: ${b.metadata.portfolioId} as of ${b.asOf} (data: ${b.metadata.dataSpec.kind}${window === null ? "" : `, ${window.from} to ${window.to}`}; seed ${b.metadata.seed})`,
    "",
  ];
  const n = b.narrative;
  if (n !== null) {
    lines.push(n.summary, "");
    if (n.topActions.length > 0)
      lines.push("Top actions:", ...n.topActions.map((a, i) => `  ${i + 1}. ${a}`), "");
  }
  lines.push(...ordersSection(b, ccy), "", ...checksSection(b), "", ...riskSection(b), "");
  if (n !== null && n.riskFlags.length > 0)
    lines.push("Risk flags:", ...n.riskFlags.map((f) => `  - ${f}`), "");
  if (n !== null && n.executionPlaybook.length > 0)
    lines.push("Execution playbook:", ...n.executionPlaybook.map((s) => `  - ${s}`), "");
  lines.push(...nextSection(b));
  return `${lines.join("\n")}\n`;
}
