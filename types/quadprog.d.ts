// Types for the untyped `quadprog` package (a JavaScript port of R's quadprog: Goldfarb–Idnani
// dual active-set method). Arrays are 1-based as in the Fortran original: index 0 is unused.
declare module "quadprog" {
  export interface QuadprogResult {
    /** 1-based solution vector (only present when `message` is empty). */
    readonly solution: number[];
    /** 1-based Lagrange multipliers, one per constraint column. */
    readonly Lagrangian: number[];
    /** `value[1]` = ½ xᵀDx − dᵀx at the solution. */
    readonly value: number[];
    readonly unconstrained_solution: number[];
    /** `iterations[1]`: iterations; `iterations[2]`: constraints dropped. */
    readonly iterations: number[];
    /** 1-based indices of the active constraints (0 = unused slot). */
    readonly iact: number[];
    /** Empty on success, otherwise the reason ("constraints are inconsistent, no solution!"). */
    readonly message: string;
  }

  /**
   * Minimises ½ bᵀDb − dᵀb subject to Aᵀb ≥ b0, the first `meq` constraints as equalities.
   * `Dmat[i][j]`, `Amat[i][j]` (variable i, constraint j), `dvec[i]`, `bvec[j]` are all 1-based.
   * Dmat and dvec are overwritten (factorised in place).
   */
  export function solveQP(
    Dmat: number[][],
    dvec: number[],
    Amat: number[][],
    bvec: number[],
    meq?: number,
    factorized?: number[],
  ): QuadprogResult;
}
