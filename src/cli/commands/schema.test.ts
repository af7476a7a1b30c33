import { describe, expect, it } from "vitest";
import { runCliCaptured as cli } from "../../../test/setup/io.ts";
import { EVIDENCE_BUNDLE_SCHEMA_VERSION } from "../../domain/evidence-bundle.ts";

describe("prode schema", () => {
  it("prints the evidence bundle's JSON Schema with its schemaVersion and exits 0", async () => {
    const { code, stdout, stderr } = await cli(["schema", "evidence-bundle"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    const schema = JSON.parse(stdout) as {
      $schema: string;
      title: string;
      properties: { schemaVersion: { const: number } };
    };
    expect(schema.$schema).toContain("json-schema.org");
    expect(schema.properties.schemaVersion.const).toBe(EVIDENCE_BUNDLE_SCHEMA_VERSION);
    expect(schema.title).toBe("prode evidence bundle");
  });

  it("exits 2 on an unknown schema name and lists the known ones", async () => {
    const { code, stdout, stderr } = await cli(["schema", "bundle"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("unknown schema 'bundle'");
    expect(stderr).toContain("evidence-bundle");
    expect(stderr).toContain("specialist-output");
  });

  it("exits 2 when no schema name is given", async () => {
    const { code, stderr } = await cli(["schema"]);
    expect(code).toBe(2);
    expect(stderr).toContain("known: evidence-bundle");
  });
});
