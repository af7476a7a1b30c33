import { defineConfig } from "drizzle-kit";

// Only `drizzle-kit generate` uses this (no database needed); `prode migrate` applies.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
