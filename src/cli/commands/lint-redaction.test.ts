import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../../../test/setup/io.ts";
import { createRng, FAKE } from "../../safety/__corpus__/fake-secrets.ts";

const rng = createRng(7);
const email = FAKE.email(rng);
const token = FAKE.githubClassic(rng);
const pem = FAKE.pemPrivateKey(rng);

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "prode-lint-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function write(path: string, content: string | Buffer) {
  const full = join(root, path);
  mkdirSync(join(full, ".."), { recursive: true });
  writeFileSync(full, content);
  return full;
}

describe("prode lint-redaction", () => {
  it("exits 0 on clean files", async () => {
    write("wiki/index.md", "# Index\n- [queue saturation](queue.md) req_id=req_abc v1.2.3\n");
    write("wiki/queue.md", "log group /aws/ecs/billing-worker, release 2024.10.1, sha 3f2a9c1\n");
    const result = await run(["lint-redaction", join(root, "wiki")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("prode lint-redaction: 2 files clean\n");
  });

  it("exits 1 listing file:line: category for each finding, never the value", async () => {
    const page = write(
      "wiki/services/onboarding.md",
      `# Onboarding\n\nOwner: ${email}\n\n## Recipe\nexport GITHUB_TOKEN=${token}\n${pem}\nafter the key\n`,
    );
    const inbox = write("docs/learnings/inbox.md", `- call +44 20 7946 0958 about it\n`);
    write("wiki/clean.md", "nothing here\n");
    write("wiki/diagram.png", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, email.length]));
    const result = await run(["lint-redaction", join(root, "wiki"), join(root, "docs/learnings")]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      [
        `${page}:3: email`,
        `${page}:6: github_token`,
        `${page}:7: private_key`,
        `${inbox}:1: phone`,
        "",
      ].join("\n"),
    );
    expect(result.stderr).toContain("4 findings in 3 files");
    for (const secret of [email, token, pem.split("\n")[2]!, "7946"]) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
  });

  it("lints a single file named directly", async () => {
    const file = write("notes.txt", `contact ${email}\n`);
    const result = await run(["lint-redaction", file]);
    expect(result).toMatchObject({ code: 1, stdout: `${file}:1: email\n` });
  });

  it("defaults to wiki/ and docs/learnings/, and missing defaults are fine", async () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      expect(await run(["lint-redaction"])).toMatchObject({
        code: 0,
        stdout: "prode lint-redaction: 0 files clean\n",
      });
      write("docs/learnings/inbox.md", `reported by ${email}\n`);
      expect(await run(["lint-redaction"])).toMatchObject({
        code: 1,
        stdout: `${join("docs/learnings", "inbox.md")}:1: email\n`,
      });
    } finally {
      process.chdir(cwd);
    }
  });

  it("exits 2 when a named path does not exist or an option is unknown", async () => {
    const missing = await run(["lint-redaction", join(root, "nope")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file or directory");
    expect((await run(["lint-redaction", "--fix"])).code).toBe(2);
  });
});

describe("scripts/prode-wiki-redaction-lint.sh", () => {
  const script = fileURLToPath(
    new URL("../../../scripts/prode-wiki-redaction-lint.sh", import.meta.url),
  );

  it("is executable and runs the lint with its arguments", () => {
    accessSync(script, constants.X_OK);
    const file = write("wiki/page.md", `ok\nmail ${email}\n`);
    const found = spawnSync("bash", [script, join(root, "wiki")], { encoding: "utf8" });
    expect(found.status).toBe(1);
    expect(found.stdout).toBe(`${file}:2: email\n`);
    write("wiki/page.md", "ok\n");
    const clean = spawnSync("bash", [script, join(root, "wiki")], { encoding: "utf8" });
    expect(clean.status).toBe(0);
  }, 60_000);
});
