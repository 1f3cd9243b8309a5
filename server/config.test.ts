import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("defaults to port 8080 and ./var under the working directory", () => {
    const config = loadConfig({}, "/srv/steward");
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe(path.resolve("/srv/steward", "var"));
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads PORT and STEWARD_DATA_DIR from the environment", () => {
    const config = loadConfig({ PORT: "9090", STEWARD_DATA_DIR: "/tmp/x" }, "/srv");
    expect(config.port).toBe(9090);
    expect(config.dataDir).toBe("/tmp/x");
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ PORT: "" }).port).toBe(8080);
  });

  it("names the variable at fault", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: "70000" })).toThrow(/PORT/);
    expect(() => loadConfig({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
  });
});

describe("loadConfig (stores)", () => {
  it("puts checkpoints under the data directory unless told otherwise", () => {
    const config = loadConfig({ STEWARD_DATA_DIR: "/data" }, "/srv");
    expect(config.checkpointDir).toBe("/data/checkpoints");
    expect(config.databaseUrl).toBeUndefined();
    expect(config.marketData).toBe("sample");
  });

  it("accepts a PostgreSQL URL and refuses anything else", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://u@h:5432/db" }).databaseUrl).toBe(
      "postgres://u@h:5432/db",
    );
    expect(() => loadConfig({ DATABASE_URL: "mysql://u@h/db" })).toThrow(/DATABASE_URL/);
  });

  it("refuses an unknown market-data provider", () => {
    expect(() => loadConfig({ STEWARD_MARKET_DATA: "bloomberg" })).toThrow(/STEWARD_MARKET_DATA/);
    expect(loadConfig({ STEWARD_MARKET_DATA: "csv:/prices" }).marketData).toBe("csv:/prices");
  });
});
