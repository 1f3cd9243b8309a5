import type { z } from "zod";

/**
 * The field a zod issue is about, as one path string: `root.a.b[2].c` (or `a.b[2].c` without a
 * root). An unknown-field issue names the unknown field itself. An issue about the whole document is
 * the root, or `body` without one. The one rendering every validator of a document (policy, model
 * inventory, portfolio, users file, API bodies) reports its errors with.
 *
 * @example issueField({ code: "unrecognized_keys", keys: ["status"], path: ["assets", 0], message: "" }, "body") // "body.assets[0].status"
 */
export function issueField(issue: z.core.$ZodIssue | undefined, root = ""): string {
  const path: PropertyKey[] = [...(issue?.path ?? [])];
  if (issue?.code === "unrecognized_keys" && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  let out = root;
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out === "" ? "body" : out;
}

/** True when the issue is about a field the schema does not know (a strict object). */
export function isUnknownField(issue: z.core.$ZodIssue | undefined): boolean {
  return issue?.code === "unrecognized_keys";
}
