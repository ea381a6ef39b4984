/**
 * Three tiers, one folder each under test/: `unit` (pure rules and the program under mocks; no servers, seconds),
 * `provider` (clients and dynamic providers against the simulator and real MariaDB, Redis and sshd on 127.0.0.1) and
 * `engine` (the real Pulumi CLI). `npm test` runs all three; `npm run test:<tier>` runs one.
 */
const base = {
  testEnvironment: "node",
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", {}],
  },
};

// MariaDB, Redis and sshd on 127.0.0.1, started once per run and stopped after it. Both server tiers name the same
// hooks: the first to run starts the services and the second finds them through FORGE_PREVIEWS_TEST_SERVICES.
const withServices = {
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
  // Serialized dynamic providers must not carry coverage counters, so coverage stays off by default.
  collectCoverage: false,
  projects: [
    { ...base, displayName: "unit", roots: ["<rootDir>/test/unit"] },
    { ...base, ...withServices, displayName: "provider", roots: ["<rootDir>/test/provider"] },
    { ...base, ...withServices, displayName: "engine", roots: ["<rootDir>/test/engine"] },
  ],
};
