import { readFileSync } from "node:fs";

/** Steward's version, from package.json, read once at start-up by the composition root. */
export function readVersion(
  packageJsonUrl: URL = new URL("../package.json", import.meta.url),
): string {
  const parsed: unknown = JSON.parse(readFileSync(packageJsonUrl, "utf8"));
  if (typeof parsed === "object" && parsed !== null && "version" in parsed) {
    const v = (parsed as { version: unknown }).version;
    if (typeof v === "string") return v;
  }
  return "0.0.0";
}
