/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", {}],
  },
  testTimeout: 30000,
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
  // Serialized dynamic providers must not carry coverage counters, so coverage stays off by default.
  collectCoverage: false,
};
