import { describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../../../test/setup/io.ts";

describe("prode sql check", () => {
  it("prints allowed and exits 0 for a bounded SELECT", async () => {
    const result = await run(["sql", "check"], "select id from users limit 5;\n");
    expect(result).toMatchObject({ code: 0, stdout: "allowed\n" });
  });

  it("prints the reason and exits 1 for a refused statement", async () => {
    const result = await run(["sql", "check"], "select pg_advisory_lock(1)");
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      "refused: function pg_advisory_lock is not allowed: it takes an advisory lock\n",
    );
  });

  it("prints JSON with an empty reason when allowed", async () => {
    const result = await run(["sql", "check", "--json"], "select count(*) from users");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ allowed: true, reason: "" });
  });

  it("prints JSON with the reason when refused", async () => {
    const result = await run(["sql", "check", "--json"], "select * from users limit 1");
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      allowed: false,
      reason: "SELECT * is not allowed: name the columns",
    });
  });

  it("refuses several statements and empty input", async () => {
    expect((await run(["sql", "check"], "select 1; delete from users")).stdout).toContain(
      "multiple statements",
    );
    const empty = await run(["sql", "check", "--json"], "");
    expect(empty.code).toBe(1);
    expect(JSON.parse(empty.stdout)).toEqual({ allowed: false, reason: "empty statement" });
  });

  it("rejects an unknown option with exit 2", async () => {
    const result = await run(["sql", "check", "--yaml"], "select 1");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option --yaml");
  });
});
