import highsModule, { type Highs } from "highs";

/**
 * The HiGHS MILP solver (the `highs` package: HiGHS compiled to WebAssembly) used by the `lp`
 * discrete allocation. Loading compiles `highs.wasm` from the package, so it is asynchronous; every
 * solve afterwards is synchronous. This is the one exception to "tools/ does no I/O": reading the
 * solver's own WASM binary from node_modules, once, on first use.
 */
export type HighsSolver = Highs;

type HighsLoader = () => Promise<HighsSolver>;

/**
 * The package's types describe its CommonJS build (`module.exports.default` = loader) while Node's
 * ESM import resolves to its ES build (default export = loader), so the loader is found at run time.
 */
function resolveLoader(mod: unknown): HighsLoader {
  if (typeof mod === "function") return mod as HighsLoader;
  if (typeof mod === "object" && mod !== null && "default" in mod) {
    const inner: unknown = mod.default;
    if (typeof inner === "function") return inner as HighsLoader;
  }
  throw new TypeError("the highs package exports no loader function");
}

let loading: Promise<HighsSolver> | undefined;

/**
 * Loads HiGHS once per process and returns the same instance to every caller (the runtime holds no
 * model between solves: each solve creates and disposes its own). A failed load is not cached, so
 * a later call retries. Callers that manage the solver themselves pass it to
 * `lpAllocation(input, solver)` / `discreteAllocation(input, { solver })` instead.
 * @example const solver = await loadHighs(); lpAllocation(input, solver)
 */
export function loadHighs(): Promise<HighsSolver> {
  if (loading !== undefined) return loading;
  const attempt = resolveLoader(highsModule)();
  loading = attempt;
  attempt.catch(() => {
    if (loading === attempt) loading = undefined;
  });
  return attempt;
}
