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

describe("loadConfig (API authentication and limits)", () => {
  it("has the documented defaults", () => {
    const config = loadConfig({});
    expect(config.jwtSecret).toBeUndefined();
    expect(config.jwksUrl).toBeUndefined();
    expect(config.jwtIssuer).toBe("steward");
    expect(config.jwtAudience).toBe("steward-api");
    expect(config.rateLimitPerMinute).toBe(600);
    expect(config.bodyLimitBytes).toBe(1_048_576);
    expect(config.maxConcurrentRunsPerUser).toBe(4);
    expect(config.briefingWorkers).toBe("auto");
  });

  it("reads every variable, empty ones counting as unset", () => {
    const config = loadConfig({
      STEWARD_JWT_SECRET: "x".repeat(32),
      STEWARD_JWT_ISSUER: "https://idp.example",
      STEWARD_JWT_AUDIENCE: "steward-prod",
      STEWARD_RATE_LIMIT_PER_MINUTE: "120",
      STEWARD_BODY_LIMIT_BYTES: "1024",
      STEWARD_MAX_CONCURRENT_RUNS: "1",
      STEWARD_BRIEFING_WORKERS: "3",
      STEWARD_JWKS_URL: "",
    });
    expect(config.jwtSecret).toBe("x".repeat(32));
    expect(config.jwksUrl).toBeUndefined();
    expect(config.jwtIssuer).toBe("https://idp.example");
    expect(config.jwtAudience).toBe("steward-prod");
    expect(config.rateLimitPerMinute).toBe(120);
    expect(config.bodyLimitBytes).toBe(1024);
    expect(config.maxConcurrentRunsPerUser).toBe(1);
    expect(config.briefingWorkers).toBe(3);
    expect(loadConfig({ STEWARD_BRIEFING_WORKERS: "0" }).briefingWorkers).toBe(0);
    expect(loadConfig({ STEWARD_BRIEFING_WORKERS: "auto" }).briefingWorkers).toBe("auto");
    expect(loadConfig({ STEWARD_JWT_SECRET: "" }).jwtSecret).toBeUndefined();
    expect(loadConfig({ STEWARD_BODY_LIMIT_BYTES: "67108864" }).bodyLimitBytes).toBe(67_108_864);
  });

  it("refuses a JWT secret shorter than 32 characters, without echoing it", () => {
    const attempt = () => loadConfig({ STEWARD_JWT_SECRET: "hunter2-but-longer-0123456789ab" }); // 31
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/STEWARD_JWT_SECRET.*32 characters/);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).variable).toBe("STEWARD_JWT_SECRET");
      expect((error as Error).message).not.toContain("hunter2");
    }
  });

  it("accepts only an http(s) JWKS URL", () => {
    expect(
      loadConfig({ STEWARD_JWKS_URL: "https://idp.example/.well-known/jwks.json" }).jwksUrl,
    ).toBe("https://idp.example/.well-known/jwks.json");
    expect(loadConfig({ STEWARD_JWKS_URL: "http://127.0.0.1:8081/jwks" }).jwksUrl).toBe(
      "http://127.0.0.1:8081/jwks",
    );
    for (const bad of ["ftp://idp.example/jwks", "idp.example/jwks", "file:///etc/jwks.json"])
      expect(() => loadConfig({ STEWARD_JWKS_URL: bad })).toThrow(
        /STEWARD_JWKS_URL.*http\(s\) URL/,
      );
  });

  it("refuses a secret and a JWKS URL together", () => {
    expect(() =>
      loadConfig({ STEWARD_JWT_SECRET: "x".repeat(32), STEWARD_JWKS_URL: "https://idp.example/j" }),
    ).toThrow(/STEWARD_JWKS_URL.*not both/);
  });

  it.each([
    ["STEWARD_RATE_LIMIT_PER_MINUTE", "0"],
    ["STEWARD_RATE_LIMIT_PER_MINUTE", "1.5"],
    ["STEWARD_RATE_LIMIT_PER_MINUTE", "lots"],
    ["STEWARD_BODY_LIMIT_BYTES", "1023"],
    ["STEWARD_BODY_LIMIT_BYTES", "67108865"],
    ["STEWARD_MAX_CONCURRENT_RUNS", "0"],
    ["STEWARD_MAX_CONCURRENT_RUNS", "-2"],
    ["STEWARD_BRIEFING_WORKERS", "-1"],
    ["STEWARD_BRIEFING_WORKERS", "65"],
    ["STEWARD_BRIEFING_WORKERS", "1.5"],
    ["STEWARD_BRIEFING_WORKERS", "many"],
  ])("refuses %s=%s, naming it", (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(variable));
  });
});
