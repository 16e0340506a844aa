// ESLint for the front end (`make lint`): native ES modules in the browser, Node's test
// runner for web/tests/. The vendored libraries are not ours to lint. Size limits keep views
// small (DESIGN.md): at most 300 lines a file and 50 a function, blank lines and comments
// not counted.

import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["static/vendor/", "node_modules/"] },
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "max-lines": ["error", { max: 300, skipBlankLines: true, skipComments: true }],
      "max-lines-per-function": ["error", { max: 50, skipBlankLines: true, skipComments: true }],
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      "no-use-before-define": ["error", { functions: false, classes: true, variables: true }],
      "no-shadow": "error",
      "no-var": "error",
      "prefer-const": "error",
      eqeqeq: ["error", "always"],
      curly: ["error", "multi-line"],
      "no-implicit-globals": "error",
      "no-param-reassign": "off",
    },
  },
  {
    files: ["tests/**/*.js", "eslint.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
];
