// The public face of market/: providers behind one point-in-time interface, data quality, FX
// and the price cache. Other layers import market only through this file.
export * from "./types.js";
export * from "./window.js";
export * from "./calendar.js";
export * from "./quality.js";
export * from "./fx.js";
export * from "./providers.js";
export * from "./point-in-time.js";
export { createSampleProvider } from "./sample-provider.js";
export { createCsvProvider } from "./csv-provider.js";
export type { LocalProvider } from "./local-provider.js";
export {
  createSimulatedProvider,
  listScenarios,
  SIMULATED_SCENARIOS,
} from "./simulated-provider.js";
export { createYahooProvider } from "./yahoo-provider.js";
export { createYahooClient, type YahooClient } from "./yahoo-client.js";
export type { PriceCache } from "./price-cache.js";
export { MemoryPriceCache } from "./price-cache-memory.js";
export { openSqlitePriceCache, sqlitePriceCachePath } from "./price-cache-sqlite.js";
export { openPostgresPriceCache } from "./price-cache-postgres.js";
