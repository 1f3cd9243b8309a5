/** What a command may touch: injected so that commands run in-process in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** A problem with the command line itself: exit code 2, one line on stderr. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Exit codes: 0 success, 1 the command ran and failed (bad data, unmet check), 2 usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A command returns its exit code; it writes only through `io`. */
export type Command = (args: readonly string[], io: CliIo) => Promise<number>;
