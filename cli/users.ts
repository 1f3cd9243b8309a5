import { readFile } from "node:fs/promises";
import { z } from "zod";
import { isUnknownField, issueField, type ApprovalActor } from "../governance/index.js";
import type { Requester } from "../graph/index.js";
import { invalidInput } from "../tools/index.js";

/**
 * Who `--as USER` is on the command line. Without a users file (local use) every named user is a
 * human supervisor over every portfolio — the four-eyes rule still refuses the requester, because
 * the approval service compares ids. With STEWARD_USERS_FILE the file's roles and scopes apply and
 * an unknown user is refused.
 */

const UserIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\s,]+$/, "must be one word (no spaces or commas)");

export const UserSchema = z.strictObject({
  id: UserIdSchema,
  roles: z.array(z.string().trim().min(1).max(64)),
  portfolios: z.union([z.literal("*"), z.array(z.string().min(1).max(64))]),
});

export const UsersFileSchema = z
  .strictObject({ users: z.array(UserSchema).max(10_000) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.users.forEach((u, i) => {
      if (seen.has(u.id))
        ctx.addIssue({ code: "custom", path: ["users", i, "id"], message: `duplicate id ${u.id}` });
      seen.add(u.id);
    });
  });

export type User = z.infer<typeof UserSchema>;
export type UsersFile = z.infer<typeof UsersFileSchema>;

/** Where identities come from: the users file, or local use (null). */
export type Directory = UsersFile | null;

/**
 * Parses a users file's text; a ToolError (INVALID_INPUT) names the field at fault, e.g.
 * `usersFile.users[1].roles`.
 *
 * @example parseUsersFile('{"users":[{"id":"sam","roles":["supervisor"],"portfolios":"*"}]}', "u.json").users[0]?.id // "sam"
 */
export function parseUsersFile(text: string, file: string): UsersFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : "parse error";
    throw invalidInput("usersFile", `${file} is not valid JSON (${why})`);
  }
  const parsed = UsersFileSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw invalidInput(
    issueField(issue, "usersFile"),
    `${isUnknownField(issue) ? "unknown field" : (issue?.message ?? "invalid")} in ${file}`,
  );
}

/** Reads the configured users file (null when none is configured). */
export async function loadDirectory(usersFile: string | undefined): Promise<Directory> {
  if (usersFile === undefined) return null;
  let text: string;
  try {
    text = await readFile(usersFile, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw invalidInput("usersFile", `STEWARD_USERS_FILE ${usersFile} cannot be read (${code})`);
  }
  return parseUsersFile(text, usersFile);
}

function known(directory: UsersFile, id: string): User {
  const user = directory.users.find((u) => u.id === id);
  if (user === undefined)
    throw invalidInput("as", `unknown user "${id}": not in the users file (STEWARD_USERS_FILE)`);
  return user;
}

/**
 * The approving / rejecting actor for `--as USER`: local use gives a supervisor over every
 * portfolio; a users file gives the user's own roles and scopes (unknown user → INVALID_INPUT).
 *
 * @example approverFor(null, "sam") // { id: "sam", roles: ["supervisor"], portfolios: "*", kind: "human" }
 */
export function approverFor(directory: Directory, id: string): ApprovalActor {
  if (directory === null) return { id, roles: ["supervisor"], portfolios: "*", kind: "human" };
  const user = known(directory, id);
  return {
    id: user.id,
    roles: [...user.roles],
    portfolios: user.portfolios === "*" ? "*" : [...user.portfolios],
    kind: "human",
  };
}

/**
 * The requester of a briefing: any named user in local use; with a users file the user must be in
 * it (the approval rules then compare this id with the approver's).
 *
 * @example requesterFor(null, "pat") // { id: "pat", kind: "human" }
 */
export function requesterFor(directory: Directory, id: string): Requester {
  if (directory !== null) known(directory, id);
  return { id, kind: "human" };
}

/** The user a command acts as: `--as`, else the login name from the environment, else cli-user. */
export function userOf(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
) {
  const id = (flag ?? env.USER ?? env.USERNAME ?? "").trim();
  if (id === "") return "cli-user";
  const checked = UserIdSchema.safeParse(id);
  if (!checked.success)
    throw invalidInput("as", checked.error.issues[0]?.message ?? "invalid user");
  return checked.data;
}
