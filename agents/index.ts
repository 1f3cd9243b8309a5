// The public face of agents/: one namespace per agent (NAME, VERSION, its input/output schemas,
// its run function and its LangChain tools), the shared schemas, and a registry the blueprint and
// the briefing metadata read. Other layers import agents only through this file.
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { z } from "zod";
import * as dataAgent from "./data-agent.js";
import * as executionAgent from "./execution-agent.js";
import * as forecastAgent from "./forecast-agent.js";
import * as narrative from "./narrative.js";
import * as optimizerAgent from "./optimizer-agent.js";
import * as riskAgent from "./risk-agent.js";
import * as supervisorAgent from "./supervisor-agent.js";

export {
  dataAgent,
  executionAgent,
  forecastAgent,
  narrative,
  optimizerAgent,
  riskAgent,
  supervisorAgent,
};
export * from "./schemas.js";
export * from "./analysis-memo.js";

/** One agent as the blueprint lists it. */
export interface AgentEntry {
  readonly name: string;
  readonly version: string;
  readonly input: z.ZodType;
  readonly output: z.ZodType;
  readonly tools: readonly StructuredToolInterface[];
}

/** The six agents in graph order (the narrative renderer is not an agent: it has no tools). */
export const AGENTS: readonly AgentEntry[] = [
  {
    name: supervisorAgent.NAME,
    version: supervisorAgent.VERSION,
    input: supervisorAgent.SupervisorInputSchema,
    output: supervisorAgent.SupervisorOutputSchema,
    tools: supervisorAgent.supervisorTools,
  },
  {
    name: dataAgent.NAME,
    version: dataAgent.VERSION,
    input: dataAgent.DataInputSchema,
    output: dataAgent.DataOutputSchema,
    tools: dataAgent.dataTools,
  },
  {
    name: forecastAgent.NAME,
    version: forecastAgent.VERSION,
    input: forecastAgent.ForecastInputSchema,
    output: forecastAgent.ForecastOutputSchema,
    tools: forecastAgent.forecastTools,
  },
  {
    name: riskAgent.NAME,
    version: riskAgent.VERSION,
    input: riskAgent.RiskInputSchema,
    output: riskAgent.RiskOutputSchema,
    tools: riskAgent.riskTools,
  },
  {
    name: optimizerAgent.NAME,
    version: optimizerAgent.VERSION,
    input: optimizerAgent.OptimizerInputSchema,
    output: optimizerAgent.OptimizerOutputSchema,
    tools: optimizerAgent.optimizerTools,
  },
  {
    name: executionAgent.NAME,
    version: executionAgent.VERSION,
    input: executionAgent.ExecutionInputSchema,
    output: executionAgent.ExecutionOutputSchema,
    tools: executionAgent.executionTools,
  },
];

/**
 * Every agent's version (and the narrative renderer's), keyed by name, sorted: what a briefing's
 * metadata records.
 *
 * @example agentVersions().supervisor // "1.0.0"
 */
export function agentVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = [
    ...AGENTS.map((a) => [a.name, a.version] as const),
    [narrative.NAME, narrative.VERSION] as const,
  ];
  for (const [name, version] of entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    out[name] = version;
  }
  return out;
}
