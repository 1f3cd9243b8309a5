import path from "node:path";
import { createCsvProvider } from "./csv-provider.js";
import { withPointInTime } from "./point-in-time.js";
import type { PriceCache } from "./price-cache.js";
import { createSampleProvider } from "./sample-provider.js";
import { createSimulatedProvider } from "./simulated-provider.js";
import { MarketDataError, type MarketDataProvider, type ProviderName } from "./types.js";
import { createYahooClient, type YahooClient } from "./yahoo-client.js";
import { createYahooProvider } from "./yahoo-provider.js";

/** Which provider, as written on a command line: `sample`, `simulated`, `csv:<dir>`, `yahoo`. */
export type ProviderSpec =
  | { readonly kind: "sample" }
  | { readonly kind: "simulated" }
  | { readonly kind: "csv"; readonly dir: string }
  | { readonly kind: "yahoo" };

/**
 * Parses a provider spec. `csv:` needs a directory after the colon. Anything else is
 * `MarketDataError("INVALID_REQUEST")` listing the accepted forms.
 *
 * @example parseProviderSpec("csv:./prices") // { kind: "csv", dir: "./prices" }
 */
export function parseProviderSpec(text: string): ProviderSpec {
  if (text === "sample" || text === "simulated" || text === "yahoo") return { kind: text };
  if (text.startsWith("csv:")) {
    const dir = text.slice(4);
    if (dir.trim() === "") {
      throw new MarketDataError(
        "INVALID_REQUEST",
        "csv: needs a directory, e.g. csv:./prices",
        "provider",
      );
    }
    return { kind: "csv", dir };
  }
  throw new MarketDataError(
    "INVALID_REQUEST",
    `unknown provider "${text}" (expected sample, simulated, csv:<dir> or yahoo)`,
    "provider",
  );
}

/** What providers may need from their caller; each is used only by the provider named. */
export interface ProviderDeps {
  /** Base for a relative `csv:<dir>`. */
  readonly cwd: string;
  /** `simulated`: seed of the random stream (default: the simulator's own). */
  readonly seed?: number;
  /** `simulated`: scenario name (default: its base scenario). */
  readonly scenario?: string;
  /** `yahoo` (required): the clock that says what "now" is. */
  readonly clock?: () => Date;
  /** `yahoo`: the client (default: a real yahoo-finance2 client, loaded on demand). */
  readonly yahooClient?: YahooClient;
  /** `yahoo`: the price cache its answers are stored in and served from (default: none). */
  readonly cache?: PriceCache;
}

/** A provider plus, for finite histories, the last date it holds (the default as-of). */
export type CreatedProvider = MarketDataProvider & {
  readonly name: ProviderName;
  lastDate?: (symbols?: readonly string[]) => Promise<string>;
};

/**
 * Builds the provider a spec names, wrapped by `withPointInTime` so every answer is validated and
 * clipped in `window.ts`. `seed` and `scenario` are accepted only by `simulated`; `yahoo` needs
 * `clock` (INVALID_REQUEST without one). Async only because the real yahoo client loads lazily.
 *
 * @example (await (await createProvider({ kind: "sample" }, { cwd: "." })).universe()).length // 21
 */
export async function createProvider(
  spec: ProviderSpec,
  deps: ProviderDeps,
): Promise<CreatedProvider> {
  if (spec.kind !== "simulated" && (deps.seed !== undefined || deps.scenario !== undefined)) {
    throw new MarketDataError(
      "INVALID_REQUEST",
      `seed and scenario apply only to the simulated provider, not ${spec.kind}`,
      deps.seed !== undefined ? "seed" : "scenario",
    );
  }
  switch (spec.kind) {
    case "sample":
      return withPointInTime(createSampleProvider());
    case "csv":
      return withPointInTime(createCsvProvider(path.resolve(deps.cwd, spec.dir)));
    case "simulated":
      return withPointInTime(
        createSimulatedProvider({
          ...(deps.seed === undefined ? {} : { seed: deps.seed }),
          ...(deps.scenario === undefined ? {} : { scenario: deps.scenario }),
        }),
      );
    case "yahoo": {
      if (deps.clock === undefined) {
        throw new MarketDataError("INVALID_REQUEST", "the yahoo provider needs a clock", "clock");
      }
      const client = deps.yahooClient ?? (await createYahooClient());
      return withPointInTime(
        createYahooProvider({
          client,
          clock: deps.clock,
          ...(deps.cache === undefined ? {} : { cache: deps.cache }),
        }),
      );
    }
  }
}
