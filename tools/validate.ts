import { insufficientData, invalidInput } from "./errors.js";

/**
 * Precondition helpers shared by the tools. Each throws a {@link ToolError} naming the field.
 */

/** Every element is a finite number (no NaN, no ±Infinity). */
export function assertFiniteArray(field: string, values: readonly number[]): void {
  if (!Array.isArray(values)) throw invalidInput(field, "must be an array of numbers");
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw invalidInput(`${field}[${i}]`, `must be a finite number, got ${String(v)}`);
    }
  }
}

/** Finite numbers and at least `min` of them. */
export function assertSeries(field: string, values: readonly number[], min: number): void {
  assertFiniteArray(field, values);
  if (values.length < min) {
    throw insufficientData(
      field,
      `requires at least ${min} observation${min === 1 ? "" : "s"}, got ${values.length}`,
    );
  }
}

export function assertFiniteNumber(field: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw invalidInput(field, `must be a finite number, got ${String(value)}`);
  }
}

/** A confidence level strictly between 0 and 1, e.g. 0.95. */
export function assertConfidence(field: string, value: number): void {
  assertFiniteNumber(field, value);
  if (!(value > 0 && value < 1)) {
    throw invalidInput(field, `must be strictly between 0 and 1, got ${value}`);
  }
}

export function assertPositiveInteger(field: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw invalidInput(field, `must be a positive integer, got ${String(value)}`);
  }
}

export function assertSameLength(
  fieldA: string,
  a: readonly unknown[],
  fieldB: string,
  b: readonly unknown[],
): void {
  if (a.length !== b.length) {
    throw invalidInput(
      fieldB,
      `must have the same length as ${fieldA} (${a.length}), got ${b.length}`,
    );
  }
}

/** A square matrix of finite numbers with `n` rows. */
export function assertSquareMatrix(
  field: string,
  m: readonly (readonly number[])[],
  n?: number,
): void {
  if (!Array.isArray(m)) throw invalidInput(field, "must be a matrix (array of rows)");
  const size = n ?? m.length;
  if (m.length !== size) throw invalidInput(field, `must have ${size} rows, got ${m.length}`);
  for (let i = 0; i < size; i++) {
    const row = m[i];
    if (!Array.isArray(row) || row.length !== size) {
      throw invalidInput(`${field}[${i}]`, `must have ${size} columns`);
    }
    assertFiniteArray(`${field}[${i}]`, row);
  }
}
