import { narrative as narrativeAgent, type dataAgent } from "../agents/index.js";
import type { Policy } from "../governance/index.js";
import { MarketDataError, QUALITY_CODES, type QualityCode } from "../market/index.js";
import { invalidInput, isToolError } from "../tools/index.js";
import type { RunStatus } from "./run-status.js";
import type { DataSummary, RunError, RunState } from "./state.js";

/**
 * Small pure helpers the nodes share: the book's current weights, the data request's quality
 * policy, the narrative facts, and how an agent failure is recorded (fail closed).
 */

/** Units of the base currency per unit of each currency the Data agent priced. */
export function fxRates(data: DataSummary): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [currency, fx] of Object.entries(data.fx)) out[currency] = fx.rate;
  return out;
}

/**
 * Current weights of the book: `qᵢ · pᵢ · fxᵢ / NAV`, NAV = cash + Σ qᵢ · pᵢ · fxᵢ (base
 * currency, latest prices on or before as-of). Throws a ToolError naming the holding when a price
 * or rate is missing, or when NAV ≤ 0.
 *
 * @example currentWeights({ cash: 100, holdings: [{ symbol: "A", quantity: 9 }] }, { A: 100 }, { A: 1 })
 * // { A: 0.9 }  (900 / (100 + 900))
 */
export function currentWeights(
  book: {
    readonly cash: number;
    readonly holdings: readonly { readonly symbol: string; readonly quantity: number }[];
  },
  prices: Readonly<Record<string, number>>,
  fx: Readonly<Record<string, number>>,
): Record<string, number> {
  const values = new Map<string, number>();
  let nav = book.cash;
  book.holdings.forEach((h, i) => {
    const price = prices[h.symbol];
    const rate = fx[h.symbol];
    if (price === undefined)
      throw invalidInput(`portfolio.holdings[${i}]`, `no price for ${h.symbol}`);
    if (rate === undefined)
      throw invalidInput(`portfolio.holdings[${i}]`, `no FX rate for ${h.symbol}`);
    const value = h.quantity * price * rate;
    values.set(h.symbol, (values.get(h.symbol) ?? 0) + value);
    nav += value;
  });
  if (!(nav > 0)) throw invalidInput("portfolio", `NAV must be > 0, got ${nav}`);
  const out: Record<string, number> = {};
  for (const symbol of [...values.keys()].sort())
    out[symbol] = (values.get(symbol) as number) / nav;
  return out;
}

/** The book's current weights from the Data agent's latest prices and FX. */
export function bookWeights(state: RunState, data: DataSummary): Record<string, number> {
  const prices: Record<string, number> = {};
  const fx: Record<string, number> = {};
  for (const h of state.portfolio.holdings) {
    const p = data.latestPrices[h.symbol];
    const inst = data.instruments[h.symbol];
    if (p !== undefined) prices[h.symbol] = p.price;
    const rate = inst === undefined ? undefined : data.fx[inst.currency];
    if (rate !== undefined) fx[h.symbol] = rate.rate;
  }
  return currentWeights(state.portfolio, prices, fx);
}

/** Asset class by symbol, from the reference data. */
export function assetClasses(
  data: DataSummary,
): Record<string, DataSummary["instruments"][string]["assetClass"]> {
  const out: Record<string, DataSummary["instruments"][string]["assetClass"]> = {};
  for (const [symbol, inst] of Object.entries(data.instruments)) out[symbol] = inst.assetClass;
  return out;
}

/** The policy's data-quality rules as the Data agent's quality policy (codes it does not know dropped). */
export function qualityPolicyOf(policy: Policy): NonNullable<dataAgent.DataInput["qualityPolicy"]> {
  const known = new Set<string>(QUALITY_CODES);
  const severity: Partial<Record<QualityCode, "warning" | "blocking">> = {};
  for (const [code, level] of Object.entries(policy.dataQuality.severity)) {
    if (known.has(code)) severity[code as QualityCode] = level;
  }
  const dq = policy.dataQuality;
  return {
    severity,
    thresholds: {
      staleAfterWeekdays: dq.staleAfterWeekdays,
      ...(dq.gapToleranceWeekdays === undefined
        ? {}
        : { gapToleranceWeekdays: dq.gapToleranceWeekdays }),
      ...(dq.outlierSigmas === undefined ? {} : { outlierSigmas: dq.outlierSigmas }),
    },
  };
}

/** An agent failure as a state error: ToolError / MarketDataError keep their code and field. */
export function runErrorOf(node: string, error: unknown): RunError {
  if (isToolError(error))
    return { node, code: error.code, message: error.message, field: error.field };
  if (error instanceof MarketDataError) {
    return {
      node,
      code: error.code,
      message: error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
    };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { node, code: "AGENT_ERROR", message: message.slice(0, 500) };
}

type NarrativeStatus = narrativeAgent.NarrativeFacts["status"];

/** The narrative's status for a run status (release_denied reads as blocked; approved as still pending). */
export function narrativeStatus(status: RunStatus): NarrativeStatus {
  switch (status) {
    case "release_denied":
    case "blocked":
    case "pending_checks":
      return "blocked";
    case "approved":
      return "awaiting_approval";
    default:
      return status;
  }
}

/**
 * The narrative rendered from the state's numbers for a status (DESIGN.md §6: computed, not
 * written). Pure and deterministic.
 */
export function renderNarrativeFor(
  state: RunState,
  status: RunStatus,
  riskSeverity?: "hard" | "soft",
): narrativeAgent.Narrative {
  const exec = state.executionResult;
  const riskP = state.risk.proposed;
  const riskC = state.risk.current;
  const figures = (r: NonNullable<typeof riskC>["current"]) => ({
    volatility: r.volatility,
    var95: r.var95,
    cvar95: r.cvar95,
    maxDrawdown: r.maxDrawdown,
    trackingError: r.trackingError,
  });
  const currentRisk = riskP?.current ?? riskC?.current ?? null;
  const stress = riskP?.stress ?? riskC?.stress ?? null;
  return narrativeAgent.renderNarrative({
    portfolioId: state.portfolio.id,
    asOf: state.asOf,
    baseCurrency: state.portfolio.baseCurrency,
    status: narrativeStatus(status),
    nav: exec?.totals.nav ?? null,
    driftThreshold: state.portfolio.mandate.driftThreshold,
    turnoverLimit: state.portfolio.mandate.turnoverLimit,
    drift:
      exec?.rows.map((r) => ({
        symbol: r.symbol,
        currentWeight: r.currentWeight,
        targetWeight: r.targetWeight,
        drift: r.drift,
      })) ?? [],
    orders:
      exec?.proposal.orders.map((o) => ({
        symbol: o.symbol,
        side: o.side,
        quantity: o.quantity,
        notional: o.notional,
        cost: o.cost,
      })) ?? [],
    turnover: exec?.totals.turnover ?? 0,
    totalCost: exec?.totals.totalCost ?? 0,
    cashAfter: exec?.totals.cashAfter ?? null,
    risk:
      currentRisk === null
        ? null
        : {
            current: figures(currentRisk),
            proposed: riskP?.proposed === null || riskP === null ? null : figures(riskP.proposed),
          },
    stress:
      stress === null
        ? null
        : {
            monteCarlo: {
              horizonDays: stress.monteCarlo.horizonDays,
              initialValue: stress.monteCarlo.initialValue,
              probabilityOfLoss: stress.monteCarlo.probabilityOfLoss,
              terminalValue: { p5: stress.monteCarlo.terminalValue.p5 },
            },
            scenarios: stress.scenarios.map((s) => ({
              name: s.name,
              current: { return: s.current.return },
              proposed: s.proposed === null ? null : { return: s.proposed.return },
            })),
          },
    breaches:
      (riskP ?? riskC)?.breaches.map((b) => ({
        ...b,
        ...(riskSeverity === undefined ? {} : { severity: riskSeverity }),
      })) ?? [],
    findings:
      state.dataResult?.findings.map((f) => ({
        code: f.code,
        severity: f.severity,
        symbol: f.symbol,
      })) ?? [],
    checks:
      state.checks?.results.map((c) => ({
        code: c.code,
        severity: c.severity,
        passed: c.passed,
      })) ?? [],
  });
}
