import { createSign, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SimRequest } from "../types.ts";
import { createGithubInstance } from "./github.ts";
import { checkAppJwt } from "./github-app.ts";
import { type GithubDataInput, githubDataSchema } from "./github-data.ts";

// biome-ignore lint/suspicious/noExplicitAny: assertions walk provider-shaped JSON
type Json = any;

const NOW = new Date("2025-06-01T12:30:00Z");
const sha = (c: string) => c.repeat(40);

const fixture: GithubDataInput = {
  app: { id: 4242, slug: "prode", name: "prode", owner: "acme" },
  installations: [{ id: 77, account: "acme" }],
  tokens: ["ghp_human"],
  repos: [
    {
      owner: "acme",
      name: "api",
      branches: { main: sha("c"), release: sha("b") },
      commits: [
        {
          sha: sha("a"),
          message: "init",
          author: { name: "A", email: "a@x", date: "2025-05-01T00:00:00Z" },
          tree: {
            "README.md": "hello\n",
            "src/onboarding.ts": "export const plan = 1;\nexport const seats = 3;\n",
            "bin/run": { content: "#!/bin/sh\n", mode: "100755" },
          },
        },
        {
          sha: sha("b"),
          message: "feat: onboarding plan lookup",
          author: { name: "B", email: "b@x", login: "bee", date: "2025-06-01T10:00:00Z" },
          parents: [sha("a")],
          files: [
            { filename: "src/onboarding.ts", additions: 12, deletions: 2, patch: "@@ -1 +1 @@" },
          ],
        },
        {
          sha: sha("c"),
          message: "chore: bump",
          author: { name: "C", email: "c@x", date: "2025-06-01T11:00:00Z" },
          parents: [sha("b")],
          files: [{ filename: "package.json", additions: 1, deletions: 1 }],
        },
      ],
      deployments: [
        {
          id: 501,
          sha: sha("b"),
          ref: "main",
          created_at: "2025-06-01T10:05:00Z",
          statuses: [
            { state: "in_progress", created_at: "2025-06-01T10:05:10Z" },
            { state: "success", created_at: "2025-06-01T10:09:00Z" },
          ],
        },
        {
          id: 502,
          sha: sha("c"),
          ref: "main",
          environment: "staging",
          created_at: "2025-06-01T11:05:00Z",
        },
      ],
    },
    { owner: "other", name: "secret", branches: { main: sha("a") }, commits: [] },
  ],
};

function world() {
  return createGithubInstance(githubDataSchema.parse(fixture), {
    now: () => NOW,
    baseUrl: "http://world.test",
  });
}

function call(method: string, path: string, token: string | null, body?: unknown): SimRequest {
  const url = new URL(path, "http://x");
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers: token ? { authorization: `token ${token}` } : {},
    rawBody: body === undefined ? "" : JSON.stringify(body),
    body,
  };
}

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
function appJwt(claims: Record<string, unknown>, alg = "RS256"): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = `${enc({ alg, typ: "JWT" })}.${enc(claims)}`;
  return `${input}.${createSign("RSA-SHA256").update(input).sign(privateKey).toString("base64url")}`;
}
const iat = Math.floor(Date.now() / 1000) - 30;

describe("simulated GitHub", () => {
  it("requires authentication and answers GitHub's 404 shape", async () => {
    const gh = world();
    const anon = await gh.handle(call("GET", "/repos/acme/api", null));
    expect(anon.status).toBe(401);
    expect((anon.body as Json).message).toBe("Requires authentication");
    const bad = await gh.handle(call("GET", "/repos/acme/api", "ghp_wrong"));
    expect((bad.body as Json).message).toBe("Bad credentials");
    const missing = await gh.handle(call("GET", "/repos/acme/nope", "ghp_human"));
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      message: "Not Found",
      documentation_url: expect.any(String),
    });
  });

  it("compares base...head with commits oldest first and the files they touch", async () => {
    const res = await world().handle(
      call("GET", `/repos/acme/api/compare/${sha("a")}...main`, "ghp_human"),
    );
    expect(res.method).toBe("GET /repos/{owner}/{repo}/compare/{basehead}");
    const body = res.body as Json;
    expect(body.status).toBe("ahead");
    expect(body.ahead_by).toBe(2);
    expect(body.commits.map((c: Json) => c.commit.message)).toEqual([
      "feat: onboarding plan lookup",
      "chore: bump",
    ]);
    expect(body.commits[0].author.login).toBe("bee");
    expect(body.files).toContainEqual(
      expect.objectContaining({
        filename: "src/onboarding.ts",
        additions: 12,
        deletions: 2,
        changes: 14,
        patch: "@@ -1 +1 @@",
      }),
    );
    const behind = (
      await world().handle(call("GET", "/repos/acme/api/compare/main...release", "ghp_human"))
    ).body as Json;
    expect(behind).toMatchObject({ status: "behind", ahead_by: 0, behind_by: 1 });
  });

  it("lists deployments newest first, filters by environment, and their statuses", async () => {
    const gh = world();
    const all = (await gh.handle(call("GET", "/repos/acme/api/deployments", "ghp_human")))
      .body as Json[];
    expect(all.map((d) => d.id)).toEqual([502, 501]);
    const prod = (
      await gh.handle(
        call("GET", "/repos/acme/api/deployments?environment=production", "ghp_human"),
      )
    ).body as Json[];
    expect(prod.map((d) => d.id)).toEqual([501]);
    const statuses = (
      await gh.handle(call("GET", "/repos/acme/api/deployments/501/statuses", "ghp_human"))
    ).body as Json[];
    expect(statuses.map((s) => s.state)).toEqual(["success", "in_progress"]);
  });

  it("resolves commits by branch and abbreviated SHA; unknown refs are 422", async () => {
    const gh = world();
    const byBranch = (await gh.handle(call("GET", "/repos/acme/api/commits/release", "ghp_human")))
      .body as Json;
    expect(byBranch.sha).toBe(sha("b"));
    expect(byBranch.stats).toEqual({ additions: 12, deletions: 2, total: 14 });
    const byShort = (
      await gh.handle(call("GET", `/repos/acme/api/commits/${sha("c").slice(0, 7)}`, "ghp_human"))
    ).body as Json;
    expect(byShort.sha).toBe(sha("c"));
    expect((await gh.handle(call("GET", "/repos/acme/api/commits/nope", "ghp_human"))).status).toBe(
      422,
    );
  });

  it("creates a branch, a commit through the Git Data API and a draft PR; a second PR for the head is 422", async () => {
    const gh = world();
    const token = "ghp_human";
    const ref = await gh.handle(
      call("POST", "/repos/acme/api/git/refs", token, {
        ref: "refs/heads/prode/ENG-1",
        sha: sha("c"),
      }),
    );
    expect(ref.status).toBe(201);
    const again = await gh.handle(
      call("POST", "/repos/acme/api/git/refs", token, {
        ref: "refs/heads/prode/ENG-1",
        sha: sha("c"),
      }),
    );
    expect((again.body as Json).message).toBe("Reference already exists");
    const matching = async (prefix: string) =>
      (
        (await gh.handle(call("GET", `/repos/acme/api/git/matching-refs/${prefix}`, token)))
          .body as Json[]
      ).map((r) => r.ref);
    expect(await matching("heads/prode/")).toEqual(["refs/heads/prode/ENG-1"]);
    expect(await matching("heads/prode/ENG-2")).toEqual([]);
    const empty = await gh.handle(
      call("POST", "/repos/acme/api/pulls", token, {
        title: "t",
        head: "prode/ENG-1",
        base: "main",
      }),
    );
    expect((empty.body as Json).errors[0].message).toBe("No commits between main and prode/ENG-1");

    const tree = (
      await gh.handle(
        call("POST", "/repos/acme/api/git/trees", token, {
          base_tree: sha("c"),
          tree: [{ path: "src/onboarding.ts", mode: "100644", type: "blob", content: "a\nb\n" }],
        }),
      )
    ).body as Json;
    const commit = (
      await gh.handle(
        call("POST", "/repos/acme/api/git/commits", token, {
          message: "fix: null plan",
          tree: tree.sha,
          parents: [sha("c")],
        }),
      )
    ).body as Json;
    const moved = await gh.handle(
      call("PATCH", "/repos/acme/api/git/refs/heads/prode/ENG-1", token, { sha: commit.sha }),
    );
    expect((moved.body as Json).object.sha).toBe(commit.sha);

    const pr = await gh.handle(
      call("POST", "/repos/acme/api/pulls", token, {
        title: "Fix null plan",
        head: "acme:prode/ENG-1",
        base: "main",
        draft: true,
        body: "evidence",
      }),
    );
    expect(pr.status).toBe(201);
    expect(pr.body).toMatchObject({
      number: 1,
      draft: true,
      state: "open",
      merged: false,
      commits: 1,
      changed_files: 1,
      head: { ref: "prode/ENG-1", sha: commit.sha },
    });
    const dup = await gh.handle(
      call("POST", "/repos/acme/api/pulls", token, {
        title: "again",
        head: "prode/ENG-1",
        base: "main",
      }),
    );
    expect(dup.status).toBe(422);
    expect((dup.body as Json).errors[0].message).toBe(
      "A pull request already exists for acme:prode/ENG-1.",
    );

    const found = (
      await gh.handle(call("GET", "/repos/acme/api/pulls?head=acme:prode/ENG-1&state=all", token))
    ).body as Json[];
    expect(found.map((p) => p.number)).toEqual([1]);
    expect(found[0].merged).toBeUndefined();
  });

  it("labels a pull request and merging by hand closes it with a merge commit on base", async () => {
    const gh = world();
    const token = "ghp_human";
    const opened = await gh.handle(
      call("POST", "/repos/acme/api/pulls", token, {
        title: "Release",
        head: "main",
        base: "release",
      }),
    );
    expect(opened.status).toBe(201);
    // main is ahead of release by one commit, so this PR has content.
    const labels = (
      await gh.handle(
        call("POST", "/repos/acme/api/issues/1/labels", token, { labels: ["agent-generated"] }),
      )
    ).body as Json[];
    expect(labels.map((l) => l.name)).toEqual(["agent-generated"]);
    const hook = await gh.handle(
      call("POST", "/_sim/repos/acme/api/pulls/1/merge", null, { by: "alice" }),
    );
    expect(hook.status).toBe(200);
    expect((hook.body as Json).payload).toMatchObject({
      action: "closed",
      installation: { id: 77 },
      pull_request: { merged: true },
    });
    const pr = (await gh.handle(call("GET", "/repos/acme/api/pulls/1", token))).body as Json;
    expect(pr).toMatchObject({
      state: "closed",
      merged: true,
      merged_by: { login: "alice" },
      merged_at: NOW.toISOString(),
    });
    expect(gh.repo("acme/api")!.data.branches.release).toBe(pr.merge_commit_sha);
    const reopen = await gh.handle(
      call("PATCH", "/repos/acme/api/pulls/1", token, { state: "open" }),
    );
    expect(reopen.status).toBe(422);
  });

  it("mints installation tokens for a structurally valid app JWT and scopes them to the account", async () => {
    const gh = world();
    const jwt = appJwt({ iat, exp: iat + 600, iss: "4242" });
    const bearer = (path: string, method = "GET") => ({
      ...call(method, path, null),
      headers: { authorization: `bearer ${jwt}` },
    });
    const app = await gh.handle(bearer("/app"));
    expect(app.body).toMatchObject({ id: 4242, slug: "prode", installations_count: 1 });
    const installs = (await gh.handle(bearer("/app/installations"))).body as Json[];
    expect(installs[0]).toMatchObject({ id: 77, account: { login: "acme" }, app_id: 4242 });
    const minted = await gh.handle(bearer("/app/installations/77/access_tokens", "POST"));
    expect(minted.status).toBe(201);
    const { token, expires_at, permissions } = minted.body as Json;
    expect(token).toMatch(/^ghs_/);
    expect(expires_at).toBe("2025-06-01T13:30:00Z");
    expect(permissions).toMatchObject({ pull_requests: "write" });
    expect((await gh.handle(call("GET", "/repos/acme/api", token))).status).toBe(200);
    expect((await gh.handle(call("GET", "/repos/other/secret", token))).status).toBe(404);
    // The JWT itself opens no repository.
    expect((await gh.handle(bearer("/repos/acme/api"))).status).toBe(403);
    expect((await gh.handle(bearer("/app/installations/9/access_tokens", "POST"))).status).toBe(
      404,
    );
  });

  it("refuses malformed app JWTs with GitHub's messages", () => {
    expect(checkAppJwt(appJwt({ iat, exp: iat + 600, iss: 4242 }), 4242)).toBeNull();
    expect(checkAppJwt("not-a-jwt", 4242)).toBe("A JSON web token could not be decoded");
    expect(checkAppJwt(appJwt({ iat, exp: iat + 600, iss: 4242 }, "HS256"), 4242)).toBe(
      "A JSON web token could not be decoded",
    );
    expect(checkAppJwt(appJwt({ iat, exp: iat + 3600, iss: 4242 }), 4242)).toMatch(
      /too far in the future/,
    );
    expect(checkAppJwt(appJwt({ iat, exp: iat + 600, iss: 1 }), 4242)).toBe(
      "Integration not found",
    );
  });

  it("serves a commit's files: git commit → recursive tree → blobs, and the contents API", async () => {
    const gh = world();
    const get = async (path: string) =>
      (await gh.handle(call("GET", path, "ghp_human"))).body as Json;
    // c lists only changed files: it has the snapshot it inherits from a.
    const commit = await get(`/repos/acme/api/git/commits/${sha("c")}`);
    expect(commit).toMatchObject({ sha: sha("c"), parents: [{ sha: sha("b") }] });
    expect((await get(`/repos/acme/api/commits/${sha("c")}`)).commit.tree.sha).toBe(
      commit.tree.sha,
    );
    const top = await get(`/repos/acme/api/git/trees/${commit.tree.sha}`);
    expect(top.tree.map((e: Json) => [e.path, e.type])).toEqual([
      ["README.md", "blob"],
      ["bin", "tree"],
      ["src", "tree"],
    ]);
    const all = await get(`/repos/acme/api/git/trees/${commit.tree.sha}?recursive=1`);
    expect(all.truncated).toBe(false);
    const readme = all.tree.find((e: Json) => e.path === "README.md");
    // Blob SHAs are git's own (`git hash-object` of "hello\n").
    expect(readme).toMatchObject({
      mode: "100644",
      size: 6,
      sha: "ce013625030ba8dba906f756967f9e9ca394464a",
    });
    expect(all.tree.find((e: Json) => e.path === "bin/run").mode).toBe("100755");
    const blob = await get(`/repos/acme/api/git/blobs/${readme.sha}`);
    expect(blob).toMatchObject({ encoding: "base64", size: 6 });
    expect(Buffer.from(blob.content, "base64").toString()).toBe("hello\n");

    const file = await get("/repos/acme/api/contents/src/onboarding.ts?ref=release");
    expect(file).toMatchObject({ type: "file", encoding: "base64", path: "src/onboarding.ts" });
    expect(Buffer.from(file.content, "base64").toString()).toContain("export const plan = 1;");
    const dir = (await get("/repos/acme/api/contents/src")) as Json[];
    expect(dir.map((e) => [e.name, e.type])).toEqual([["onboarding.ts", "file"]]);
    const missing = await gh.handle(call("GET", "/repos/acme/api/contents/nope.ts", "ghp_human"));
    expect(missing.status).toBe(404);
    const badRef = await gh.handle(
      call("GET", "/repos/acme/api/contents/README.md?ref=nope", "ghp_human"),
    );
    expect((badRef.body as Json).message).toBe("No commit found for the ref nope");
    expect(
      (await gh.handle(call("GET", `/repos/acme/api/git/trees/${sha("d")}`, "ghp_human"))).status,
    ).toBe(404);
  });

  it("a tree on base_tree keeps the base's files, overrides and deletes; the commit's files are the real change", async () => {
    const gh = world();
    const token = "ghp_human";
    const post = async (path: string, body: unknown) =>
      (await gh.handle(call("POST", path, token, body))).body as Json;
    const base = (await gh.handle(call("GET", `/repos/acme/api/git/commits/${sha("c")}`, token)))
      .body as Json;
    const blob = await post("/repos/acme/api/git/blobs", {
      content: "hello\nworld\n",
      encoding: "utf-8",
    });
    const tree = await post("/repos/acme/api/git/trees", {
      base_tree: base.tree.sha,
      tree: [
        { path: "README.md", mode: "100644", type: "blob", sha: blob.sha },
        { path: "src/onboarding.ts", mode: "100644", type: "blob", sha: null },
        { path: "src/new/a.ts", mode: "100644", type: "blob", content: "x\n" },
        { path: "vendor/lib", mode: "160000", type: "commit", sha: sha("e") },
        { path: "link", mode: "120000", type: "blob", content: "README.md" },
      ],
    });
    const listed = (
      await gh.handle(call("GET", `/repos/acme/api/git/trees/${tree.sha}?recursive=1`, token))
    ).body as Json;
    expect(
      listed.tree.filter((e: Json) => e.type !== "tree").map((e: Json) => [e.path, e.mode]),
    ).toEqual([
      ["README.md", "100644"],
      ["bin/run", "100755"],
      ["link", "120000"],
      ["src/new/a.ts", "100644"],
      ["vendor/lib", "160000"],
    ]);
    const commit = await post("/repos/acme/api/git/commits", {
      message: "change",
      tree: tree.sha,
      parents: [sha("c")],
      author: { name: "prode[bot]", email: "prode[bot]@users.noreply.github.com" },
    });
    expect(commit.tree.sha).toBe(tree.sha);
    const detail = (await gh.handle(call("GET", `/repos/acme/api/commits/${commit.sha}`, token)))
      .body as Json;
    const files = Object.fromEntries(
      detail.files.map((f: Json) => [f.filename, [f.status, f.additions, f.deletions]]),
    );
    expect(files).toEqual({
      "README.md": ["modified", 1, 0],
      link: ["added", 1, 0],
      "src/new/a.ts": ["added", 1, 0],
      "src/onboarding.ts": ["removed", 0, 2],
      "vendor/lib": ["added", 0, 0],
    });
    const bad = await gh.handle(
      call("POST", "/repos/acme/api/git/trees", token, { base_tree: sha("d"), tree: [] }),
    );
    expect(bad.status).toBe(422);
  });

  it("a merge by hand carries the pull request's files onto the base branch's tree", async () => {
    const gh = world();
    const token = "ghp_human";
    const post = async (path: string, body: unknown) =>
      (await gh.handle(call("POST", path, token, body))).body as Json;
    await post("/repos/acme/api/git/refs", { ref: "refs/heads/fix", sha: sha("c") });
    const tree = await post("/repos/acme/api/git/trees", {
      base_tree: sha("c"),
      tree: [{ path: "src/onboarding.ts", mode: "100644", type: "blob", content: "fixed\n" }],
    });
    const commit = await post("/repos/acme/api/git/commits", {
      message: "fix",
      tree: tree.sha,
      parents: [sha("c")],
    });
    await gh.handle(
      call("PATCH", "/repos/acme/api/git/refs/heads/fix", token, { sha: commit.sha }),
    );
    const pr = await post("/repos/acme/api/pulls", {
      title: "fix",
      head: "fix",
      base: "main",
      draft: true,
    });
    expect(pr.draft).toBe(true);
    gh.mergePull("acme/api", pr.number);
    const file = (
      await gh.handle(call("GET", "/repos/acme/api/contents/src/onboarding.ts?ref=main", token))
    ).body as Json;
    expect(Buffer.from(file.content, "base64").toString()).toBe("fixed\n");
  });

  it("pages lists with a Link header", async () => {
    const gh = world();
    const first = await gh.handle(
      call("GET", "/repos/acme/api/deployments?per_page=1", "ghp_human"),
    );
    expect((first.body as Json[]).length).toBe(1);
    expect(first.headers?.Link).toContain('page=2>; rel="next"');
    expect(first.headers?.Link).toContain('rel="last"');
  });
});
