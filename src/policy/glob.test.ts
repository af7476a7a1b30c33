import { describe, expect, it } from "vitest";
import { firstMatchingGlob, globToRegExp, normalizeRepoPath } from "./glob.ts";

describe("forbidden-path globs", () => {
  it.each([
    ["*.pem", "certs/prod.pem", true],
    ["*.pem", "prod.pem", true],
    ["*.pem", "prod.pem.txt", false],
    ["migrations/**", "migrations/0001_x.sql", true],
    ["migrations/**", "src/migrations/x.sql", false],
    ["migrations/", "migrations/a/b.sql", true],
    ["**/secrets/**", "a/b/secrets/c.json", true],
    ["**/secrets/**", "secrets/c.json", true],
    [".github/workflows/*", ".github/workflows/ci.yml", true],
    [".github/workflows/*", ".github/workflows/sub/ci.yml", false],
    ["infra/*.{tf,tfvars}", "infra/main.tf", true],
    ["infra/*.{tf,tfvars}", "infra/main.tfstate", false],
    ["/Dockerfile", "Dockerfile", true],
    ["/Dockerfile", "app/Dockerfile", false],
    ["src/a?.ts", "src/ab.ts", true],
    ["src/a?.ts", "src/a/b.ts", false],
    ["src/(x).ts", "src/(x).ts", true],
    ["src/(x).ts", "src/x.ts", false],
    ["app/(auth)/**", "app/(auth)/page.tsx", true],
    ["*.env", ".env", true],
    ["*.env", "config/.env", true],
    ["**/*.key", ".secrets/a.key", true],
    [".github/**", ".github/workflows/ci.yml", true],
    ["!keep.txt", "other.txt", false],
    ["!keep.txt", "!keep.txt", true],
    ["src/**/*.ts", "src/a.ts", true],
    ["src/**/*.ts", "src/a/b/c.ts", true],
    ["src/[ab].ts", "src/a.ts", true],
    ["src/[!a].ts", "src/b.ts", true],
    ["src/[!a].ts", "src/a.ts", false],
    ["src/*.{ts", "src/x.{ts", true],
    ["src/*.{ts", "src/x.ts", false],
  ])("%s matches %s: %s", (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });

  it("names the first matching glob", () => {
    expect(firstMatchingGlob(["*.key", "infra/**"], "infra/x.key")).toBe("*.key");
    expect(firstMatchingGlob(["*.key"], "src/x.ts")).toBeUndefined();
  });

  it("normalises paths and refuses those that leave the repository", () => {
    expect(normalizeRepoPath("./src//a/../b.ts")).toBe("src/b.ts");
    expect(normalizeRepoPath("../etc/passwd")).toBeNull();
    expect(normalizeRepoPath("src/../../x")).toBeNull();
    expect(normalizeRepoPath("/etc/passwd")).toBeNull();
  });
});
