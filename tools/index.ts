// The public face of tools/: pure quant functions — no I/O, clock, randomness source or logging.
// Other layers import tools only through this file.
export * from "./errors.js";
export * from "./validate.js";
export * from "./stats.js";
export * from "./price-table.js";
export * from "./returns.js";
export * from "./normal.js";
export * from "./performance.js";
export * from "./drawdown.js";
export * from "./var.js";
export * from "./relative.js";
export * from "./rolling.js";
export * from "./risk-report.js";
export * from "./risk-table.js";
export * from "./return-matrix.js";
export * from "./expected-returns.js";
export * from "./covariance.js";
export * from "./ledoit-wolf.js";
export * from "./correlation.js";
export * from "./psd.js";
export * from "./random.js";
export * from "./cholesky.js";
export * from "./monte-carlo.js";
export * from "./scenarios.js";
export * from "./asset-class.js";
export {
  rebalance,
  REBALANCE_DEFAULTS,
  FRACTIONAL_STEP,
  type AssetTrade,
  type CostBps,
  type DriftMode,
  type RebalanceHolding,
  type RebalanceInput,
  type RebalanceReason,
  type RebalanceResult,
  type RebalanceTotals,
  type TradeAction,
} from "./rebalance.js";
export * from "./mean-variance.js";
export * from "./efficient-frontier.js";
export type {
  AssetBounds,
  GroupBound,
  PortfolioConstraints,
  TurnoverControl,
} from "./portfolio-constraints.js";
export * from "./risk-parity.js";
export * from "./hrp.js";
export * from "./black-litterman.js";
export {
  discreteAllocation,
  greedyAllocation,
  lpAllocation,
  loadHighs,
  type DiscreteAllocationResult,
} from "./discrete-allocation.js";
export * from "./forecast-ensemble.js";
export * from "./volatility-regime.js";
