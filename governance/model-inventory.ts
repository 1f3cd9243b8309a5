import { readFileSync } from "node:fs";
import { z } from "zod";
import { invalidInput } from "../tools/index.js";
import { isUnknownField, issueField } from "./issue-field.js";
import { PolicyDateSchema } from "./policy.js";

/**
 * The model inventory (GOVERNANCE.md §4, SR 11-7): every quantitative model, rules engine and
 * simulation Steward runs, as versioned data in `governance/model-inventory.json` — purpose,
 * intended use, restrictions, owner, a validator who is not the developer, version, source
 * artifacts, inputs/outputs, limitations, compensating controls, last/next validation and whether
 * it is simulated. The blueprint adds the artifact hashes and the overdue flags at run time.
 */

const Line = z
  .string()
  .trim()
  .min(1)
  .max(400)
  .regex(/^[^\r\n]*$/, "must be one line");
const Lines = z.array(Line).min(1);

/** A source file of ours, relative to the project root (no `..`, no absolute paths). */
export const ArtifactPathSchema = z
  .string()
  .regex(
    /^(tools|market|governance|agents|graph|tests)\/[a-z0-9][a-z0-9./-]*\.(ts|json|csv)$/,
    "must be a project file path like tools/var.ts",
  )
  .refine((p) => !p.includes(".."), "must not contain ..");

export const ModelKindSchema = z.enum([
  "statistical-model",
  "optimiser",
  "risk-model",
  "simulation",
  "rules-engine",
  "data-model",
]);

export const ValidationRecordSchema = z.strictObject({
  date: PolicyDateSchema,
  by: Line,
  scope: Line,
});

export const ModelEntrySchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be a lowercase slug"),
    name: Line,
    kind: ModelKindSchema,
    purpose: Line,
    intendedUse: Line,
    restrictions: Lines,
    owner: Line,
    developer: Line,
    validator: Line,
    version: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a semver x.y.z"),
    artifacts: z.array(ArtifactPathSchema).min(1),
    /** Agents (or `governance`) that run it. */
    usedBy: z.array(z.string().min(1)).min(1),
    inputs: Lines,
    outputs: Lines,
    limitations: Lines,
    compensatingControls: Lines,
    /** Tests and reports that back it (project paths). */
    evidence: z.array(ArtifactPathSchema),
    /** The last independent validation; null when there has been none. */
    lastValidation: ValidationRecordSchema.nullable(),
    nextValidation: PolicyDateSchema,
    /** True for anything that produces simulated or hypothetical numbers or data. */
    simulated: z.boolean(),
  })
  .refine((m) => m.validator.toLowerCase() !== m.developer.toLowerCase(), {
    path: ["validator"],
    message: "the validator must not be the developer",
  })
  .refine((m) => m.lastValidation === null || m.lastValidation.date <= m.nextValidation, {
    path: ["nextValidation"],
    message: "must not be before the last validation",
  });

export const ModelInventorySchema = z
  .strictObject({
    version: PolicyDateSchema,
    owner: Line,
    note: z.string().trim().min(1).max(2000),
    models: z.array(ModelEntrySchema).min(1),
  })
  .superRefine((inv, ctx) => {
    const seen = new Set<string>();
    inv.models.forEach((m, i) => {
      if (seen.has(m.id))
        ctx.addIssue({
          code: "custom",
          path: ["models", i, "id"],
          message: `duplicate id ${m.id}`,
        });
      seen.add(m.id);
    });
  });

export type ModelEntry = z.infer<typeof ModelEntrySchema>;
export type ModelInventory = z.infer<typeof ModelInventorySchema>;

/**
 * Validates a model inventory document. Throws a ToolError (INVALID_INPUT) naming the path,
 * e.g. `inventory.models[2].validator` when the validator is the developer.
 *
 * @example parseModelInventory({ ...inv, models: [] }) // throws, field "inventory.models"
 */
export function parseModelInventory(json: unknown): ModelInventory {
  const parsed = ModelInventorySchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw invalidInput(
    issueField(issue, "inventory"),
    isUnknownField(issue) ? "unknown field" : (issue?.message ?? "invalid inventory"),
  );
}

/**
 * Reads and validates the bundled `governance/model-inventory.json` (nothing is read at import).
 *
 * @example loadModelInventory().models.some((m) => m.id === "monte-carlo") // true
 */
export function loadModelInventory(): ModelInventory {
  const text = readFileSync(new URL("./model-inventory.json", import.meta.url), "utf8");
  return parseModelInventory(JSON.parse(text) as unknown);
}

/**
 * A model's validation is overdue when its next validation date is strictly before `today`
 * (a date or ISO timestamp; its date part is used). Due on the day itself is not overdue.
 *
 * @example validationOverdue({ nextValidation: "2027-05-31" }, "2027-06-01") // true
 */
export function validationOverdue(
  model: Pick<ModelEntry, "nextValidation">,
  today: string,
): boolean {
  const day = today.slice(0, 10);
  if (!PolicyDateSchema.safeParse(day).success)
    throw invalidInput("today", "must start with a date YYYY-MM-DD");
  return model.nextValidation < day;
}
