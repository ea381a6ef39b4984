/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", {}],
  },
  testTimeout: 30000,
  // MariaDB, Redis and sshd on 127.0.0.1, started once for the whole run and stopped after it.
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
  // Serialized dynamic providers must not carry coverage counters, so coverage stays off by default.
  collectCoverage: false,
};
