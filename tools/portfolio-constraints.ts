import type { DenseQp } from "./active-set-qp.js";
import type { LinearFeasibleSet } from "./qp-simplex.js";
import { ToolError, invalidInput } from "./errors.js";
import { assertFiniteArray, assertFiniteNumber } from "./validate.js";

/** Per-asset weight bounds (fractions of the portfolio; negative = short). */
export interface AssetBounds {
  readonly min: number;
  readonly max: number;
}

/** Bounds on the total weight of a group of assets (a sector, an asset class). */
export interface GroupBound {
  readonly name: string;
  /** Symbols in the group. */
  readonly members: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

/**
 * Turnover control against the current weights `w₀` (aligned with the symbols):
 * - `penalty`: adds `κ · Σ_i c_i |w_i − w₀_i|` to the objective, `c_i = costBps_i / 10⁴`
 *   (per-asset transaction cost) or 1 when `costBps` is omitted — PyPortfolioOpt's
 *   `transaction_cost(w, w_prev, k)` is `κ = k` with unit costs.
 * - `cap`: requires `Σ_i |w_i − w₀_i| ≤ maxTurnover` (buys plus sells, not halved).
 * Both use the split `w = w₀ + u − v`, `u, v ≥ 0`, `|w − w₀| = u + v` at the optimum.
 */
export type TurnoverControl =
  | {
      readonly mode: "penalty";
      readonly current: readonly number[];
      readonly kappa: number;
      readonly costBps?: readonly number[];
    }
  | { readonly mode: "cap"; readonly current: readonly number[]; readonly maxTurnover: number };

export interface PortfolioConstraints {
  /** One pair for every asset or one per asset; default {@link DEFAULT_BOUNDS} (long-only). */
  readonly bounds?: AssetBounds | readonly AssetBounds[];
  /** Caps every position: `−maxPosition ≤ w_i ≤ maxPosition` on top of the bounds. */
  readonly maxPosition?: number;
  readonly groups?: readonly GroupBound[];
  /** L2 regularisation `γ‖w‖²` added to the variance objective (PyPortfolioOpt's `L2_reg`). */
  readonly l2Gamma?: number;
  readonly turnover?: TurnoverControl;
}

/** Long-only, fully invested: `0 ≤ w_i ≤ 1`. */
export const DEFAULT_BOUNDS: AssetBounds = { min: 0, max: 1 };

/** Validated constraints in index form. */
export interface ResolvedConstraints {
  readonly n: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly groups: readonly {
    readonly name: string;
    readonly members: Int32Array;
    readonly min: number | null;
    readonly max: number | null;
  }[];
  readonly l2Gamma: number;
  readonly turnover:
    | { readonly mode: "penalty"; readonly current: Float64Array; readonly unitCost: Float64Array }
    | { readonly mode: "cap"; readonly current: Float64Array; readonly maxTurnover: number }
    | null;
}

/**
 * Checks the constraints against the symbols and puts them in index form. Bounds must be finite
 * with `min ≤ max`; `Σ min ≤ 1 ≤ Σ max` (else INFEASIBLE naming `bounds`); groups name known,
 * distinct symbols with `min ≤ max` reachable within the members' bounds (else INFEASIBLE
 * naming `groups.NAME`); `l2Gamma ≥ 0`; turnover weights finite, `kappa`, `costBps`,
 * `maxTurnover ≥ 0`.
 *
 * @example
 * resolveConstraints(["A", "B"], { bounds: { min: 0, max: 0.7 } }).upper // Float64Array [0.7, 0.7]
 */
export function resolveConstraints(
  symbols: readonly string[],
  constraints: PortfolioConstraints = {},
): ResolvedConstraints {
  const n = symbols.length;
  const index = new Map<string, number>();
  symbols.forEach((s, i) => {
    if (index.has(s)) throw invalidInput(`symbols[${i}]`, `duplicate symbol ${s}`);
    index.set(s, i);
  });
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  const bounds = constraints.bounds ?? DEFAULT_BOUNDS;
  const list = isBoundsList(bounds) ? bounds : null;
  if (list !== null && list.length !== n) {
    throw invalidInput("bounds", `must have ${n} entries, got ${list.length}`);
  }
  for (let i = 0; i < n; i++) {
    const b = list === null ? (bounds as AssetBounds) : (list[i] as AssetBounds);
    const field = list === null ? "bounds" : `bounds[${i}]`;
    assertFiniteNumber(`${field}.min`, b.min);
    assertFiniteNumber(`${field}.max`, b.max);
    if (b.min > b.max) throw invalidInput(field, `min ${b.min} exceeds max ${b.max}`);
    lower[i] = b.min;
    upper[i] = b.max;
  }
  if (constraints.maxPosition !== undefined) {
    const cap = constraints.maxPosition;
    assertFiniteNumber("maxPosition", cap);
    if (cap <= 0) throw invalidInput("maxPosition", `must be > 0, got ${cap}`);
    for (let i = 0; i < n; i++) {
      upper[i] = Math.min(upper[i] as number, cap);
      lower[i] = Math.max(lower[i] as number, -cap);
      if ((lower[i] as number) > (upper[i] as number)) {
        throw new ToolError(
          "INFEASIBLE",
          "maxPosition",
          `leaves no room for ${symbols[i]}'s bounds`,
        );
      }
    }
  }
  let sumLower = 0;
  let sumUpper = 0;
  for (let i = 0; i < n; i++) {
    sumLower += lower[i] as number;
    sumUpper += upper[i] as number;
  }
  const slack = 1e-12 * n;
  if (sumLower > 1 + slack || sumUpper < 1 - slack) {
    throw new ToolError(
      "INFEASIBLE",
      "bounds",
      `weights within the bounds sum to between ${sumLower} and ${sumUpper}, so they cannot sum to 1`,
    );
  }
  const groups = (constraints.groups ?? []).map((g, k) => {
    const field = `groups.${g.name}`;
    if (typeof g.name !== "string" || g.name === "")
      throw invalidInput(`groups[${k}].name`, "must be a name");
    if (g.members.length === 0)
      throw invalidInput(`${field}.members`, "must name at least one symbol");
    const seen = new Set<number>();
    const members = Int32Array.from(
      g.members.map((s) => {
        const i = index.get(s);
        if (i === undefined) throw invalidInput(`${field}.members`, `unknown symbol ${s}`);
        if (seen.has(i)) throw invalidInput(`${field}.members`, `lists ${s} twice`);
        seen.add(i);
        return i;
      }),
    );
    const min = g.min ?? null;
    const max = g.max ?? null;
    if (min !== null) assertFiniteNumber(`${field}.min`, min);
    if (max !== null) assertFiniteNumber(`${field}.max`, max);
    if (min !== null && max !== null && min > max) {
      throw invalidInput(field, `min ${min} exceeds max ${max}`);
    }
    let lo = 0;
    let hi = 0;
    for (const i of members) {
      lo += lower[i] as number;
      hi += upper[i] as number;
    }
    if ((min !== null && min > hi + slack) || (max !== null && max < lo - slack)) {
      throw new ToolError(
        "INFEASIBLE",
        field,
        `the members' bounds allow a total between ${lo} and ${hi}, outside [${min ?? "-∞"}, ${max ?? "∞"}]`,
      );
    }
    return { name: g.name, members, min, max };
  });
  const l2Gamma = constraints.l2Gamma ?? 0;
  assertFiniteNumber("l2Gamma", l2Gamma);
  if (l2Gamma < 0) throw invalidInput("l2Gamma", `must be ≥ 0, got ${l2Gamma}`);
  return { n, lower, upper, groups, l2Gamma, turnover: resolveTurnover(n, constraints.turnover) };
}

function isBoundsList(b: AssetBounds | readonly AssetBounds[]): b is readonly AssetBounds[] {
  return Array.isArray(b);
}

function resolveTurnover(
  n: number,
  t: TurnoverControl | undefined,
): ResolvedConstraints["turnover"] {
  if (t === undefined) return null;
  if (t.current.length !== n) {
    throw invalidInput("turnover.current", `must have ${n} weights, got ${t.current.length}`);
  }
  assertFiniteArray("turnover.current", t.current);
  const current = Float64Array.from(t.current);
  if (t.mode === "cap") {
    assertFiniteNumber("turnover.maxTurnover", t.maxTurnover);
    if (t.maxTurnover < 0)
      throw invalidInput("turnover.maxTurnover", `must be ≥ 0, got ${t.maxTurnover}`);
    return { mode: "cap", current, maxTurnover: t.maxTurnover };
  }
  if ((t.mode as string) !== "penalty") {
    throw invalidInput(
      "turnover.mode",
      `must be "penalty" or "cap", got ${String(t.mode as unknown)}`,
    );
  }
  assertFiniteNumber("turnover.kappa", t.kappa);
  if (t.kappa < 0) throw invalidInput("turnover.kappa", `must be ≥ 0, got ${t.kappa}`);
  const unitCost = new Float64Array(n).fill(t.kappa);
  if (t.costBps !== undefined) {
    if (t.costBps.length !== n) {
      throw invalidInput("turnover.costBps", `must have ${n} entries, got ${t.costBps.length}`);
    }
    assertFiniteArray("turnover.costBps", t.costBps);
    t.costBps.forEach((bps, i) => {
      if (bps < 0) throw invalidInput(`turnover.costBps[${i}]`, `must be ≥ 0, got ${bps}`);
      unitCost[i] = (t.kappa * bps) / 1e4;
    });
  }
  return { mode: "penalty", current, unitCost };
}

/** A general linear row on the weights: `coefficientsᵀw (= | ≥) rhs`. */
export interface WeightRow {
  readonly coefficients: Float64Array;
  readonly equality: boolean;
  readonly rhs: number;
  readonly label: string;
}

/** The constraints of a portfolio problem in the solver's variables, and the maps to weights. */
export interface CompiledFeasibleSet {
  readonly set: LinearFeasibleSet;
  /** True when the variables are the split `(u, v)` of a turnover control (2n of them). */
  readonly split: boolean;
  /** `w = x` or `w = w₀ + u − v`. */
  readonly weights: (x: Float64Array) => Float64Array;
  /** Maps a point in weight space to the variables (u = (w − w₀)⁺, v = (w − w₀)⁻). */
  readonly variables: (w: Float64Array) => Float64Array;
  /** The partner of each split variable (u_i ↔ v_i), when split. */
  readonly partner?: Int32Array;
}

/** A portfolio problem compiled to a {@link DenseQp} and the maps to weights. */
export interface CompiledPortfolioQp extends Omit<CompiledFeasibleSet, "set"> {
  readonly qp: DenseQp;
}

/**
 * The feasible set of a portfolio problem: `Σw = 1` (label `budget`), the bounds, group bounds
 * (`groups.NAME.min|max`), `extraRows`, and the turnover cap (`turnover.maxTurnover`).
 *
 * Without a turnover control the variables are the weights. With one they are the split
 * `x = (u, v)`, `w = w₀ + u − v`, `u, v ≥ 0`: a weight row `aᵀw ⋈ b` becomes
 * `aᵀu − aᵀv ⋈ b − aᵀw₀`, the cap is `Σ(u + v) ≤ T`, and the bounds become
 * `u ∈ [(l − w₀)⁺, (h − w₀)⁺]`, `v ∈ [(w₀ − h)⁺, (w₀ − l)⁺]` — an exact image of `l ≤ w ≤ h`
 * once `u_i v_i = 0`, which the solver maintains (`partner`).
 *
 * @example compileFeasibleSet(resolveConstraints(["A", "B"]), []).set.labels // ["budget"]
 */
export function compileFeasibleSet(
  resolved: ResolvedConstraints,
  extraRows: readonly WeightRow[],
): CompiledFeasibleSet {
  const { n, lower, upper, turnover } = resolved;
  const rowsW: WeightRow[] = [
    { coefficients: new Float64Array(n).fill(1), equality: true, rhs: 1, label: "budget" },
    ...groupRows(resolved, false),
    ...extraRows,
  ];
  if (turnover === null) {
    const m = rowsW.length;
    const rows = new Float64Array(m * n);
    rowsW.forEach((r, k) => rows.set(r.coefficients, k * n));
    return {
      set: {
        n,
        m,
        lower: Float64Array.from(lower),
        upper: Float64Array.from(upper),
        rows,
        equality: Uint8Array.from(rowsW.map((r) => (r.equality ? 1 : 0))),
        rhs: Float64Array.from(rowsW.map((r) => r.rhs)),
        labels: rowsW.map((r) => r.label),
      },
      split: false,
      weights: (x) => Float64Array.from(x),
      variables: (w) => Float64Array.from(w),
    };
  }
  const w0 = turnover.current;
  const N = 2 * n;
  const lo = new Float64Array(N);
  const hi = new Float64Array(N);
  for (let i = 0; i < n; i++) {
    const c = w0[i] as number;
    const l = lower[i] as number;
    const h = upper[i] as number;
    lo[i] = Math.max(0, l - c);
    hi[i] = Math.max(0, h - c);
    lo[i + n] = Math.max(0, c - h);
    hi[i + n] = Math.max(0, c - l);
  }
  const m = rowsW.length + (turnover.mode === "cap" ? 1 : 0);
  const rows = new Float64Array(m * N);
  const rhs = new Float64Array(m);
  rowsW.forEach((r, k) => {
    let aw0 = 0;
    for (let j = 0; j < n; j++) {
      const a = r.coefficients[j] as number;
      rows[k * N + j] = a;
      rows[k * N + j + n] = -a;
      aw0 += a * (w0[j] as number);
    }
    rhs[k] = r.rhs - aw0;
  });
  const labels = rowsW.map((r) => r.label);
  const equality = rowsW.map((r) => (r.equality ? 1 : 0));
  if (turnover.mode === "cap") {
    // −Σ(u + v) ≥ −T
    rows.fill(-1, (m - 1) * N, m * N);
    rhs[m - 1] = -turnover.maxTurnover;
    labels.push("turnover.maxTurnover");
    equality.push(0);
  }
  const partner = new Int32Array(N);
  for (let i = 0; i < n; i++) {
    partner[i] = i + n;
    partner[i + n] = i;
  }
  return {
    set: { n: N, m, lower: lo, upper: hi, rows, equality: Uint8Array.from(equality), rhs, labels },
    split: true,
    partner,
    weights: (x) => {
      const w = new Float64Array(n);
      for (let i = 0; i < n; i++)
        w[i] = (w0[i] as number) + (x[i] as number) - (x[i + n] as number);
      return w;
    },
    variables: (w) => {
      const x = new Float64Array(N);
      for (let i = 0; i < n; i++) {
        const delta = (w[i] as number) - (w0[i] as number);
        x[i] = Math.min(hi[i] as number, Math.max(lo[i] as number, Math.max(0, delta)));
        x[i + n] = Math.min(
          hi[i + n] as number,
          Math.max(lo[i + n] as number, Math.max(0, -delta)),
        );
      }
      return x;
    },
  };
}

/**
 * Compiles `minimise wᵀ(Σ + γI)w + penalty(w)` over {@link compileFeasibleSet} into
 * `½ xᵀDx − dᵀx` form: D = 2(Σ + γI) on the weights; on the split
 * `D = 2[[Q, −Q], [−Q, Q]]` (Q = Σ + γI) and `d = −(2Qw₀ + k, −2Qw₀ + k)` with k the per-asset unit
 * cost of the penalty (0 for a cap). `penalty` = false drops the penalty term (for a pure
 * variance frontier). `cov` is n × n row-major.
 *
 * @example
 * compilePortfolioQp(resolveConstraints(["A"]), Float64Array.of(0.04), []).qp.hessian
 * // Float64Array [0.08]
 */
export function compilePortfolioQp(
  resolved: ResolvedConstraints,
  cov: Float64Array,
  extraRows: readonly WeightRow[],
  penalty = true,
): CompiledPortfolioQp {
  const { n, l2Gamma, turnover } = resolved;
  const { set, ...maps } = compileFeasibleSet(resolved, extraRows);
  const q = (i: number, j: number): number => (cov[i * n + j] as number) + (i === j ? l2Gamma : 0);
  if (turnover === null) {
    const hessian = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) hessian[i * n + j] = 2 * q(i, j);
    return { ...maps, qp: { ...set, hessian, linear: new Float64Array(n) } };
  }
  const w0 = turnover.current;
  const N = 2 * n;
  const hessian = new Float64Array(N * N);
  const linear = new Float64Array(N);
  for (let i = 0; i < n; i++) {
    let qw = 0;
    for (let j = 0; j < n; j++) {
      const v = 2 * q(i, j);
      hessian[i * N + j] = v;
      hessian[(i + n) * N + j + n] = v;
      hessian[i * N + j + n] = -v;
      hessian[(i + n) * N + j] = -v;
      qw += q(i, j) * (w0[j] as number);
    }
    const k = penalty && turnover.mode === "penalty" ? (turnover.unitCost[i] as number) : 0;
    linear[i] = -(2 * qw + k);
    linear[i + n] = 2 * qw - k;
  }
  const qp: DenseQp =
    maps.partner === undefined
      ? { ...set, hessian, linear }
      : { ...set, hessian, linear, partner: maps.partner };
  return { ...maps, qp };
}

/**
 * Group bounds as weight rows: `Σ_G w ≥ min` and `−Σ_G w ≥ −max`. With `homogeneous`, the rows of
 * the max-Sharpe change of variables `y = κw`, `κ = Σy`: `Σ_G y − min·Σy ≥ 0` and
 * `max·Σy − Σ_G y ≥ 0`.
 */
export function groupRows(resolved: ResolvedConstraints, homogeneous: boolean): WeightRow[] {
  const { n } = resolved;
  const out: WeightRow[] = [];
  for (const g of resolved.groups) {
    if (g.min !== null) {
      const a = new Float64Array(n);
      if (homogeneous) a.fill(-g.min);
      for (const i of g.members) a[i] = (a[i] as number) + 1;
      out.push({
        coefficients: a,
        equality: false,
        rhs: homogeneous ? 0 : g.min,
        label: `groups.${g.name}.min`,
      });
    }
    if (g.max !== null) {
      const a = new Float64Array(n);
      if (homogeneous) a.fill(g.max);
      for (const i of g.members) a[i] = (a[i] as number) - 1;
      out.push({
        coefficients: a,
        equality: false,
        rhs: homogeneous ? 0 : -g.max,
        label: `groups.${g.name}.max`,
      });
    }
  }
  return out;
}
