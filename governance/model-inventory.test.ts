import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isToolError } from "../tools/index.js";
import {
  loadModelInventory,
  parseModelInventory,
  validationOverdue,
  type ModelInventory,
} from "./model-inventory.js";

const root = new URL("../", import.meta.url);
const bundled = (): ModelInventory =>
  JSON.parse(
    readFileSync(new URL("./model-inventory.json", import.meta.url), "utf8"),
  ) as ModelInventory;

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (isToolError(error)) return error.field;
    throw error;
  }
  return undefined;
}

describe("the model inventory", () => {
  it("loads the bundled inventory, whose artifacts and evidence all exist in the project", () => {
    const inventory = loadModelInventory();
    expect(inventory.models.length).toBeGreaterThanOrEqual(10);
    for (const m of inventory.models) {
      for (const p of [...m.artifacts, ...m.evidence])
        expect(existsSync(new URL(p, root)), `${m.id}: ${p}`).toBe(true);
    }
  });

  it("labels the simulated market, the Monte Carlo and the scenarios as simulated", () => {
    const simulated = loadModelInventory()
      .models.filter((m) => m.simulated)
      .map((m) => m.id);
    expect(simulated).toEqual(["monte-carlo", "stress-scenarios", "simulated-market"]);
  });

  it("refuses an entry whose validator is its developer", () => {
    const inv = bundled();
    const first = inv.models[0];
    if (first === undefined) throw new Error("empty inventory");
    const bad = { ...inv, models: [{ ...first, validator: first.developer.toUpperCase() }] };
    expect(fieldOf(() => parseModelInventory(bad))).toBe("inventory.models[0].validator");
  });

  it("refuses duplicate ids, unknown fields and paths outside the project", () => {
    const inv = bundled();
    const first = inv.models[0];
    if (first === undefined) throw new Error("empty inventory");
    expect(fieldOf(() => parseModelInventory({ ...inv, models: [first, first] }))).toBe(
      "inventory.models[1].id",
    );
    expect(fieldOf(() => parseModelInventory({ ...inv, models: [{ ...first, ownr: "x" }] }))).toBe(
      "inventory.models[0].ownr",
    );
    expect(
      fieldOf(() =>
        parseModelInventory({ ...inv, models: [{ ...first, artifacts: ["../etc/passwd.ts"] }] }),
      ),
    ).toBe("inventory.models[0].artifacts[0]");
    expect(
      fieldOf(() =>
        parseModelInventory({ ...inv, models: [{ ...first, nextValidation: "2027-02-30" }] }),
      ),
    ).toBe("inventory.models[0].nextValidation");
  });

  it("flags a validation as overdue only after its due date", () => {
    const model = { nextValidation: "2027-05-31" };
    expect(validationOverdue(model, "2027-05-30")).toBe(false);
    expect(validationOverdue(model, "2027-05-31")).toBe(false); // due today is not overdue
    expect(validationOverdue(model, "2027-06-01T00:00:00.000Z")).toBe(true);
    expect(fieldOf(() => validationOverdue(model, "soon"))).toBe("today");
  });
});
