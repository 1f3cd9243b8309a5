import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isUnknownField, issueField } from "./issue-field.js";

const Schema = z.strictObject({
  assets: z.array(z.strictObject({ price: z.number().positive() })),
});
const firstIssue = (value: unknown) => Schema.safeParse(value).error?.issues[0];

describe("issueField", () => {
  it("renders a nested path with indices, under a root or alone", () => {
    const issue = firstIssue({ assets: [{ price: 1 }, { price: -1 }] });
    expect(issueField(issue)).toBe("assets[1].price");
    expect(issueField(issue, "body")).toBe("body.assets[1].price");
    expect(isUnknownField(issue)).toBe(false);
  });

  it("names an unknown field itself", () => {
    const issue = firstIssue({ assets: [{ price: 1, status: "x" }] });
    expect(isUnknownField(issue)).toBe(true);
    expect(issueField(issue)).toBe("assets[0].status");
    expect(issueField(firstIssue({ assets: [], approvedBy: "me" }), "portfolio")).toBe(
      "portfolio.approvedBy",
    );
  });

  it("falls back to the root, or body, for the whole document", () => {
    const issue = firstIssue("not an object");
    expect(issueField(issue)).toBe("body");
    expect(issueField(issue, "policy")).toBe("policy");
    expect(issueField(undefined, "policy")).toBe("policy");
  });
});
