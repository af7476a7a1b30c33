import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "src/**/*.test.ts",
      "blocks/**/*.test.ts",
      "specialists/**/*.test.ts",
      "sim/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    globalSetup: ["test/setup/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Two cores: parallel files, but not so many that the real servers are the bottleneck.
    maxWorkers: 4,
  },
});
