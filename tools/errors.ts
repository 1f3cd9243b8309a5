/**
 * Errors thrown by the quant tools. Every tool checks its preconditions first and throws one of
 * these, naming the input field at fault, before computing anything: a tool never returns NaN,
 * Infinity or a half-computed result.
 *
 * The codes form a closed union so that callers (the CLI, the HTTP layer) can map them to exit
 * codes and statuses in one place.
 */
export type ToolErrorCode = "INVALID_INPUT" | "INSUFFICIENT_DATA" | "INFEASIBLE" | "NUMERICAL";

export class ToolError extends Error {
  readonly code: ToolErrorCode;
  /** Path of the offending input, e.g. `prices.AAPL[3]` or `targetWeights`. */
  readonly field: string;
  /** What is wrong with it, without the field (`message` is `<field>: <detail>`). */
  readonly detail: string;

  constructor(code: ToolErrorCode, field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.name = "ToolError";
    this.code = code;
    this.field = field;
    this.detail = detail;
  }
}

/** Bad input: wrong shape, non-finite number, out-of-range value. */
export function invalidInput(field: string, message: string): ToolError {
  return new ToolError("INVALID_INPUT", field, message);
}

/** Too few observations (or zero variance) for the figure asked for. */
export function insufficientData(field: string, message: string): ToolError {
  return new ToolError("INSUFFICIENT_DATA", field, message);
}

/** A constraint set that no solution satisfies. */
export function infeasible(field: string, message: string): ToolError {
  return new ToolError("INFEASIBLE", field, message);
}

export function isToolError(error: unknown): error is ToolError {
  return error instanceof ToolError;
}
