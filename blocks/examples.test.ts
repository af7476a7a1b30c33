import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assertSafeRender } from "../test/setup/blocks/assertions.ts";
import { EXAMPLE_NOW, EXAMPLES_DIR, loadExample } from "../test/setup/blocks/examples.ts";
import { isRenderKindName, RENDER_KINDS } from "./kinds.ts";

/** `<kind>.json` or `<kind>--<variant>.json`. */
const examples = readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((file) => {
    const name = file.replace(/\.json$/, "");
    return { file, name, kind: name.split("--")[0] ?? "" };
  });

describe("the examples in blocks/examples", () => {
  it("cover every kind of `prode render`", () => {
    expect(new Set(examples.map((e) => e.kind))).toEqual(new Set(Object.keys(RENDER_KINDS)));
  });

  for (const { file, name, kind } of examples) {
    it(`${file} is a valid view model and renders as in the snapshot`, () => {
      if (!isRenderKindName(kind)) throw new Error(`${file}: unknown kind ${kind}`);
      const { schema, render, surface } = RENDER_KINDS[kind];
      const view = schema.parse(loadExample(name));
      const rendered = render(view, EXAMPLE_NOW);
      assertSafeRender(rendered, surface, view);
      expect(rendered).toMatchSnapshot();
    });
  }
});
