// @ts-check
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

// The architecture, as the linter enforces it. Each line is a layer; a module may import only from
// the layers below its own, never from its own layer's other members nor from above (so peers such
// as relay/ and feed/ stay independent). See ARCHITECTURE.md.
const LAYERS = [
  ["main.ts"], // process entry: argv, signals, exit codes
  ["cli.ts"], // --help, --version, --check-config
  ["app.ts", "dead-letters-cli.ts", "demo.ts", "preflight.ts"], // composition roots
  ["http"], // express routes, error mapping
  ["relay", "feed", "web"], // relay intake/outbox/sender; feed drain; TLS + auth
  ["metrics"], // prom-client metrics, scrape-time read interfaces
  ["dynatrace"], // the API client: pages, push, errors, backoff
  ["log"], // pino, with secrets redacted
  ["config", "version.ts"], // settings and their validation; the version string
];

// The simulated Dynatrace is an independent implementation of the API: it imports nothing from the
// exporter, and only the demo wiring imports it.
const SIMULATOR_USERS = ["demo.ts"];

// Packages a layer must not reach for: the API client stays free of express and prom-client, and
// nothing under the HTTP layer touches express (web/ is the HTTP server's own guards).
const BANNED_PACKAGES = {
  dynatrace: ["express", "prom-client"],
  relay: ["express"],
  feed: ["express"],
  metrics: ["express"],
  config: ["express", "prom-client"],
  log: ["express", "prom-client"],
};

/** A module's name as imported from `from` (a folder, or "" for src/ itself). */
function specifierOf(from, target) {
  const prefix = from === "" ? "./" : "../";
  return target.endsWith(".ts") ? `${prefix}${target.replace(/\.ts$/, ".js")}` : `${prefix}${target}/*`;
}

/** The `files` block of one module or folder: every module at or above its layer is forbidden. */
function layerRule(module, level) {
  const folder = module.endsWith(".ts") ? "" : module;
  const forbidden = LAYERS.slice(0, level + 1)
    .flat()
    .filter((m) => m !== module);
  if (!SIMULATOR_USERS.includes(module)) forbidden.push("simulator");
  const allowed = LAYERS.slice(level + 1).flat();
  const patterns = [
    {
      group: forbidden.map((m) => specifierOf(folder, m)),
      message: `${module} may import only ${allowed.join(", ")} (see ARCHITECTURE.md).`,
    },
  ];
  const packages = BANNED_PACKAGES[module];
  if (packages)
    patterns.push({ group: packages, message: `${module} must not depend on ${packages.join(" or ")}.` });
  return {
    files: [folder === "" ? `src/${module}` : `src/${folder}/**/*.ts`],
    rules: { "no-restricted-imports": ["error", { patterns }] },
  };
}

const EXPORTER = LAYERS.flat().map((m) => specifierOf("simulator", m));

const boundaries = [
  ...LAYERS.flatMap((layer, level) => layer.map((m) => layerRule(m, level))),
  {
    files: ["src/simulator/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: EXPORTER, message: "the simulator imports nothing from the exporter." }] },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "bench/results/", ".cache/", "data/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-floating-promises": "error",
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // node:test's describe/test return promises the runner tracks itself.
      "@typescript-eslint/no-floating-promises": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
    },
  },
  ...boundaries,
  { files: ["eslint.config.js"], extends: [tseslint.configs.disableTypeChecked] },
  {
    files: ["scripts/**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: "readonly" } },
  },
  prettier,
);
