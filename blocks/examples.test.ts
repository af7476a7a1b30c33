import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isRenderKindName, RENDER_KINDS } from "./kinds.ts";
import { assertSafeRender } from "./testing/assertions.ts";

const DIR = join(import.meta.dirname, "examples");
/** The clock of every snapshot: half an hour into the onboarding incident. */
const NOW = new Date("2025-03-04T03:20:00Z");

/** `<kind>.json` or `<kind>--<variant>.json`. */
const examples = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((file) => ({ file, kind: file.replace(/\.json$/, "").split("--")[0] ?? "" }));

describe("the examples in blocks/examples", () => {
  it("cover every kind of `prode render`", () => {
    expect(new Set(examples.map((e) => e.kind))).toEqual(new Set(Object.keys(RENDER_KINDS)));
  });

  for (const { file, kind } of examples) {
    it(`${file} is a valid view model and renders as in the snapshot`, () => {
      if (!isRenderKindName(kind)) throw new Error(`${file}: unknown kind ${kind}`);
      const { schema, render, surface } = RENDER_KINDS[kind];
      const view = schema.parse(JSON.parse(readFileSync(join(DIR, file), "utf8")));
      const rendered = render(view, NOW);
      assertSafeRender(rendered, surface, view);
      expect(rendered).toMatchSnapshot();
    });
  }
});
