import { ZodError } from "zod";
import {
  isRunServiceError,
  RunServiceError,
  type RunServiceErrorCode,
  type RunStatus,
} from "../graph/index.js";
import { MarketDataError, type MarketErrorCode } from "../market/index.js";
import { isToolError, ToolError, type ToolErrorCode } from "../tools/index.js";

/**
 * How a briefing's failure crosses from a briefing worker to the server thread: the typed errors
 * the API translates (tool, run service, market data, zod) keep their class, code and field, so a
 * briefing run in a worker answers exactly as one run in the server's thread. Anything else
 * arrives as a plain Error (an internal error, 500).
 */
export type WireError =
  | {
      readonly kind: "tool";
      readonly code: ToolErrorCode;
      readonly field: string;
      readonly message: string;
    }
  | {
      readonly kind: "run";
      readonly code: RunServiceErrorCode;
      readonly message: string;
      readonly runId: string;
      readonly status: RunStatus | null;
    }
  | {
      readonly kind: "market";
      readonly code: MarketErrorCode;
      readonly message: string;
      readonly field: string | undefined;
    }
  | { readonly kind: "zod"; readonly issues: ZodError["issues"] }
  | { readonly kind: "error"; readonly name: string; readonly message: string };

export function toWire(error: unknown): WireError {
  if (isToolError(error)) {
    return { kind: "tool", code: error.code, field: error.field, message: error.detail };
  }
  if (isRunServiceError(error)) {
    return {
      kind: "run",
      code: error.code,
      message: error.message,
      runId: error.runId,
      status: error.status,
    };
  }
  if (error instanceof MarketDataError) {
    return { kind: "market", code: error.code, message: error.message, field: error.field };
  }
  if (error instanceof ZodError) return { kind: "zod", issues: error.issues };
  if (error instanceof Error) return { kind: "error", name: error.name, message: error.message };
  return { kind: "error", name: "Error", message: String(error) };
}

export function fromWire(wire: WireError): Error {
  switch (wire.kind) {
    case "tool":
      return new ToolError(wire.code, wire.field, wire.message);
    case "run":
      return new RunServiceError(wire.code, wire.message, wire.runId, wire.status);
    case "market":
      return new MarketDataError(wire.code, wire.message, wire.field);
    case "zod":
      return new ZodError(wire.issues);
    case "error": {
      const error = new Error(wire.message);
      error.name = wire.name;
      return error;
    }
  }
}
