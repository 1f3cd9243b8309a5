import { z } from "zod";
import { IsoDateSchema } from "./schemas.js";

/**
 * The briefing narrative (DESIGN.md §6): summary, top actions, risk flags and execution playbook,
 * rendered by fixed templates ONLY from the numbers the deterministic agents computed. No clock,
 * no model: the same facts give the same text.
 *
 * Formats (one per kind of figure, used everywhere):
 * - fractions (weights, drift, turnover, volatility, VaR, returns, probabilities): percent with 2
 *   decimals, `12.34%` (drift signed, `+1.20%`);
 * - money: the base currency code and 2 decimals with thousands separators, `USD 1,234.56`;
 * - units: integers as is, fractional units with up to 8 decimals;
 * - counts and days: integers; dates ISO.
 *
 * {@link factsOf} lists every number the facts allow a text to state (each figure in each format
 * above, plus the counts and sums the templates derive), and {@link narrativeNumbers} the numbers a
 * text states, so an LLM rewrite can be checked: a number it states that is not in the facts
 * rejects the text ({@link unsupportedNumbers}). Numbers are compared as magnitudes (a sign is
 * written as a word as often as a symbol); ISO dates count as one number `yyyymmdd`; digits
 * inside a word (`SIMEQ-TECH1`, `VaR95`) are not numbers.
 */

export const NAME = "narrative";
export const VERSION = "1.0.0";

const Num = z.number().finite();

const RiskFiguresSchema = z.object({
  volatility: Num.nullable(),
  var95: Num.nullable().default(null),
  cvar95: Num.nullable().default(null),
  maxDrawdown: Num.nullable().default(null),
  trackingError: Num.nullable().default(null),
});

/** The numbers a narrative may use. Shapes follow the agents' outputs so they can be passed as is. */
export const NarrativeFactsSchema = z.object({
  portfolioId: z.string(),
  asOf: IsoDateSchema,
  baseCurrency: z.string(),
  status: z.enum(["awaiting_approval", "blocked", "no_trade", "released", "rejected", "expired"]),
  nav: Num.nullable().default(null),
  driftThreshold: Num,
  turnoverLimit: Num.nullable().default(null),
  /** The Execution agent's rows. */
  drift: z.array(
    z.object({ symbol: z.string(), currentWeight: Num, targetWeight: Num, drift: Num }),
  ),
  /** The proposal's orders. */
  orders: z.array(
    z.object({
      symbol: z.string(),
      side: z.enum(["BUY", "SELL"]),
      quantity: Num,
      notional: Num,
      cost: Num,
    }),
  ),
  turnover: Num,
  totalCost: Num,
  cashAfter: Num.nullable().default(null),
  risk: z
    .object({ current: RiskFiguresSchema, proposed: RiskFiguresSchema.nullable().default(null) })
    .nullable()
    .default(null),
  stress: z
    .object({
      monteCarlo: z
        .object({
          horizonDays: z.number().int(),
          initialValue: Num.positive(),
          probabilityOfLoss: Num,
          terminalValue: z.object({ p5: Num }),
        })
        .nullable()
        .default(null),
      scenarios: z
        .array(
          z.object({
            name: z.string(),
            current: z.object({ return: Num }),
            proposed: z.object({ return: Num }).nullable().default(null),
          }),
        )
        .default([]),
    })
    .nullable()
    .default(null),
  /** The Risk agent's breaches (severity from the policy when known). */
  breaches: z
    .array(z.object({ limit: z.string(), value: Num, max: Num, severity: z.string().optional() }))
    .default([]),
  findings: z
    .array(z.object({ code: z.string(), severity: z.string(), symbol: z.string() }))
    .default([]),
  /** Pre-trade check results (`severity` hard or soft). */
  checks: z
    .array(z.object({ code: z.string(), severity: z.string(), passed: z.boolean() }))
    .default([]),
});

export const NarrativeSchema = z.object({
  summary: z.string(),
  topActions: z.array(z.string()),
  riskFlags: z.array(z.string()),
  executionPlaybook: z.array(z.string()),
});

export type NarrativeFactsInput = z.input<typeof NarrativeFactsSchema>;
export type NarrativeFacts = z.infer<typeof NarrativeFactsSchema>;
export type Narrative = z.infer<typeof NarrativeSchema>;

/** At most this many orders are listed as top actions. */
export const TOP_ACTIONS = 5;

// ---------------------------------------------------------------- formats

/** `x.toFixed(2)` without a negative zero. @example fixed2(-0.001) // "0.00" */
export function fixed2(x: number): string {
  const s = x.toFixed(2);
  return s === "-0.00" ? "0.00" : s;
}

function groupThousands(s: string): string {
  const neg = s.startsWith("-");
  const body = neg ? s.slice(1) : s;
  const [int, frac] = body.split(".") as [string, string | undefined];
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${grouped}${frac === undefined ? "" : `.${frac}`}`;
}

/** A fraction as a percent with 2 decimals. @example formatPercent(0.12345) // "12.35%" */
export function formatPercent(x: number): string {
  return `${fixed2(x * 100)}%`;
}

/** A signed fraction as a percent. @example formatSignedPercent(0.012) // "+1.20%" */
export function formatSignedPercent(x: number): string {
  const s = fixed2(x * 100);
  return `${x > 0 && s !== "0.00" ? "+" : ""}${s}%`;
}

/** Money with the currency code. @example formatMoney(1234.567, "USD") // "USD 1,234.57" */
export function formatMoney(x: number, currency: string): string {
  return `${currency} ${groupThousands(fixed2(x))}`;
}

/** Units: integers as is, else up to 8 decimals. @example formatUnits(0.125) // "0.125" */
export function formatUnits(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const s = x.toFixed(8).replace(/0+$/, "").replace(/\.$/, "");
  return s === "-0" ? "0" : s;
}

const optionalPercent = (x: number | null): string => (x === null ? "n/a" : formatPercent(x));
const plural = (n: number, one: string, many = `${one}s`): string => (n === 1 ? one : many);

// ---------------------------------------------------------------- derived figures

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const isHard = (severity: string | undefined): boolean =>
  severity === undefined || severity.toLowerCase().startsWith("h");

interface Derived {
  readonly assetCount: number;
  readonly outsideBand: number;
  readonly largest: NarrativeFacts["drift"][number] | null;
  readonly orderCount: number;
  readonly buyCount: number;
  readonly sellCount: number;
  readonly buyNotional: number;
  readonly sellNotional: number;
  readonly moreOrders: number;
  readonly hardFailures: readonly string[];
  readonly softWarnings: readonly string[];
  readonly blockingFindings: number;
  readonly worstScenario: { readonly name: string; readonly value: number } | null;
  readonly downsideValue: number | null;
}

/** Counts and sums the templates state; computed once, the same way for the text and the facts. */
function derive(f: NarrativeFacts): Derived {
  let outsideBand = 0;
  let largest: NarrativeFacts["drift"][number] | null = null;
  for (const r of f.drift) {
    if (Math.abs(r.drift) > f.driftThreshold) outsideBand++;
    if (
      largest === null ||
      Math.abs(r.drift) > Math.abs(largest.drift) ||
      (Math.abs(r.drift) === Math.abs(largest.drift) && byCodeUnit(r.symbol, largest.symbol) < 0)
    ) {
      largest = r;
    }
  }
  let buyCount = 0;
  let sellCount = 0;
  let buyNotional = 0;
  let sellNotional = 0;
  for (const o of f.orders) {
    if (o.side === "BUY") {
      buyCount++;
      buyNotional += o.notional;
    } else {
      sellCount++;
      sellNotional += o.notional;
    }
  }
  const failed = f.checks.filter((c) => !c.passed);
  let worstScenario: Derived["worstScenario"] = null;
  for (const s of f.stress?.scenarios ?? []) {
    const value = s.proposed?.return ?? s.current.return;
    if (worstScenario === null || value < worstScenario.value)
      worstScenario = { name: s.name, value };
  }
  const mc = f.stress?.monteCarlo ?? null;
  return {
    assetCount: f.drift.length,
    outsideBand,
    largest,
    orderCount: f.orders.length,
    buyCount,
    sellCount,
    buyNotional,
    sellNotional,
    moreOrders: Math.max(0, f.orders.length - TOP_ACTIONS),
    hardFailures: failed.filter((c) => isHard(c.severity)).map((c) => c.code),
    softWarnings: failed.filter((c) => !isHard(c.severity)).map((c) => c.code),
    blockingFindings: f.findings.filter((x) => x.severity === "blocking").length,
    worstScenario,
    downsideValue: mc === null ? null : mc.terminalValue.p5 / mc.initialValue,
  };
}

// ---------------------------------------------------------------- rendering

const STATUS_TEXT: Readonly<Record<NarrativeFacts["status"], string>> = {
  awaiting_approval: "the proposal awaits a supervisor's approval",
  blocked: "blocked by the pre-trade controls",
  no_trade: "no trade needed",
  released: "orders released",
  rejected: "the proposal was rejected",
  expired: "the approval request expired",
};

function summaryOf(f: NarrativeFacts, d: Derived): string {
  const ccy = f.baseCurrency;
  const parts = [`${f.portfolioId} as of ${f.asOf}: ${STATUS_TEXT[f.status]}.`];
  if (f.nav !== null) parts.push(`NAV ${formatMoney(f.nav, ccy)}.`);
  const largest =
    d.largest === null
      ? ""
      : ` (largest: ${d.largest.symbol} ${formatSignedPercent(d.largest.drift)})`;
  parts.push(
    `${d.outsideBand} of ${d.assetCount} ${plural(d.assetCount, "asset")} drift beyond the ${formatPercent(f.driftThreshold)} band${largest}.`,
  );
  if (d.orderCount > 0) {
    const limit = f.turnoverLimit === null ? "" : ` (limit ${formatPercent(f.turnoverLimit)})`;
    parts.push(
      `Proposed ${d.orderCount} ${plural(d.orderCount, "order")} (${d.sellCount} ${plural(d.sellCount, "sell")}, ${d.buyCount} ${plural(d.buyCount, "buy")}): turnover ${formatPercent(f.turnover)}${limit}, estimated cost ${formatMoney(f.totalCost, ccy)}.`,
    );
  } else {
    parts.push("No orders proposed.");
  }
  if (f.risk !== null) {
    const c = f.risk.current;
    const p = f.risk.proposed;
    parts.push(
      p === null
        ? `Volatility ${optionalPercent(c.volatility)}; one-day VaR95 ${optionalPercent(c.var95)}.`
        : `Volatility ${optionalPercent(c.volatility)} now, ${optionalPercent(p.volatility)} proposed; one-day VaR95 ${optionalPercent(c.var95)} now, ${optionalPercent(p.var95)} proposed.`,
    );
  }
  if (f.status === "blocked" && d.hardFailures.length > 0) {
    parts.push(
      `Blocked by ${d.hardFailures.length} hard ${plural(d.hardFailures.length, "failure")}: ${d.hardFailures.join(", ")}.`,
    );
  }
  return parts.join(" ");
}

function topActionsOf(f: NarrativeFacts, d: Derived): string[] {
  const ccy = f.baseCurrency;
  if (d.orderCount === 0) {
    if (f.status === "blocked") {
      return ["No trades: the run is blocked; resolve the flagged failures first."];
    }
    return [
      `No trades: every asset is within the ${formatPercent(f.driftThreshold)} drift band or its order was below the minimum trade.`,
    ];
  }
  const rows = new Map(f.drift.map((r) => [r.symbol, r] as const));
  const ranked = [...f.orders].sort(
    (a, b) => b.notional - a.notional || byCodeUnit(a.symbol, b.symbol),
  );
  const lines = ranked.slice(0, TOP_ACTIONS).map((o) => {
    const r = rows.get(o.symbol);
    const weight =
      r === undefined
        ? ""
        : `: weight ${formatPercent(r.currentWeight)} vs target ${formatPercent(r.targetWeight)} (drift ${formatSignedPercent(r.drift)})`;
    return `${o.side} ${formatUnits(o.quantity)} ${o.symbol} for ${formatMoney(o.notional, ccy)}, cost ${formatMoney(o.cost, ccy)}${weight}.`;
  });
  if (d.moreOrders > 0) {
    lines.push(`…and ${d.moreOrders} smaller ${plural(d.moreOrders, "order")}.`);
  }
  return lines;
}

function riskFlagsOf(f: NarrativeFacts, d: Derived): string[] {
  const flags: string[] = [];
  for (const b of f.breaches) {
    const severity = b.severity === undefined ? "" : ` (${b.severity})`;
    flags.push(
      `${b.limit}: ${formatPercent(b.value)} exceeds the ${formatPercent(b.max)} limit${severity}.`,
    );
  }
  // One flag per failed check code, and one per finding code listing its symbols: a reader
  // wants "OUTLIER_JUMP on AMZN, WMT", not the same line once per occurrence.
  const failed = new Set<string>();
  for (const c of f.checks) {
    if (!c.passed) failed.add(`${c.code} failed (${isHard(c.severity) ? "hard" : "soft"}).`);
  }
  flags.push(...failed);
  const findings = new Map<string, Set<string>>();
  for (const x of f.findings) {
    const key = `${x.code}\u0000${x.severity}`;
    const symbols = findings.get(key) ?? new Set<string>();
    symbols.add(x.symbol);
    findings.set(key, symbols);
  }
  for (const [key, symbols] of findings) {
    const [code, severity] = key.split("\u0000");
    const plural = symbols.size > 1 ? "s" : "";
    flags.push(
      `${code ?? ""} on ${[...symbols].sort().join(", ")} (${severity ?? ""} data finding${plural}).`,
    );
  }
  const risk = f.risk;
  if (
    risk !== null &&
    risk.proposed !== null &&
    risk.proposed.volatility !== null &&
    risk.current.volatility !== null &&
    risk.proposed.volatility > risk.current.volatility
  ) {
    flags.push(
      `Proposed volatility ${formatPercent(risk.proposed.volatility)} is above the current ${formatPercent(risk.current.volatility)}.`,
    );
  }
  if (d.worstScenario !== null) {
    flags.push(
      `Worst stress scenario ${d.worstScenario.name}: ${formatSignedPercent(d.worstScenario.value)} instant return.`,
    );
  }
  const mc = f.stress?.monteCarlo ?? null;
  if (mc !== null && d.downsideValue !== null) {
    flags.push(
      `Monte Carlo over ${mc.horizonDays} days: probability of loss ${formatPercent(mc.probabilityOfLoss)}; the worst-5% terminal value is ${formatPercent(d.downsideValue)} of today's.`,
    );
  }
  if (flags.length === 0) flags.push("No risk limit breaches, failed checks or data findings.");
  return flags;
}

function playbookOf(f: NarrativeFacts, d: Derived): string[] {
  const ccy = f.baseCurrency;
  const legs: string[] = [];
  if (d.sellCount > 0) {
    legs.push(
      `Sell first: ${d.sellCount} ${plural(d.sellCount, "order")} for ${formatMoney(d.sellNotional, ccy)}, funding the buys.`,
    );
  }
  if (d.buyCount > 0) {
    legs.push(
      `Then buy: ${d.buyCount} ${plural(d.buyCount, "order")} for ${formatMoney(d.buyNotional, ccy)}.`,
    );
  }
  switch (f.status) {
    case "awaiting_approval": {
      const out = [
        `Approval: a supervisor other than the requester reviews ${d.orderCount} ${plural(d.orderCount, "order")} (turnover ${formatPercent(f.turnover)}, cost ${formatMoney(f.totalCost, ccy)}); the approval binds to the proposal hash.`,
      ];
      if (d.softWarnings.length > 0) {
        out.push(
          `Acknowledge ${d.softWarnings.length} soft ${plural(d.softWarnings.length, "warning")} before approving: ${d.softWarnings.join(", ")}.`,
        );
      }
      out.push(...legs);
      out.push(
        `Orders are whole lots (fractional only where the instrument allows) at reference prices as of ${f.asOf}; release re-runs every pre-trade check and re-hashes the orders.`,
      );
      if (f.cashAfter !== null) out.push(`Cash after trading: ${formatMoney(f.cashAfter, ccy)}.`);
      return out;
    }
    case "blocked":
      return [
        d.hardFailures.length > 0
          ? `Do not trade: ${d.hardFailures.length} hard ${plural(d.hardFailures.length, "failure")} (${d.hardFailures.join(", ")}).`
          : "Do not trade: the run was stopped by its controls.",
        "Resolve the causes (data, limits or instruments) and request a new briefing.",
      ];
    case "no_trade":
      return [
        "No orders to release.",
        `Every asset is within the ${formatPercent(f.driftThreshold)} drift band or below the minimum trade; the next briefing measures drift again.`,
      ];
    case "released":
      return [
        "Orders released: export them as JSON or CSV for the order management system.",
        ...legs,
      ];
    case "rejected":
    case "expired":
      return ["No orders released; request a new briefing to propose again."];
  }
}

/**
 * Renders the narrative from the facts (see the module comment for the formats).
 *
 * @example
 * renderNarrative({ portfolioId: "p", asOf: "2018-04-11", baseCurrency: "USD",
 *   status: "no_trade", driftThreshold: 0.02, drift: [], orders: [], turnover: 0, totalCost: 0 })
 *   .summary
 * // "p as of 2018-04-11: no trade needed. 0 of 0 assets drift beyond the 2.00% band. No orders proposed."
 */
export function renderNarrative(facts: NarrativeFactsInput): Narrative {
  const f = NarrativeFactsSchema.parse(facts);
  const d = derive(f);
  return {
    summary: summaryOf(f, d),
    topActions: topActionsOf(f, d),
    riskFlags: riskFlagsOf(f, d),
    executionPlaybook: playbookOf(f, d),
  };
}

// ---------------------------------------------------------------- checking a text

const DATE = /(?<![\p{L}\p{N}_])(\d{4})-(\d{2})-(\d{2})(?![\p{L}\p{N}_])/gu;
const NUMBER = /(?<![\p{L}\p{N}_.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\p{L}\p{N}_])/gu;

/**
 * The numbers a text states, as magnitudes, in order: ISO dates as `yyyymmdd`, then every other
 * number (thousands separators removed). Digits inside a word are not numbers.
 *
 * @example narrativeNumbers("SELL 120 AAPL for USD 20,692.80 on 2018-04-11 (VaR95 -1.25%)")
 * // [20180411, 120, 20692.8, 1.25]
 */
export function narrativeNumbers(text: string): number[] {
  const out: number[] = [];
  const rest = text.replace(DATE, (_m, y: string, mo: string, da: string) => {
    out.push(Number(`${y}${mo}${da}`));
    return " ";
  });
  for (const m of rest.matchAll(NUMBER)) out.push(Number(m[0].replaceAll(",", "")));
  return out;
}

function walk(value: unknown, numbers: number[], strings: string[]): void {
  if (typeof value === "number") numbers.push(value);
  else if (typeof value === "string") strings.push(value);
  else if (Array.isArray(value)) for (const v of value) walk(v, numbers, strings);
  else if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) walk(v, numbers, strings);
  }
}

/**
 * Every number a narrative may state for these facts, ascending, as magnitudes: each figure of the
 * facts (and each count or sum the templates derive) as a percent with 2 decimals, with 2 decimals,
 * as units, and as is when an integer; plus the numbers inside the facts' strings (dates as
 * `yyyymmdd`, digits of scenario names). A number outside this list is not backed by the facts.
 *
 * @example factsOf({ ...facts, turnover: 0.1234 }).includes(12.34) // true
 */
export function factsOf(facts: NarrativeFactsInput): number[] {
  const f = NarrativeFactsSchema.parse(facts);
  const d = derive(f);
  const numbers: number[] = [];
  const strings: string[] = [];
  walk(f, numbers, strings);
  walk(
    {
      ...d,
      hardFailureCount: d.hardFailures.length,
      softWarningCount: d.softWarnings.length,
    },
    numbers,
    strings,
  );
  const allowed = new Set<number>();
  for (const v of numbers) {
    if (!Number.isFinite(v)) continue;
    allowed.add(Math.abs(Number(fixed2(v * 100))));
    allowed.add(Math.abs(Number(fixed2(v))));
    allowed.add(Math.abs(Number(formatUnits(v))));
    if (Number.isInteger(v)) allowed.add(Math.abs(v));
  }
  for (const s of strings) for (const n of narrativeNumbers(s)) allowed.add(n);
  return [...allowed].sort((a, b) => a - b);
}

/**
 * The numbers a text states that the facts do not back (empty: the text may be used).
 *
 * @example unsupportedNumbers("turnover 99.99%", facts) // [99.99] unless a fact rounds to it
 */
export function unsupportedNumbers(text: string, facts: NarrativeFactsInput): number[] {
  const allowed = new Set(factsOf(facts));
  return narrativeNumbers(text).filter((n) => !allowed.has(n));
}

/**
 * Every string of a narrative joined by newlines, for {@link unsupportedNumbers}.
 *
 * @example narrativeText({ summary: "a", topActions: ["b"], riskFlags: [], executionPlaybook: ["c"] })
 * // "a\nb\nc"
 */
export function narrativeText(n: Narrative): string {
  return [n.summary, ...n.topActions, ...n.riskFlags, ...n.executionPlaybook].join("\n");
}
