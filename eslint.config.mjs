import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Folders under providers/ used only through their index.ts, so that what a folder keeps to itself can change (#12).
const BARRELS = ["db-clone", "forge", "ssh", "redis", "runtime"];

/** Forbids importing a file inside any of `folders`: `../../providers/forge/retry` from outside, `../forge/retry` or `./runtime/dispatch` from inside providers/. */
function deepImportsInto(folders) {
  const patterns = folders.map((folder) => ({
    regex: `^(\\.\\./)+providers/${folder}/|^\\.\\.?/${folder}/`,
    message: `Import providers/${folder} through its index.ts; export what you need there.`,
  }));
  return ["error", { patterns }];
}

export default tseslint.config(
  { ignores: ["node_modules/**", ".cache/**", "**/*.js", "!eslint.config.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Type-aware rules need the program: the project service reads tsconfig.json for each file.
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits fails silently: an unawaited Forge call or log line races the resource's return.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
    },
  },
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
      "no-console": "off",
    },
  },
  {
    rules: { "no-restricted-imports": deepImportsInto(BARRELS) },
  },
  // A test under test/<tier>/providers/<folder>/ may reach into that folder: it tests an internal file directly, as a
  // unit test mirrors the file it covers. Everything else, tests of other folders included, uses the index.
  ...BARRELS.map((own) => ({
    files: [`test/*/providers/${own}/**/*.ts`],
    rules: { "no-restricted-imports": deepImportsInto(BARRELS.filter((folder) => folder !== own)) },
  })),
  {
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
