/**
 * A daily model padded to an even number of rows m, plus one block of normals: the input of the
 * pair kernels below. `factor` is row-major m × m and lower triangular; `eps[k·len + t]` is the
 * normal of row k on day t (asset-major). Rows are always taken in pairs (i, i + 1), i even.
 * The kernels trust their arguments (no checks in the hot loop): `simulateBuyAndHoldPaths` and
 * `sampleLogReturns` build them from a validated model.
 */
export interface PairModel {
  readonly m: number;
  readonly drift: Float64Array;
  readonly factor: Float64Array;
  readonly eps: Float64Array;
}

/**
 * Rows i and i + 1 of `F ε_t` for days t < len: `zA[t] = Σ_{k≤i} F_ik ε_k[t]`,
 * `zB[t] = Σ_{k≤i+1} F_{i+1,k} ε_k[t]`. Two rows by four days per sweep of k: eight accumulators
 * in registers and six loads per eight multiply-adds (V8 keeps every bounds check, so loads are
 * what costs).
 *
 * @example
 * // F = [[1, 0], [0.5, 2]], ε = (0.1, 0.2) on one day: zA = 0.1, zB = 0.5·0.1 + 2·0.2 = 0.45.
 * correlatePair(zA, zB, { m: 2, drift: new Float64Array(2), factor: Float64Array.of(1, 0, 0.5, 2),
 *   eps: Float64Array.of(0.1, 0.2) }, 0, 1) // zA = [0.1], zB = [0.45]
 */
export function correlatePair(
  zA: Float64Array,
  zB: Float64Array,
  model: PairModel,
  i: number,
  len: number,
): void {
  const { m, factor, eps } = model;
  const rowA = i * m;
  const rowB = rowA + m;
  const last = factor[rowB + i + 1] as number;
  let t = 0;
  for (; t + 4 <= len; t += 4) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    let o = t;
    for (let k = 0; k <= i; k++, o += len) {
      const ca = factor[rowA + k] as number;
      const cb = factor[rowB + k] as number;
      const e0 = eps[o] as number;
      const e1 = eps[o + 1] as number;
      const e2 = eps[o + 2] as number;
      const e3 = eps[o + 3] as number;
      a0 += ca * e0;
      a1 += ca * e1;
      a2 += ca * e2;
      a3 += ca * e3;
      b0 += cb * e0;
      b1 += cb * e1;
      b2 += cb * e2;
      b3 += cb * e3;
    }
    zA[t] = a0;
    zA[t + 1] = a1;
    zA[t + 2] = a2;
    zA[t + 3] = a3;
    zB[t] = b0 + last * (eps[o] as number);
    zB[t + 1] = b1 + last * (eps[o + 1] as number);
    zB[t + 2] = b2 + last * (eps[o + 2] as number);
    zB[t + 3] = b3 + last * (eps[o + 3] as number);
  }
  for (; t < len; t++) {
    let a = 0;
    let b = 0;
    let o = t;
    for (let k = 0; k <= i; k++, o += len) {
      const e = eps[o] as number;
      a += (factor[rowA + k] as number) * e;
      b += (factor[rowB + k] as number) * e;
    }
    zA[t] = a;
    zB[t] = b + last * (eps[o] as number);
  }
}

/**
 * {@link correlatePair} fused with the growth of both rows' holdings — each day
 * `h_r ← h_r · exp(drift_r + z_r[t])` for r = i, i + 1, then `values[t] += h_i + h_{i+1}` — so
 * that z never leaves registers. The hot loop of plain (non-antithetic) paths.
 *
 * @example
 * // As in correlatePair, drift 0, holdings (1, 1): values[0] = e^0.1 + e^0.45.
 * growPair(values, Float64Array.of(1, 1), { m: 2, drift: new Float64Array(2),
 *   factor: Float64Array.of(1, 0, 0.5, 2), eps: Float64Array.of(0.1, 0.2) }, 0, 1)
 * // values = [2.6734831035658164], hold = [e^0.1, e^0.45]
 */
export function growPair(
  values: Float64Array,
  hold: Float64Array,
  model: PairModel,
  i: number,
  len: number,
): void {
  const { m, factor, eps } = model;
  const dA = model.drift[i] as number;
  const dB = model.drift[i + 1] as number;
  let hA = hold[i] as number;
  let hB = hold[i + 1] as number;
  const rowA = i * m;
  const rowB = rowA + m;
  const last = factor[rowB + i + 1] as number;
  let t = 0;
  for (; t + 4 <= len; t += 4) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    let o = t;
    for (let k = 0; k <= i; k++, o += len) {
      const ca = factor[rowA + k] as number;
      const cb = factor[rowB + k] as number;
      const e0 = eps[o] as number;
      const e1 = eps[o + 1] as number;
      const e2 = eps[o + 2] as number;
      const e3 = eps[o + 3] as number;
      a0 += ca * e0;
      a1 += ca * e1;
      a2 += ca * e2;
      a3 += ca * e3;
      b0 += cb * e0;
      b1 += cb * e1;
      b2 += cb * e2;
      b3 += cb * e3;
    }
    b0 += last * (eps[o] as number);
    b1 += last * (eps[o + 1] as number);
    b2 += last * (eps[o + 2] as number);
    b3 += last * (eps[o + 3] as number);
    hA *= Math.exp(dA + a0);
    hB *= Math.exp(dB + b0);
    values[t] = (values[t] as number) + (hA + hB);
    hA *= Math.exp(dA + a1);
    hB *= Math.exp(dB + b1);
    values[t + 1] = (values[t + 1] as number) + (hA + hB);
    hA *= Math.exp(dA + a2);
    hB *= Math.exp(dB + b2);
    values[t + 2] = (values[t + 2] as number) + (hA + hB);
    hA *= Math.exp(dA + a3);
    hB *= Math.exp(dB + b3);
    values[t + 3] = (values[t + 3] as number) + (hA + hB);
  }
  for (; t < len; t++) {
    let a = 0;
    let b = 0;
    let o = t;
    for (let k = 0; k <= i; k++, o += len) {
      const e = eps[o] as number;
      a += (factor[rowA + k] as number) * e;
      b += (factor[rowB + k] as number) * e;
    }
    b += last * (eps[o] as number);
    hA *= Math.exp(dA + a);
    hB *= Math.exp(dB + b);
    values[t] = (values[t] as number) + (hA + hB);
  }
  hold[i] = hA;
  hold[i + 1] = hB;
}

/**
 * One holding over len days from precomputed shocks: `h ← h · exp(d + sign · z[t])`,
 * `values[t] += h`; `sign = −1` gives the antithetic path.
 *
 * @example
 * // h = 2, d = 0.01, z = (0.02, −0.01), sign −1: 2e^(0.01 − 0.02) = 2e^−0.01, then · e^0.02.
 * growRow(values, Float64Array.of(2), 0, 0.01, Float64Array.of(0.02, -0.01), -1, 2)
 * // values = [1.9800996674983362, 2.0201003341683363]
 */
export function growRow(
  values: Float64Array,
  hold: Float64Array,
  i: number,
  d: number,
  z: Float64Array,
  sign: number,
  len: number,
): void {
  let h = hold[i] as number;
  for (let t = 0; t < len; t++) {
    h *= Math.exp(d + sign * (z[t] as number));
    values[t] = (values[t] as number) + h;
  }
  hold[i] = h;
}
