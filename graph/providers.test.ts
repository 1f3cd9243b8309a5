import { describe, expect, it } from "vitest";
import { providerFactory } from "./providers.js";

describe("provider factory", () => {
  it("builds one provider per distinct data spec and reuses it", async () => {
    const providerFor = providerFactory({ cwd: "." });
    const a = await providerFor({ kind: "sample" });
    const b = await providerFor({ kind: "sample" });
    expect(a).toBe(b);
    expect(a.name).toBe("sample");
    const sim = await providerFor({ kind: "simulated", seed: 3 });
    expect(sim.name).toBe("simulated");
    expect(sim).not.toBe(await providerFor({ kind: "simulated", seed: 4 }));
  });

  it("does not keep a provider that failed to build", async () => {
    const providerFor = providerFactory({ cwd: "." });
    // yahoo needs a clock: refused, and refused again rather than served from a cache
    await expect(providerFor({ kind: "yahoo" })).rejects.toThrow("clock");
    await expect(providerFor({ kind: "yahoo" })).rejects.toThrow("clock");
  });
});
