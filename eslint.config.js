// Lint rules, including the one-way layer rule from the README:
// tools → market, governance, audit → agents → graph → server / cli.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Folders each layer must not import from (relative imports only; packages are fine). */
const forbidden = {
  tools: ["market", "governance", "audit", "agents", "graph", "server", "cli"],
  audit: ["tools", "market", "governance", "agents", "graph", "server", "cli"],
  market: ["governance", "audit", "agents", "graph", "server", "cli"],
  governance: ["market", "agents", "graph", "server", "cli"],
  agents: ["graph", "server", "cli"],
  graph: ["server", "cli"],
  server: ["cli"],
};

const layerRules = Object.entries(forbidden).map(([layer, banned]) => ({
  files: [`${layer}/**/*.ts`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: banned.map((folder) => ({
          group: [`**/${folder}/*`, `**/${folder}`],
          message: `${layer}/ may not import from ${folder}/ (layers point one way; see README "Architecture").`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ["node_modules/**", "var/**", "coverage/**", "cli/bin.js"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      parserOptions: { projectService: false },
      globals: { process: "readonly", console: "readonly" },
    },
    rules: {
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/ban-ts-comment": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "error",
    },
  },
  {
    files: ["cli/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts"],
    rules: { "no-console": "off" },
  },
  ...layerRules,
);
