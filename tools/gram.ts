import { invalidInput } from "./errors.js";

/**
 * The Gram matrix `G_ij = Σ_t y_i[t] · y_j[t]` of n rows of length T — the O(n²T) core of every
 * covariance estimator here (sample, EWMA, Ledoit–Wolf). Missing observations are written as 0 by
 * the caller, so a product with a missing value adds nothing and masking is free.
 *
 * Speed: the matrix is computed in 4 × 3 register blocks (each pass over t reads 7 values and
 * accumulates 12 products; 12 accumulators + 4 operands fill the 16 vector registers of x86-64). The primary kernel is a tiny WebAssembly module using 128-bit SIMD
 * (`f64x2`: two dates per instruction), assembled below from its opcodes — about 3× faster than
 * the same blocking in scalar JavaScript, which is the fallback where WebAssembly SIMD is not
 * available. Both kernels add the same products; only the summation order differs (the SIMD
 * kernel keeps separate sums of even and odd dates), so results agree to rounding (≈1e-15
 * relative).
 *
 * Each asset declares the index range `[start, end)` outside which its row is 0; rows are sorted
 * by start so that a block pair only loops over the dates where both blocks can be non-zero
 * (assets that list later cost proportionally less).
 */
export type GramKernel = "wasm-simd" | "js";

export interface GramInput {
  /** Number of rows (assets). */
  readonly n: number;
  /** Row length (dates). */
  readonly T: number;
  /** `start[k]`, `end[k]`: row k is 0 outside `[start[k], end[k])`; default the whole row. */
  readonly start?: Int32Array;
  readonly end?: Int32Array;
  /** Writes row k's T values at `out[offset … offset + T)` (0 where missing). */
  readonly writeRow: (k: number, out: Float64Array, offset: number) => void;
}

/**
 * Full symmetric Gram matrix, row-major `Float64Array` of n², in the caller's row order.
 * `kernel` forces an implementation (tests compare the two); by default the SIMD one when the
 * runtime supports it.
 *
 * @example gramMatrix({ n: 2, T: 3, writeRow: (k, out, o) => out.set(k === 0 ? [1, 2, 3] : [4, 5, 6], o) })
 *   // Float64Array [14, 32, 32, 77]   (1+4+9, 4+10+18, 16+25+36)
 */
export function gramMatrix(input: GramInput, kernel?: GramKernel): Float64Array {
  const { n, T } = input;
  if (!Number.isInteger(n) || n < 1) {
    throw invalidInput("n", `must be a positive integer, got ${n}`);
  }
  if (!Number.isInteger(T) || T < 0) {
    throw invalidInput("T", `must be a non-negative integer, got ${T}`);
  }
  const start = input.start ?? new Int32Array(n);
  const end = input.end ?? new Int32Array(n).fill(T);
  // Rows sorted by first non-zero index, padded with empty rows to a multiple of R and C.
  const order = Array.from({ length: n }, (_, k) => k).sort(
    (a, b) => (start[a] as number) - (start[b] as number) || a - b,
  );
  const padded = Math.ceil(n / (R * C)) * R * C;
  const stride = T + (T & 1); // even, so that SIMD steps of two dates never cross a row
  const bytes = padded * stride * 8 + R * C * 8;
  const use: GramKernel = kernel ?? (bytes <= MAX_WASM_BYTES && wasmKernel() ? "wasm-simd" : "js");

  let rows: Float64Array;
  let call: (a: number, b: number, lo: number, hi: number, out: Float64Array) => void;
  if (use === "wasm-simd") {
    const k = wasmKernel();
    const api = wasmApi();
    if (k === null || api === undefined) {
      throw invalidInput("kernel", "WebAssembly SIMD is not available here");
    }
    const memory = new api.Memory({ initial: Math.ceil(bytes / 65536) });
    const block = new api.Instance(k, { env: { mem: memory } }).exports.block as BlockFunction;
    rows = new Float64Array(memory.buffer, 0, padded * stride);
    const outOffset = padded * stride * 8;
    const result = new Float64Array(memory.buffer, outOffset, R * C);
    call = (a, b, lo, hi, out) => {
      block(a * stride * 8, b * stride * 8, stride * 8, lo * 8, hi * 8, outOffset);
      out.set(result);
    };
  } else {
    rows = new Float64Array(padded * stride);
    const data = rows;
    call = (a, b, lo, hi, out) => block4x3(data, a * stride, b * stride, stride, lo, hi, out);
  }

  const lo = new Int32Array(padded).fill(T);
  const hi = new Int32Array(padded);
  for (let r = 0; r < n; r++) {
    const k = order[r] as number;
    input.writeRow(k, rows, r * stride);
    lo[r] = start[k] as number;
    hi[r] = end[k] as number;
  }
  // Per block of rows: the smallest start and the largest end.
  const span = (size: number): { from: Int32Array; to: Int32Array } => {
    const count = padded / size;
    const from = new Int32Array(count).fill(T);
    const to = new Int32Array(count);
    for (let r = 0; r < padded; r++) {
      const b = Math.floor(r / size);
      from[b] = Math.min(from[b] as number, lo[r] as number);
      to[b] = Math.max(to[b] as number, hi[r] as number);
    }
    return { from, to };
  };
  const rowBlocks = span(R);
  const colBlocks = span(C);
  const sorted = new Float64Array(padded * padded);
  const out = new Float64Array(R * C);
  for (let bi = 0; bi < padded / R; bi++) {
    const i0 = R * bi;
    // Column blocks from the one holding row i0: every pair i ≤ j is computed once.
    for (let bj = Math.floor(i0 / C); bj < padded / C; bj++) {
      const j0 = C * bj;
      let from = Math.max(rowBlocks.from[bi] as number, colBlocks.from[bj] as number);
      let to = Math.min(rowBlocks.to[bi] as number, colBlocks.to[bj] as number);
      if (from >= to) continue;
      from -= from & 1;
      to += to & 1;
      call(i0, j0, from, to, out);
      for (let r = 0; r < R; r++) {
        for (let c = 0; c < C; c++) {
          const i = i0 + r;
          const j = j0 + c;
          if (i > j) continue;
          const v = out[C * r + c] as number;
          sorted[i * padded + j] = v;
          sorted[j * padded + i] = v;
        }
      }
    }
  }
  const g = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    const i = order[r] as number;
    for (let c = 0; c < n; c++) g[i * n + (order[c] as number)] = sorted[r * padded + c] as number;
  }
  return g;
}

/** Which kernel {@link gramMatrix} uses by default in this runtime. */
export function defaultGramKernel(): GramKernel {
  return wasmKernel() ? "wasm-simd" : "js";
}

const MAX_WASM_BYTES = 2 ** 31 - 65536;

/** Register block: R rows × C columns of the Gram matrix per pass over the dates. */
const R = 4;
const C = 3;

/** Scalar 4 × 3 block: `out[C·r + c] = Σ_{t∈[lo,hi)} y[a + r·stride + t] · y[b + c·stride + t]`. */
function block4x3(
  y: Float64Array,
  a: number,
  b: number,
  stride: number,
  lo: number,
  hi: number,
  out: Float64Array,
): void {
  const a0 = a;
  const a1 = a0 + stride;
  const a2 = a1 + stride;
  const a3 = a2 + stride;
  const b0 = b;
  const b1 = b0 + stride;
  const b2 = b1 + stride;
  let s00 = 0;
  let s01 = 0;
  let s02 = 0;
  let s10 = 0;
  let s11 = 0;
  let s12 = 0;
  let s20 = 0;
  let s21 = 0;
  let s22 = 0;
  let s30 = 0;
  let s31 = 0;
  let s32 = 0;
  for (let t = lo; t < hi; t++) {
    const y0 = y[b0 + t] as number;
    const y1 = y[b1 + t] as number;
    const y2 = y[b2 + t] as number;
    let x = y[a0 + t] as number;
    s00 += x * y0;
    s01 += x * y1;
    s02 += x * y2;
    x = y[a1 + t] as number;
    s10 += x * y0;
    s11 += x * y1;
    s12 += x * y2;
    x = y[a2 + t] as number;
    s20 += x * y0;
    s21 += x * y1;
    s22 += x * y2;
    x = y[a3 + t] as number;
    s30 += x * y0;
    s31 += x * y1;
    s32 += x * y2;
  }
  out.set([s00, s01, s02, s10, s11, s12, s20, s21, s22, s30, s31, s32]);
}

// ---- WebAssembly SIMD kernel -------------------------------------------------------------------
// Assembled from opcodes (WebAssembly core spec 2.0 binary format) so that no binary blob or build
// step is needed. One exported function, imported memory:
//   block(a, b, stride, lo, hi, out)   all byte offsets / lengths; r < R = 4, c < C = 3
//   for off in [lo, hi) step 16:  y_c = v128.load(b + c·stride + off), x_r = v128.load(a + r·stride + off),
//                                 s_rc += x_r · y_c   (f64x2: two dates at once)
//   out[C·r + c] = lane0(s_rc) + lane1(s_rc)
type BlockFunction = (
  a: number,
  b: number,
  stride: number,
  lo: number,
  hi: number,
  out: number,
) => void;

/** The part of the WebAssembly JS API used here (the project's type libraries do not declare it). */
interface WasmModule {
  readonly __brand?: "WebAssembly.Module";
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (
    module: WasmModule,
    imports: { env: { mem: WasmMemory } },
  ) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

let compiled: WasmModule | null | undefined;

function wasmKernel(): WasmModule | null {
  if (compiled === undefined) compiled = compileKernel();
  return compiled;
}

function compileKernel(): WasmModule | null {
  const api = wasmApi();
  if (api === undefined) return null;
  try {
    const bytes = assembleKernel();
    return api.validate(bytes) ? new api.Module(bytes) : null;
  } catch {
    return null;
  }
}

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(text: string): number[] {
  return [...uleb(text.length), ...Array.from(text, (ch) => ch.charCodeAt(0))];
}

function assembleKernel(): Uint8Array {
  const I32 = 0x7f;
  const V128 = 0x7b;
  const localGet = (i: number): number[] => [0x20, ...uleb(i)];
  const localSet = (i: number): number[] => [0x21, ...uleb(i)];
  const i32Const = (v: number): number[] => [0x41, ...uleb(v)]; // v < 64: sleb = uleb
  const simd = (op: number): number[] => [0xfd, ...uleb(op)];
  const I32_ADD = 0x6a;
  const I32_MUL = 0x6c;
  const V128_LOAD = 0x00;
  const F64X2_EXTRACT_LANE = 0x21;
  const F64X2_ADD = 0xf0;
  const F64X2_MUL = 0xf2;
  // Parameters 0–5, then locals: the loop offset, R + C row base addresses (i32), R·C
  // accumulators, C loaded y vectors and one loaded x vector (v128).
  const [A, B, STRIDE, LO, HI, OUT, OFF] = [0, 1, 2, 3, 4, 5, 6];
  const BASE_A = OFF + 1;
  const BASE_B = BASE_A + R;
  const S = BASE_B + C;
  const Y = S + R * C;
  const X = Y + C;
  const load = [...simd(V128_LOAD), 3, 0]; // memarg: align 2³ (8 bytes), offset 0
  const body: number[] = [...localGet(LO), ...localSet(OFF)];
  // base_k = a (or b) + k · stride, computed once outside the loop.
  for (let r = 0; r < R; r++) {
    body.push(...localGet(A), ...localGet(STRIDE), ...i32Const(r), I32_MUL, I32_ADD);
    body.push(...localSet(BASE_A + r));
  }
  for (let c = 0; c < C; c++) {
    body.push(...localGet(B), ...localGet(STRIDE), ...i32Const(c), I32_MUL, I32_ADD);
    body.push(...localSet(BASE_B + c));
  }
  body.push(0x02, 0x40); // block
  body.push(...localGet(OFF), ...localGet(HI), 0x4f, 0x0d, 0); // i32.ge_u; br_if 0 (empty range)
  body.push(0x03, 0x40); // loop
  for (let c = 0; c < C; c++) {
    body.push(...localGet(BASE_B + c), ...localGet(OFF), I32_ADD, ...load, ...localSet(Y + c));
  }
  for (let r = 0; r < R; r++) {
    body.push(...localGet(BASE_A + r), ...localGet(OFF), I32_ADD, ...load, ...localSet(X));
    for (let c = 0; c < C; c++) {
      const s = S + C * r + c;
      body.push(...localGet(s), ...localGet(X), ...localGet(Y + c), ...simd(F64X2_MUL));
      body.push(...simd(F64X2_ADD), ...localSet(s));
    }
  }
  body.push(...localGet(OFF), ...i32Const(16), I32_ADD, 0x22, ...uleb(OFF)); // off += 16 (tee)
  body.push(...localGet(HI), 0x49, 0x0d, 0); // i32.lt_u; br_if 0 (next iteration)
  body.push(0x0b, 0x0b); // end loop, end block
  for (let k = 0; k < R * C; k++) {
    body.push(...localGet(OUT));
    body.push(...localGet(S + k), ...simd(F64X2_EXTRACT_LANE), 0);
    body.push(...localGet(S + k), ...simd(F64X2_EXTRACT_LANE), 1);
    body.push(0xa0); // f64.add
    body.push(0x39, 3, ...uleb(8 * k)); // f64.store align 2³, offset 8k
  }
  body.push(0x0b); // end function
  const locals = vector([
    [1 + R + C, I32],
    [R * C + C + 1, V128],
  ]);
  const func = [...locals, ...body];
  const params = [I32, I32, I32, I32, I32, I32].map((t) => [t]);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vector([[0x60, ...vector(params), 0]])), // type: (i32 × 6) → ()
    ...section(2, vector([[...name("env"), ...name("mem"), 0x02, 0x00, 0x01]])), // memory, min 1
    ...section(3, vector([[0]])), // function 0 has type 0
    ...section(7, vector([[...name("block"), 0x00, 0]])), // export function 0
    ...section(10, vector([[...uleb(func.length), ...func]])),
  ]);
}
