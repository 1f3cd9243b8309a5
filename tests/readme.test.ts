import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runGraphMermaid } from "../graph/index.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("shows the agent graph exactly as the compiled graph draws it", () => {
    const block = /```mermaid\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(block).toBe(runGraphMermaid().replace(/\n+$/, ""));
  });

  it("gives the two quick-start commands for a fresh machine", () => {
    expect(readme).toMatch(/npm install && npm start/);
    expect(readme).toMatch(/\nnpm test\s/);
  });
});
