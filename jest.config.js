/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    // Type errors are caught by `npm run typecheck`; transpiling alone keeps the suite fast.
    "^.+\\.ts$": ["ts-jest", {}],
  },
  testTimeout: 30000,
  // Serialized dynamic providers must not carry coverage counters, so coverage stays off by default.
  collectCoverage: false,
};
