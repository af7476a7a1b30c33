import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { chmod, mkdir, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../domain/errors.ts";
import type { RepoFile } from "./types.ts";
import {
  applyChanges,
  createWorktree,
  diffWorktree,
  isTargetInside,
  listWorktreeRunIds,
  removeWorktree,
  worktreeBytes,
} from "./worktree.ts";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "prode-worktree-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const FILES: RepoFile[] = [
  { path: "src/handler.ts", content: "export const a = 1;\nexport const b = 2;\n" },
  { path: "src/old.ts", content: "gone soon\n" },
  { path: "bin/run.sh", content: "#!/bin/sh\necho run\n", mode: "100755" },
  { path: "README.md", content: "# service\n" },
];

function make(runId = "run-1", files: RepoFile[] = FILES) {
  return createWorktree({ root, runId, branch: "prode/ENG-1-run-1", baseSha: "abc123", files });
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).code;
  }
  return undefined;
}

describe("createWorktree", () => {
  it("materialises the files with their modes and an empty diff against the base", async () => {
    const wt = await make();
    expect(wt.dir).toBe(join(root, "run-1", "repo"));
    expect(readFileSync(join(wt.dir, "src/handler.ts"), "utf8")).toBe(FILES[0]!.content);
    expect(statSync(join(wt.dir, "bin/run.sh")).mode & 0o111).not.toBe(0);
    // The git directory is outside the repository the agent works in.
    expect(existsSync(join(wt.dir, ".git"))).toBe(false);
    expect(existsSync(wt.gitDir)).toBe(true);
    const diff = await diffWorktree(wt);
    expect(diff.files).toEqual([]);
    expect(diff.lines).toBe(0);
  });

  it("a retried create starts clean: leftovers of the same run are gone", async () => {
    const wt = await make();
    await writeFile(join(wt.dir, "leftover.txt"), "half-done\n");
    await writeFile(join(wt.runDir, "brief.md"), "old brief\n");
    const again = await make();
    expect(existsSync(join(again.dir, "leftover.txt"))).toBe(false);
    expect(existsSync(join(again.runDir, "brief.md"))).toBe(false);
    expect((await diffWorktree(again)).files).toEqual([]);
  });

  it.each([
    ["/etc/passwd"],
    ["../escape.txt"],
    ["src/../../escape.txt"],
    [".git/config"],
    ["src/.GIT/hooks/pre-commit"],
    ["src//double"],
    ["./x"],
  ])("refuses the path %j with bad_input", async (path) => {
    expect(await codeOf(make("run-1", [{ path, content: "x" }]))).toBe(ErrorCode.BadInput);
    expect(existsSync(join(root, "escape.txt"))).toBe(false);
  });

  it("refuses a symlink leaving the repository, keeps one inside", async () => {
    const outside = [{ path: "link", content: "../../../etc", mode: "120000" }];
    expect(await codeOf(make("run-1", outside))).toBe(ErrorCode.BadInput);
    const inside = [...FILES, { path: "src/alias.ts", content: "handler.ts", mode: "120000" }];
    const wt = await make("run-2", inside);
    expect(readlinkSync(join(wt.dir, "src/alias.ts"))).toBe("handler.ts");
  });

  it("refuses a run id that is not a plain directory name", async () => {
    expect(await codeOf(make("../up"))).toBe(ErrorCode.BadInput);
    expect(await codeOf(make(".."))).toBe(ErrorCode.BadInput);
  });
});

describe("diffWorktree", () => {
  it("reports added, modified, removed, symlink and binary files with counts and content", async () => {
    const wt = await make();
    await writeFile(join(wt.dir, "src/handler.ts"), "export const a = 1;\nexport const b = 3;\n");
    await unlink(join(wt.dir, "src/old.ts"));
    await mkdir(join(wt.dir, "test"));
    await writeFile(join(wt.dir, "test/handler.test.ts"), "it('works', () => {});\n");
    await symlink("../../outside", join(wt.dir, "src/link"));
    await writeFile(join(wt.dir, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]));

    const diff = await diffWorktree(wt);
    const byPath = Object.fromEntries(diff.files.map((f) => [f.path, f]));
    expect(Object.keys(byPath).sort()).toEqual([
      "logo.png",
      "src/handler.ts",
      "src/link",
      "src/old.ts",
      "test/handler.test.ts",
    ]);
    expect(byPath["src/handler.ts"]).toMatchObject({
      status: "modified",
      additions: 1,
      deletions: 1,
      content: "export const a = 1;\nexport const b = 3;\n",
      mode: "100644",
    });
    expect(byPath["src/old.ts"]).toMatchObject({ status: "removed", content: null, deletions: 1 });
    expect(byPath["test/handler.test.ts"]).toMatchObject({ status: "added", additions: 1 });
    expect(byPath["src/link"]).toMatchObject({
      status: "added",
      symlink: true,
      content: "../../outside",
      mode: "120000",
    });
    expect(byPath["logo.png"]).toMatchObject({ status: "added", binary: true, additions: 0 });
    expect(diff.lines).toBe(1 + 1 + 1 + 1 + 1);
    expect(diff.patch).toContain("-export const b = 2;");
    expect(diff.patch).toContain("+export const b = 3;");
    expect(diff.patch).toContain("diff --git a/src/old.ts b/src/old.ts");
  });

  it("a mode change alone is a modification with the new mode", async () => {
    const wt = await make();
    await chmod(join(wt.dir, "README.md"), 0o755);
    const diff = await diffWorktree(wt);
    expect(diff.files).toEqual([
      expect.objectContaining({ path: "README.md", status: "modified", mode: "100755" }),
    ]);
  });

  it("a .git the agent creates in the repository is not part of the diff", async () => {
    const wt = await make();
    await mkdir(join(wt.dir, ".git"));
    await writeFile(join(wt.dir, ".git/config"), "[core]\n\tfsmonitor = touch /tmp/pwned\n");
    await writeFile(join(wt.dir, "README.md"), "# service, changed\n");
    const diff = await diffWorktree(wt);
    expect(diff.files.map((f) => f.path)).toEqual(["README.md"]);
  });

  it("paths with spaces and non-ASCII names survive intact", async () => {
    const wt = await make();
    await writeFile(join(wt.dir, "src/naïve file.ts"), "x\n");
    const diff = await diffWorktree(wt);
    expect(diff.files.map((f) => f.path)).toEqual(["src/naïve file.ts"]);
  });
});

describe("applyChanges", () => {
  it("rebuilds another worktree's diff on a fresh worktree of the same base", async () => {
    const first = await make("run-a");
    await writeFile(join(first.dir, "src/handler.ts"), "export const a = 42;\n");
    await unlink(join(first.dir, "src/old.ts"));
    await writeFile(join(first.dir, "src/new.ts"), "export const n = 1;\n");
    await writeFile(join(first.dir, "bin/tool.sh"), "#!/bin/sh\n", { mode: 0o755 });
    const original = await diffWorktree(first);

    const second = await make("run-b");
    await applyChanges(second, original.files);
    const rebuilt = await diffWorktree(second);
    expect(rebuilt.files).toEqual(original.files);
    expect(rebuilt.patch).toBe(original.patch);
  });

  it("refuses binaries, escaping paths and writes through a symlinked directory", async () => {
    const wt = await make();
    const file = { status: "added" as const, additions: 1, deletions: 0, content: "x" };
    expect(await codeOf(applyChanges(wt, [{ ...file, path: "b.bin", binary: true }]))).toBe(
      ErrorCode.BadInput,
    );
    expect(await codeOf(applyChanges(wt, [{ ...file, path: "../x" }]))).toBe(ErrorCode.BadInput);
    const outside = join(root, "elsewhere");
    await mkdir(outside);
    await symlink(outside, join(wt.dir, "src/out"));
    expect(await codeOf(applyChanges(wt, [{ ...file, path: "src/out/x.ts" }]))).toBe(
      ErrorCode.BadInput,
    );
    expect(existsSync(join(outside, "x.ts"))).toBe(false);
  });
});

describe("removeWorktree, listWorktreeRunIds, worktreeBytes", () => {
  it("lists run directories, measures one, and removes it", async () => {
    expect(await listWorktreeRunIds(join(root, "missing"))).toEqual([]);
    const a = await make("run-a");
    await make("run-b");
    await writeFile(join(root, "stray-file"), "not a run\n");
    expect(await listWorktreeRunIds(root)).toEqual(["run-a", "run-b"]);

    const before = await worktreeBytes(a);
    expect(before).toBeGreaterThan(0);
    await writeFile(join(a.dir, "big.txt"), "x".repeat(100_000));
    expect(await worktreeBytes(a)).toBeGreaterThanOrEqual(before + 100_000);

    await removeWorktree(root, "run-a");
    await removeWorktree(root, "run-a");
    expect(await listWorktreeRunIds(root)).toEqual(["run-b"]);
    await rm(join(root, "stray-file"));
  });
});

describe("isTargetInside", () => {
  it.each([
    ["a/link", "b.ts", true],
    ["a/link", "../b.ts", true],
    ["a/link", "../../b.ts", false],
    ["link", "/etc/passwd", false],
    ["a/b/link", "../../c/../d", true],
    ["link", "..", false],
    ["link", "", false],
  ])("%s → %s inside: %s", (link, target, inside) => {
    expect(isTargetInside(link, target)).toBe(inside);
  });
});
