// Lint for the browser client (aioserve/static) and its node tests (tests/js).
import js from "@eslint/js";
import globals from "globals";

export default [
  {ignores: ["node_modules/**", ".venv/**"]},
  js.configs.recommended,
  {
    files: ["aioserve/static/**/*.js"],
    languageOptions: {ecmaVersion: 2023, sourceType: "module", globals: {...globals.browser}},
  },
  {
    files: ["tests/js/**/*.js", "tests/js/**/*.mjs"],
    languageOptions: {ecmaVersion: 2023, sourceType: "module", globals: {...globals.node}},
  },
  {
    rules: {
      "no-unused-vars": ["error", {argsIgnorePattern: "^_", varsIgnorePattern: "^_"}],
      "no-control-regex": "off", // markdown.js strips control characters on purpose
      eqeqeq: ["error", "always"],
      "prefer-const": "error",
      "no-var": "error",
    },
  },
];
