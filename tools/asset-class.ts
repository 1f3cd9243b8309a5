/**
 * The asset classes Steward trades (GOVERNANCE.md §5: stocks, ETFs, mutual funds, commodities, FX,
 * crypto, cash — plus bonds). Costs, lot rules and mandate bounds are keyed by these names.
 */
export const ASSET_CLASSES = [
  "equity",
  "etf",
  "mutual_fund",
  "commodity",
  "fx",
  "crypto",
  "cash",
  "bond",
] as const;

export type AssetClass = (typeof ASSET_CLASSES)[number];

const KNOWN: ReadonlySet<string> = new Set<string>(ASSET_CLASSES);

/**
 * Type guard: `value` is one of {@link ASSET_CLASSES} (exact, case-sensitive spelling).
 * @example isAssetClass("crypto") // true; isAssetClass("stock") // false
 */
export function isAssetClass(value: unknown): value is AssetClass {
  return typeof value === "string" && KNOWN.has(value);
}
