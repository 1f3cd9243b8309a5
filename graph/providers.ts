import { createProvider, type MarketDataProvider, type ProviderDeps } from "../market/index.js";
import type { DataSpec } from "./state.js";

/**
 * The `providerFor` a run service needs: builds (once per distinct data spec) the market-data
 * provider a run's serialisable `dataSpec` names. `seed` and `scenario` of a simulated spec go to
 * the simulator; everything else (cwd for csv, clock / client / cache for yahoo) comes from `deps`.
 *
 * @example
 * const providerFor = providerFactory({ cwd: process.cwd(), clock });
 * await providerFor({ kind: "sample" }); // the bundled sample provider (the same instance each time)
 */
export function providerFactory(
  deps: Omit<ProviderDeps, "seed" | "scenario">,
): (spec: DataSpec) => Promise<MarketDataProvider> {
  const built = new Map<string, Promise<MarketDataProvider>>();
  return (spec) => {
    const key = JSON.stringify(spec);
    let provider = built.get(key);
    if (provider === undefined) {
      provider =
        spec.kind === "simulated"
          ? createProvider(
              { kind: "simulated" },
              {
                ...deps,
                ...(spec.seed === undefined ? {} : { seed: spec.seed }),
                ...(spec.scenario === undefined ? {} : { scenario: spec.scenario }),
              },
            )
          : createProvider(spec, deps);
      // A failed build is not cached, so a transient failure can be retried.
      provider.catch(() => built.delete(key));
      built.set(key, provider);
    }
    return provider;
  };
}
