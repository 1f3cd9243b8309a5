import type { Instrument } from "./types.js";

/**
 * The simulated market's universe and its factor model. Every instrument's daily log return is
 *
 *   r_i,t = d_i + Σ_k β_ik · f_k,t + ε_i,t,
 *   f_k,t ~ N(0, (σ_k · m_k(regime))² / 252),   ε_i,t ~ N(0, (s_i · m_idio(regime))² / 252),
 *
 * all draws independent. The factors are orthogonal by construction, so in one regime the annual
 * covariance of two instruments is `Σ_k β_ik β_jk σ_k² m_k² + [i = j] s_i² m_idio²` and the
 * correlations come only from shared factor loadings. The vols below are those of the `normal`
 * regime (multipliers 1); `calm` is lower and `stressed` higher (simulated-regimes.ts).
 *
 * Every symbol starts with `SIM` and every name ends with "(simulated)" so that a simulated
 * price can never be mistaken for a real one.
 */

/** Factor names, in the order their draws are taken each day. */
export const FACTORS = [
  "market",
  "tech",
  "financials",
  "healthcare",
  "energy",
  "consumer",
  "industrials",
  "europe",
  "rates",
  "commodity",
  "crypto",
  "dollar",
] as const;

export type FactorName = (typeof FACTORS)[number];

/**
 * Annual volatility of each factor in the normal regime (fractions). `rates` is the return of a
 * duration-7 government bond (so 6% ≈ 86 bp of annual yield volatility); `dollar` is a trade-
 * weighted US-dollar return; the sector and `europe` factors are orthogonal to `market`.
 */
export const FACTOR_VOLATILITY: Readonly<Record<FactorName, number>> = {
  market: 0.16,
  tech: 0.12,
  financials: 0.1,
  healthcare: 0.08,
  energy: 0.14,
  consumer: 0.07,
  industrials: 0.08,
  europe: 0.07,
  rates: 0.06,
  commodity: 0.15,
  crypto: 0.55,
  dollar: 0.06,
};

/** Groups a named scenario shocks (simulated-scenarios.ts). */
export type ShockGroup = "equity" | "bond" | "commodity" | "crypto" | "fx";

/** One simulated instrument: its reference data and its model parameters. */
export interface SimulatedInstrumentSpec {
  readonly instrument: Instrument;
  /** Price on the first date of the window, in the instrument's currency. */
  readonly startPrice: number;
  /**
   * Annual arithmetic expected return; the daily log drift is `(μ − σ²/2) / 252` with σ the
   * normal-regime total volatility. The cash fund ignores it and accrues the short rate instead.
   */
  readonly expectedReturn: number;
  /** Factor loadings β (absent = 0). */
  readonly loadings: Readonly<Partial<Record<FactorName, number>>>;
  /** Annual idiosyncratic volatility s in the normal regime. */
  readonly idiosyncraticVolatility: number;
  /** How much of each scenario group's shock the instrument takes (absent = 0). */
  readonly exposures: Readonly<Partial<Record<ShockGroup, number>>>;
  /** Average daily volume in units (stocks and exchange-traded funds only). */
  readonly averageDailyVolume?: number;
}

/** Symbol of the money-market fund whose NAV grows at the simulated short rate. */
export const CASH_SYMBOL = "SIMMM-USD";

/** The FX instruments behind `fx()`: USD per EUR, USD per GBP and JPY per USD. */
export const FX_SYMBOLS = {
  EUR: "SIMFX-EURUSD",
  GBP: "SIMFX-GBPUSD",
  JPY: "SIMFX-USDJPY",
} as const;

const ISSUER_FUNDS = "Simulated Asset Management (simulated)";

interface Row {
  readonly symbol: string;
  readonly name: string;
  readonly assetClass: Instrument["assetClass"];
  readonly sector?: string;
  readonly issuer?: string;
  readonly currency?: string;
  readonly lotSize?: number;
  readonly fractional?: boolean;
  readonly startPrice: number;
  readonly mu: number;
  readonly beta: Readonly<Partial<Record<FactorName, number>>>;
  readonly idio: number;
  readonly exposures: Readonly<Partial<Record<ShockGroup, number>>>;
  readonly adv?: number;
}

function spec(row: Row): SimulatedInstrumentSpec {
  const instrument: Instrument = {
    symbol: row.symbol,
    name: `${row.name} (simulated)`,
    assetClass: row.assetClass,
    ...(row.sector === undefined ? {} : { sector: row.sector }),
    issuer: row.issuer ?? `${row.name} (simulated)`,
    currency: row.currency ?? "USD",
    lotSize: row.lotSize ?? 1,
    fractional: row.fractional ?? false,
    tradable: true,
  };
  return {
    instrument,
    startPrice: row.startPrice,
    expectedReturn: row.mu,
    loadings: row.beta,
    idiosyncraticVolatility: row.idio,
    exposures: row.exposures,
    ...(row.adv === undefined ? {} : { averageDailyVolume: row.adv }),
  };
}

const EQ = { equity: 1 } as const;
const STOCK = "equity" as const;

/**
 * The default universe: 10 stocks in 7 sectors (one EUR-, one GBP-denominated), 2 equity ETFs,
 * 2 equity mutual funds, a government bond ETF and a corporate bond fund, gold and oil, three FX
 * pairs, BTC and ETH, and a USD money-market fund. Normal-regime annual vols (from the loadings):
 * stocks 20–34%, equity ETFs 16–18%, bonds ≈ 6%, gold ≈ 15%, oil ≈ 34%, FX 8–10%, crypto 65–78%,
 * cash 0.3%.
 */
export const SIMULATED_UNIVERSE: readonly SimulatedInstrumentSpec[] = [
  // prettier-ignore
  ...[
    { symbol: "SIMEQ-TECH1", name: "Aurora Systems Inc.", sector: "Information Technology", startPrice: 85, mu: 0.1, beta: { market: 1.15, tech: 1 }, idio: 0.18, adv: 6e6 },
    { symbol: "SIMEQ-TECH2", name: "Nimbus Semiconductor Corp.", sector: "Information Technology", startPrice: 42, mu: 0.11, beta: { market: 1.3, tech: 1.3 }, idio: 0.22, adv: 9e6 },
    { symbol: "SIMEQ-FIN1", name: "Harborline Bank Corp.", sector: "Financials", startPrice: 55, mu: 0.08, beta: { market: 1.1, financials: 1, rates: -0.5 }, idio: 0.15, adv: 5e6 },
    { symbol: "SIMEQ-FIN2", name: "Keystone Insurance Group", sector: "Financials", startPrice: 120, mu: 0.07, beta: { market: 0.9, financials: 0.8 }, idio: 0.14, adv: 2e6 },
    { symbol: "SIMEQ-HLTH1", name: "Meridian Health Sciences Inc.", sector: "Health Care", startPrice: 140, mu: 0.08, beta: { market: 0.8, healthcare: 1 }, idio: 0.16, adv: 3e6 },
    { symbol: "SIMEQ-ENGY1", name: "Prairie Energy Corp.", sector: "Energy", startPrice: 64, mu: 0.07, beta: { market: 1, energy: 1, commodity: 0.5 }, idio: 0.18, adv: 4e6 },
    { symbol: "SIMEQ-CONS1", name: "Evergreen Consumer Brands", sector: "Consumer Staples", startPrice: 98, mu: 0.06, beta: { market: 0.7, consumer: 1 }, idio: 0.16, adv: 2.5e6 },
    { symbol: "SIMEQ-INDU1", name: "Ironbridge Industrials Inc.", sector: "Industrials", startPrice: 76, mu: 0.075, beta: { market: 1.05, industrials: 1 }, idio: 0.16, adv: 1.8e6 },
    { symbol: "SIMEQ-EUAUTO", name: "Rheinwerk Automobil AG", sector: "Consumer Discretionary", currency: "EUR", startPrice: 58, mu: 0.07, beta: { market: 0.9, europe: 1, industrials: 0.5 }, idio: 0.2, adv: 1.5e6 },
    { symbol: "SIMEQ-UKBANK", name: "Thameside Banking Group plc", sector: "Financials", currency: "GBP", startPrice: 4.2, mu: 0.07, beta: { market: 0.9, europe: 1, financials: 1, rates: -0.4 }, idio: 0.17, adv: 2e7 },
  ].map((r) => spec({ ...r, assetClass: STOCK, exposures: EQ })),
  // prettier-ignore
  ...[
    spec({ symbol: "SIMETF-WORLD", name: "Global Equity Index ETF", assetClass: "etf", sector: "Global Equity", issuer: ISSUER_FUNDS, startPrice: 60, mu: 0.075, beta: { market: 1, europe: 0.2 }, idio: 0.02, exposures: EQ, adv: 8e6 }),
    spec({ symbol: "SIMETF-TECH", name: "Technology Sector ETF", assetClass: "etf", sector: "Information Technology", issuer: ISSUER_FUNDS, startPrice: 45, mu: 0.09, beta: { market: 1, tech: 0.6 }, idio: 0.03, exposures: EQ, adv: 5e6 }),
    spec({ symbol: "SIMETF-GOVT", name: "Government Bond ETF", assetClass: "bond", sector: "Government Bonds", issuer: ISSUER_FUNDS, startPrice: 110, mu: 0.03, beta: { rates: 1 }, idio: 0.01, exposures: { bond: 1 }, adv: 3e6 }),
    spec({ symbol: "SIMMF-BAL", name: "Balanced 60/40 Fund", assetClass: "mutual_fund", sector: "Multi-Asset", issuer: ISSUER_FUNDS, fractional: true, startPrice: 25, mu: 0.06, beta: { market: 0.6, rates: 0.4 }, idio: 0.015, exposures: { equity: 0.6, bond: 0.4 } }),
    spec({ symbol: "SIMMF-GROW", name: "Growth Equity Fund", assetClass: "mutual_fund", sector: "Global Equity", issuer: ISSUER_FUNDS, fractional: true, startPrice: 32, mu: 0.08, beta: { market: 1.05, tech: 0.3 }, idio: 0.04, exposures: EQ }),
    spec({ symbol: "SIMMF-CORP", name: "Corporate Bond Fund", assetClass: "bond", sector: "Corporate Bonds", issuer: ISSUER_FUNDS, fractional: true, startPrice: 12, mu: 0.035, beta: { rates: 0.85, market: 0.1 }, idio: 0.025, exposures: { bond: 1 } }),
    spec({ symbol: "SIMCM-GOLD", name: "Gold Bullion", assetClass: "commodity", sector: "Precious Metals", startPrice: 1200, mu: 0.03, beta: { commodity: 0.3, dollar: -0.8 }, idio: 0.13, exposures: { commodity: 1 } }),
    spec({ symbol: "SIMCM-OIL", name: "Crude Oil Front-Month", assetClass: "commodity", sector: "Energy", startPrice: 55, mu: 0.02, beta: { commodity: 1.9, market: 0.3 }, idio: 0.18, exposures: { commodity: 1 } }),
    spec({ symbol: FX_SYMBOLS.EUR, name: "Euro / US Dollar", assetClass: "fx", sector: "Currencies", lotSize: 1000, startPrice: 1.2, mu: 0, beta: { dollar: -1 }, idio: 0.053, exposures: { fx: 1 } }),
    spec({ symbol: FX_SYMBOLS.GBP, name: "British Pound / US Dollar", assetClass: "fx", sector: "Currencies", lotSize: 1000, startPrice: 1.55, mu: 0, beta: { dollar: -1, europe: 0.1 }, idio: 0.066, exposures: { fx: 1 } }),
    spec({ symbol: FX_SYMBOLS.JPY, name: "US Dollar / Japanese Yen", assetClass: "fx", sector: "Currencies", currency: "JPY", lotSize: 1000, startPrice: 120, mu: 0, beta: { dollar: 0.8 }, idio: 0.087, exposures: { fx: 1 } }),
    spec({ symbol: "SIMCR-BTC", name: "Bitcoin", assetClass: "crypto", sector: "Digital Assets", fractional: true, startPrice: 300, mu: 0.2, beta: { crypto: 1, market: 0.4 }, idio: 0.35, exposures: { crypto: 1 } }),
    spec({ symbol: "SIMCR-ETH", name: "Ether", assetClass: "crypto", sector: "Digital Assets", fractional: true, startPrice: 50, mu: 0.22, beta: { crypto: 1.15, market: 0.5 }, idio: 0.45, exposures: { crypto: 1 } }),
    spec({ symbol: CASH_SYMBOL, name: "US Dollar Money Market Fund", assetClass: "cash", sector: "Cash", issuer: ISSUER_FUNDS, fractional: true, startPrice: 100, mu: 0, beta: {}, idio: 0.003, exposures: {} }),
  ],
];

/**
 * Normal-regime annual volatility of one instrument: `√(Σ_k β_k² σ_k² + s²)`.
 *
 * @example
 * // SIMETF-GOVT: β_rates = 1, σ_rates = 6%, s = 1%: √(0.0036 + 0.0001) = 0.0608276253029822
 * normalRegimeVolatility(SIMULATED_UNIVERSE.find((s) => s.instrument.symbol === "SIMETF-GOVT"))
 */
export function normalRegimeVolatility(spec: SimulatedInstrumentSpec): number {
  let variance = spec.idiosyncraticVolatility * spec.idiosyncraticVolatility;
  for (const factor of FACTORS) {
    const beta = spec.loadings[factor] ?? 0;
    const sigma = FACTOR_VOLATILITY[factor];
    variance += beta * beta * sigma * sigma;
  }
  return Math.sqrt(variance);
}
