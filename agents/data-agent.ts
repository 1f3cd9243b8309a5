import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { SymbolSchema } from "../governance/index.js";
import {
  checkQuality,
  latestOnOrBefore,
  MarketDataError,
  QUALITY_CODES,
  type Bar,
  type Instrument,
  type MarketDataProvider,
  type MarketErrorCode,
  type QualityFinding,
  type SourceRecord,
} from "../market/index.js";
import { isIsoDate } from "../tools/index.js";
import {
  FindingSchema,
  InstrumentSchema,
  IsoDateSchema,
  LatestPriceSchema,
  PriceTableSchema,
  RecommendedBySchema,
  SourceSchema,
  WindowSchema,
  type InstrumentJson,
  type LatestPrice,
  type PriceTableJson,
} from "./schemas.js";

/**
 * The Data agent: market data for a run, through one provider, with quality findings. One bars
 * request for every symbol, their reference data, FX for the non-base currencies, then the
 * market layer's `checkQuality`. The Supervisor halts the run on `blocking` (fail closed).
 *
 * Provider failures are not thrown: an unknown symbol, a timeout, a malformed answer or any other
 * error from the provider (or from the quality check on its answer) becomes an output with
 * `blocking: true` and `error: { code, message }`, empty data, so the Supervisor can end the run
 * `blocked` with the reason and the audit trail records it. Only an invalid input (a bug in the
 * caller) throws.
 */

export const NAME = "data";
export const VERSION = "1.0.0";

/** Average daily volume is taken over at most this many of the latest bars. */
export const VOLUME_WINDOW = 20;

/** A real calendar date (the shared IsoDateSchema checks the shape only). */
const CalendarDateSchema = IsoDateSchema.refine(isIsoDate, "must be a real calendar date");

const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code");

/** Overrides of the market layer's default quality policy, key by key (JSON-serialisable). */
export const QualityPolicySchema = z.strictObject({
  severity: z.partialRecord(z.enum(QUALITY_CODES), z.enum(["warning", "blocking"])).optional(),
  thresholds: z
    .strictObject({
      staleAfterWeekdays: z.number().int().min(0).optional(),
      gapToleranceWeekdays: z.number().int().min(0).optional(),
      outlierSigmas: z.number().finite().positive().optional(),
      outlierMinReturns: z.number().int().min(0).optional(),
      splitTolerance: z.number().finite().positive().lt(0.5).optional(),
      splitRatios: z
        .array(z.strictObject({ label: z.string(), priceFactor: z.number().finite().positive() }))
        .optional(),
    })
    .optional(),
});

export const DataInputSchema = z.object({
  /** holdings ∪ universe ∪ targets ∪ benchmark; sorted and de-duplicated by the agent. */
  symbols: z.array(SymbolSchema).min(1),
  asOf: CalendarDateSchema,
  /** First date of the window (inclusive). */
  from: CalendarDateSchema,
  baseCurrency: CurrencySchema,
  qualityPolicy: QualityPolicySchema.optional(),
  /** Observations the run needs; fewer valid closes is a SHORT_HISTORY finding. */
  lookbackDays: z.number().int().min(1).optional(),
});

/** Codes of a provider failure: the market layer's `MarketErrorCode`s, or any other error. */
export const DATA_ERROR_CODES = [
  "UNKNOWN_SYMBOL",
  "INVALID_REQUEST",
  "PROVIDER_TIMEOUT",
  "PROVIDER_UNAVAILABLE",
  "PROVIDER_RATE_LIMITED",
  "PROVIDER_MALFORMED",
  "CIRCUIT_OPEN",
  "PROVIDER_ERROR",
] as const satisfies readonly (MarketErrorCode | "PROVIDER_ERROR")[];

export const DataErrorSchema = z.object({
  code: z.enum(DATA_ERROR_CODES),
  message: z.string(),
  field: z.string().optional(),
});

export const FxRateSchema = z.object({
  /** Units of the base currency per one unit of the currency (1 for the base itself). */
  rate: z.number().finite().positive(),
  /** Date of the rate (the as-of date for the base). */
  date: IsoDateSchema,
});

export const DataOutputSchema = z.object({
  recommendedBy: RecommendedBySchema,
  asOf: IsoDateSchema,
  baseCurrency: CurrencySchema,
  symbols: z.array(SymbolSchema),
  /** Union of all bar dates, one column per symbol (sorted), `null` where a symbol has no valid close. */
  table: PriceTableSchema,
  instruments: z.record(SymbolSchema, InstrumentSchema),
  /** Last positive close on or before as-of, per symbol that has one. */
  latestPrices: z.record(SymbolSchema, LatestPriceSchema),
  /** Average daily volume (units per day) over the last ≤ 20 bars that report one; absent when none do. */
  volumes: z.record(SymbolSchema, z.number().finite().min(0)),
  /** Latest rate on or before as-of for each instrument currency (the base at 1). */
  fx: z.record(z.string(), FxRateSchema),
  findings: z.array(FindingSchema),
  /** True when any finding is blocking, or the provider failed (`error`). */
  blocking: z.boolean(),
  error: DataErrorSchema.optional(),
  window: WindowSchema,
  sources: z.array(SourceSchema),
});

export type DataInput = z.input<typeof DataInputSchema>;
export type DataOutput = z.infer<typeof DataOutputSchema>;
export type DataError = z.infer<typeof DataErrorSchema>;

export interface DataDeps {
  readonly provider: MarketDataProvider;
}

const RECOMMENDED_BY = { agent: NAME, version: VERSION };

function toError(error: unknown): DataError {
  if (error instanceof MarketDataError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: "PROVIDER_ERROR", message };
}

function isValidClose(bar: Bar): boolean {
  return typeof bar.close === "number" && Number.isFinite(bar.close) && bar.close > 0;
}

/**
 * The price table of some series: the sorted union of their dates, one column per symbol (in the
 * order given), `null` where the symbol has no bar or its close is not positive and finite
 * (those are NON_POSITIVE_PRICE findings; nothing is filled forward).
 */
function buildTable(
  symbols: readonly string[],
  series: Readonly<Record<string, readonly Bar[]>>,
): PriceTableJson {
  const dateSet = new Set<string>();
  for (const s of symbols) for (const bar of series[s] ?? []) dateSet.add(bar.date);
  const dates = [...dateSet].sort();
  const index = new Map<string, number>();
  dates.forEach((d, t) => index.set(d, t));
  const columns = symbols.map((s) => {
    const column = new Array<number | null>(dates.length).fill(null);
    for (const bar of series[s] ?? []) {
      if (isValidClose(bar)) column[index.get(bar.date) as number] = bar.close;
    }
    return column;
  });
  return { dates, symbols: [...symbols], columns };
}

function latestPrice(bars: readonly Bar[], asOf: string): LatestPrice | undefined {
  for (let i = bars.length - 1; i >= 0; i--) {
    const bar = bars[i] as Bar;
    if (bar.date <= asOf && isValidClose(bar)) return { price: bar.close, date: bar.date };
  }
  return undefined;
}

/** Mean volume over the last {@link VOLUME_WINDOW} bars that report a finite volume ≥ 0. */
function averageVolume(bars: readonly Bar[]): number | undefined {
  let total = 0;
  let count = 0;
  for (let i = bars.length - 1; i >= 0 && count < VOLUME_WINDOW; i--) {
    const v = (bars[i] as Bar).volume;
    if (typeof v === "number" && Number.isFinite(v) && v >= 0) {
      total += v;
      count++;
    }
  }
  return count === 0 ? undefined : total / count;
}

/** Reference data in a fixed key order (optional fields only when present). */
function instrumentJson(i: Instrument): InstrumentJson {
  return {
    symbol: i.symbol,
    name: i.name,
    assetClass: i.assetClass,
    ...(i.sector === undefined ? {} : { sector: i.sector }),
    ...(i.issuer === undefined ? {} : { issuer: i.issuer }),
    currency: i.currency,
    lotSize: i.lotSize,
    fractional: i.fractional,
    tradable: i.tradable,
  };
}

function sourceJson(s: SourceRecord): z.infer<typeof SourceSchema> {
  return {
    provider: s.provider,
    detail: s.detail,
    symbols: [...s.symbols],
    ...(s.cached === undefined ? {} : { cached: s.cached }),
  };
}

function findingJson(f: QualityFinding): z.infer<typeof FindingSchema> {
  return {
    code: f.code,
    severity: f.severity,
    symbol: f.symbol,
    message: f.message,
    context: { ...f.context },
  };
}

function failed(
  input: z.infer<typeof DataInputSchema>,
  symbols: readonly string[],
  error: DataError,
): DataOutput {
  return {
    recommendedBy: RECOMMENDED_BY,
    asOf: input.asOf,
    baseCurrency: input.baseCurrency,
    symbols: [...symbols],
    table: { dates: [], symbols: [], columns: [] },
    instruments: {},
    latestPrices: {},
    volumes: {},
    fx: {},
    findings: [],
    blocking: true,
    error,
    window: { from: input.from, to: input.asOf },
    sources: [],
  };
}

/**
 * Runs the Data agent: `provider.bars` once for all symbols over `[from, asOf]`, `instruments`,
 * and `provider.fx` for every instrument currency other than the base (skipped when there is
 * none), then `checkQuality` with the FX series. Builds the price table (union of dates, `null`
 * where missing), the latest price per symbol (last positive close ≤ asOf, with its date), the
 * average daily volume over the last ≤ 20 bars that carry one, and the latest FX rate per
 * currency (≤ asOf, with its date; the base at 1 dated asOf). `blocking` is true when any
 * finding is blocking. Symbols are de-duplicated and sorted, so the output is the same for the
 * same request whatever the input order. Provider failures become `{ blocking: true, error }`
 * (see the module comment); an invalid input throws a ZodError.
 *
 * @example (await runData({ symbols: ["AAPL"], asOf: "2018-04-11", from: "2018-01-02",
 *   baseCurrency: "USD" }, { provider: sample })).latestPrices.AAPL
 *   // { price: 172.440002, date: "2018-04-11" }
 */
export async function runData(input: DataInput, deps: DataDeps): Promise<DataOutput> {
  const parsed = DataInputSchema.parse(input);
  const symbols = [...new Set(parsed.symbols)].sort();
  const { asOf, from, baseCurrency } = parsed;
  const { provider } = deps;
  try {
    const [bars, instruments] = await Promise.all([
      provider.bars({ symbols, asOf, from }),
      provider.instruments(symbols),
    ]);
    for (const s of symbols) {
      if (instruments[s] === undefined) {
        return failed(parsed, symbols, {
          code: "UNKNOWN_SYMBOL",
          message: `the ${provider.name} provider has no reference data for ${s}`,
          field: s,
        });
      }
    }
    const currencies = [...new Set(symbols.map((s) => (instruments[s] as Instrument).currency))]
      .filter((c) => c !== baseCurrency)
      .sort();
    const fxResult =
      currencies.length === 0
        ? undefined
        : await provider.fx({ base: baseCurrency, currencies, asOf, from });
    const policy = parsed.qualityPolicy;
    const findings = checkQuality({
      series: bars.series,
      instruments,
      asOf,
      baseCurrency,
      ...(fxResult === undefined ? {} : { fx: fxResult.rates }),
      ...(parsed.lookbackDays === undefined ? {} : { lookbackDays: parsed.lookbackDays }),
      ...(policy === undefined
        ? {}
        : {
            policy: {
              ...(policy.severity === undefined ? {} : { severity: policy.severity }),
              ...(policy.thresholds === undefined ? {} : { thresholds: policy.thresholds }),
            },
          }),
    });

    const latestPrices: Record<string, LatestPrice> = {};
    const volumes: Record<string, number> = {};
    const instrumentsOut: Record<string, InstrumentJson> = {};
    for (const s of symbols) {
      const series = bars.series[s] ?? [];
      const latest = latestPrice(series, asOf);
      if (latest !== undefined) latestPrices[s] = latest;
      const volume = averageVolume(series);
      if (volume !== undefined) volumes[s] = volume;
      instrumentsOut[s] = instrumentJson(instruments[s] as Instrument);
    }
    const fx: Record<string, z.infer<typeof FxRateSchema>> = {};
    for (const c of [...currencies, baseCurrency].sort()) {
      if (c === baseCurrency) {
        fx[c] = { rate: 1, date: asOf };
        continue;
      }
      const rate = latestOnOrBefore(fxResult?.rates[c] ?? [], asOf);
      if (rate !== undefined && Number.isFinite(rate.rate) && rate.rate > 0) {
        fx[c] = { rate: rate.rate, date: rate.date };
      }
    }
    const out = findings.map(findingJson);
    return {
      recommendedBy: RECOMMENDED_BY,
      asOf,
      baseCurrency,
      symbols,
      table: buildTable(symbols, bars.series),
      instruments: instrumentsOut,
      latestPrices,
      volumes,
      fx,
      findings: out,
      blocking: out.some((f) => f.severity === "blocking"),
      window: { from: bars.window.from, to: bars.window.to },
      sources: [...bars.sources, ...(fxResult?.sources ?? [])].map(sourceJson),
    };
  } catch (error) {
    return failed(parsed, symbols, toError(error));
  }
}

/** Bars as a JSON schema, for the quality-check tool. */
const BarSchema = z.object({
  date: IsoDateSchema,
  close: z.number(),
  volume: z.number().optional(),
});

export const CheckQualityInputSchema = z.object({
  series: z.record(SymbolSchema, z.array(BarSchema)),
  instruments: z.record(SymbolSchema, InstrumentSchema),
  asOf: IsoDateSchema,
  baseCurrency: CurrencySchema.default("USD"),
  fx: z.record(z.string(), z.array(BarSchema)).optional(),
  lookbackDays: z.number().int().min(1).optional(),
  qualityPolicy: QualityPolicySchema.optional(),
});

/** The provider a data tool uses: its own dependency, else `config.configurable.provider`. */
function providerFrom(deps: Partial<DataDeps>, config: unknown): MarketDataProvider {
  if (deps.provider !== undefined) return deps.provider;
  const configurable: unknown =
    typeof config === "object" && config !== null
      ? (config as { configurable?: unknown }).configurable
      : undefined;
  const provider: unknown =
    typeof configurable === "object" && configurable !== null
      ? (configurable as { provider?: unknown }).provider
      : undefined;
  if (
    typeof provider === "object" &&
    provider !== null &&
    typeof (provider as Partial<MarketDataProvider>).bars === "function"
  ) {
    return provider as MarketDataProvider;
  }
  throw new MarketDataError(
    "INVALID_REQUEST",
    "the data tools need a market-data provider (deps.provider or config.configurable.provider)",
    "provider",
  );
}

/**
 * The Data agent's tools as LangChain tools: `fetch_market_data` (the whole agent, {@link runData})
 * and `check_data_quality` (the market layer's `checkQuality` on given series). The provider is
 * `deps.provider` or, when absent, `config.configurable.provider` of the tool call.
 */
export function createDataTools(deps: Partial<DataDeps> = {}) {
  return [
    tool(async (input, config) => runData(input, { provider: providerFrom(deps, config) }), {
      name: "fetch_market_data",
      description:
        "Fetch daily prices (point in time: nothing after asOf), reference data and FX for the symbols over [from, asOf], and run the data-quality checks. Returns the price table, latest prices, average volumes, FX rates, findings and whether any is blocking.",
      schema: DataInputSchema,
    }),
    tool(
      (input) => {
        const policy = input.qualityPolicy;
        return checkQuality({
          series: input.series,
          instruments: input.instruments,
          asOf: input.asOf,
          baseCurrency: input.baseCurrency,
          ...(input.fx === undefined ? {} : { fx: input.fx }),
          ...(input.lookbackDays === undefined ? {} : { lookbackDays: input.lookbackDays }),
          ...(policy === undefined
            ? {}
            : {
                policy: {
                  ...(policy.severity === undefined ? {} : { severity: policy.severity }),
                  ...(policy.thresholds === undefined ? {} : { thresholds: policy.thresholds }),
                },
              }),
        }).map(findingJson);
      },
      {
        name: "check_data_quality",
        description:
          "Data-quality findings (stale price, gap, outlier jump, probable split, non-positive price, short history, currency without FX, no data) for daily bar series as of a date, each with a severity (warning or blocking).",
        schema: CheckQualityInputSchema,
      },
    ),
  ] as const;
}

/** The Data agent's tools, taking the provider from `config.configurable.provider`. */
export const dataTools = createDataTools();
