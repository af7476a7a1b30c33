import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * docs/least-privilege.md's IAM policy is exactly the actions of the AWS SDK commands
 * prode's runtime code imports (src/ and specialists/, tests excluded): a new command
 * without its action, or an action no code sends any more, fails here. Its GitHub App
 * table likewise lists, under the permission GitHub requires, every Octokit call the
 * runtime code makes, and no permission no call needs.
 */

const ROOT = join(import.meta.dirname, "../..");
const DOC = join(ROOT, "docs/least-privilege.md");

/** IAM service prefix of each SDK v3 client package. A new package must be added here. */
const IAM_PREFIX: Record<string, string> = {
  "client-cloudwatch": "cloudwatch",
  "client-cloudwatch-logs": "logs",
  "client-health": "health",
  "client-sts": "sts",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Named value imports ending in `Command` from `@aws-sdk/client-*`, as IAM actions. */
function actionsInCode(files: { path: string; text: string }[]): {
  actions: Map<string, string>;
  problems: string[];
} {
  const actions = new Map<string, string>();
  const problems: string[] = [];
  const named = /import\s+(type\s+)?\{([^}]*)\}\s*from\s*["']@aws-sdk\/(client-[a-z0-9-]+)["']/g;
  const anyRef = /["']@aws-sdk\/client-[a-z0-9-]+["']/g;
  for (const { path, text } of files) {
    let matched = 0;
    for (const m of text.matchAll(named)) {
      matched++;
      if (m[1]) continue; // `import type { … }` sends nothing
      const pkg = m[3]!;
      const prefix = IAM_PREFIX[pkg];
      for (const raw of m[2]!.split(",")) {
        const spec = raw.trim();
        if (!spec || spec.startsWith("type ")) continue;
        const name = spec.split(/\s+as\s+/)[0]!.trim();
        if (!name.endsWith("Command")) continue;
        if (!prefix) {
          problems.push(`${path}: ${name} from @aws-sdk/${pkg}: add ${pkg} to IAM_PREFIX`);
          continue;
        }
        actions.set(`${prefix}:${name.slice(0, -"Command".length)}`, `${path} (${name})`);
      }
    }
    const refs = text.match(anyRef)?.length ?? 0;
    if (refs !== matched) {
      problems.push(`${path}: an @aws-sdk client import that is not \`import { … } from\``);
    }
  }
  return { actions, problems };
}

function policyActions(markdown: string): string[] {
  const block = /```json\n([\s\S]*?)```/.exec(markdown);
  if (!block) throw new Error("docs/least-privilege.md has no ```json block");
  const policy = JSON.parse(block[1]!) as {
    Statement: { Effect: string; Action: string | string[] }[];
  };
  return policy.Statement.flatMap((s) => {
    expect(s.Effect).toBe("Allow");
    return Array.isArray(s.Action) ? s.Action : [s.Action];
  });
}

describe("docs/least-privilege.md AWS policy", () => {
  const files = ["src", "specialists"].flatMap((dir) =>
    sourceFiles(join(ROOT, dir)).map((path) => ({
      path: relative(ROOT, path),
      text: readFileSync(path, "utf8"),
    })),
  );
  const { actions, problems } = actionsInCode(files);
  const documented = policyActions(readFileSync(DOC, "utf8"));

  it("finds the SDK commands prode sends, every import understood", () => {
    expect(problems).toEqual([]);
    expect(actions.size).toBeGreaterThan(0);
  });

  it("grants the action of every command the code sends", () => {
    const missing = [...actions.keys()].filter((a) => !documented.includes(a));
    expect(missing, "add these actions to the policy in docs/least-privilege.md").toEqual([]);
  });

  it("grants no action the code does not send, and no wildcard", () => {
    const extra = documented.filter((a) => !actions.has(a));
    expect(extra, "remove these actions from docs/least-privilege.md").toEqual([]);
    expect(documented.filter((a) => a.includes("*"))).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
  });

  it("names each command in the doc's table", () => {
    const doc = readFileSync(DOC, "utf8");
    for (const where of actions.values()) {
      const command = /\((\w+Command)\)$/.exec(where)![1]!;
      expect(doc, `${command} missing from the table`).toContain(`\`${command}\``);
    }
  });
});

describe("actionsInCode", () => {
  it("maps commands to actions and skips type-only imports", () => {
    const { actions, problems } = actionsInCode([
      {
        path: "a.ts",
        text: `import {\n  CloudWatchLogsClient,\n  StartQueryCommand,\n  type GetQueryResultsCommandOutput,\n  StopQueryCommand as Stop,\n} from "@aws-sdk/client-cloudwatch-logs";\nimport type { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";`,
      },
    ]);
    expect(problems).toEqual([]);
    expect([...actions.keys()].sort()).toEqual(["logs:StartQuery", "logs:StopQuery"]);
  });

  it("reports an unknown client package and an import it cannot read", () => {
    const { problems } = actionsInCode([
      { path: "b.ts", text: `import { DescribeServicesCommand } from "@aws-sdk/client-ecs";` },
      { path: "c.ts", text: `import * as sts from "@aws-sdk/client-sts";` },
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("client-ecs");
    expect(problems[1]).toContain("c.ts");
  });
});

/**
 * Every Octokit REST method prode's runtime code may call: the repository permission
 * GitHub checks for it (https://docs.github.com/en/rest/authentication/permissions-required-for-github-apps)
 * and the endpoint text the doc's row for that permission must hold. A method not listed
 * here fails the test: add it, and its row, in the same commit.
 */
const GITHUB_CALLS: Record<string, { permission: string; endpoint: string }> = {
  "repos.get": { permission: "Metadata", endpoint: "GET /repos/{owner}/{repo}" },
  "repos.compareCommitsWithBasehead": { permission: "Contents", endpoint: "/compare/" },
  "repos.getContent": { permission: "Contents", endpoint: "/contents/{path}" },
  "git.getCommit": { permission: "Contents", endpoint: "/git/commits/{sha}" },
  "git.getTree": { permission: "Contents", endpoint: "/git/trees/" },
  "git.getBlob": { permission: "Contents", endpoint: "/git/blobs/{sha}" },
  "git.listMatchingRefs": { permission: "Contents", endpoint: "/git/matching-refs/" },
  "git.createBlob": { permission: "Contents", endpoint: "POST …/git/blobs" },
  "git.createTree": { permission: "Contents", endpoint: "POST …/git/trees" },
  "git.createCommit": { permission: "Contents", endpoint: "POST …/git/commits" },
  "git.createRef": { permission: "Contents", endpoint: "POST …/git/refs" },
  "git.updateRef": { permission: "Contents", endpoint: "PATCH …/git/refs/" },
  "repos.listDeployments": { permission: "Deployments", endpoint: "GET …/deployments" },
  "repos.listDeploymentStatuses": { permission: "Deployments", endpoint: "/statuses" },
  "pulls.list": { permission: "Pull requests", endpoint: "GET …/pulls" },
  "pulls.create": { permission: "Pull requests", endpoint: "POST …/pulls" },
  "issues.addLabels": { permission: "Issues", endpoint: "/labels" },
};

/** `octokit.rest.<namespace>.<method>` calls (line breaks allowed between the parts). */
function octokitCalls(files: { path: string; text: string }[]): Map<string, string> {
  const calls = new Map<string, string>();
  for (const { path, text } of files) {
    for (const m of text.matchAll(/\.rest\s*\.\s*(\w+)\s*\.\s*(\w+)/g)) {
      calls.set(`${m[1]}.${m[2]}`, path);
    }
  }
  return calls;
}

/** The rows of the doc's GitHub App table: permission → the text of its rows. */
function githubRows(markdown: string): Map<string, string> {
  const section = markdown.slice(markdown.indexOf("## GitHub App"));
  const table = section.slice(0, section.indexOf("\n## "));
  const rows = new Map<string, string>();
  for (const line of table.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 4 || cells[1] === "repository permission" || /^-+$/.test(cells[1]!)) {
      continue;
    }
    rows.set(cells[1]!, `${rows.get(cells[1]!) ?? ""} ${cells[3]}`);
  }
  return rows;
}

describe("docs/least-privilege.md GitHub App permissions", () => {
  const files = ["src", "specialists"].flatMap((dir) =>
    sourceFiles(join(ROOT, dir)).map((path) => ({
      path: relative(ROOT, path),
      text: readFileSync(path, "utf8"),
    })),
  );
  const calls = octokitCalls(files);
  const rows = githubRows(readFileSync(DOC, "utf8"));

  it("knows the permission of every Octokit call the code makes", () => {
    expect(calls.size).toBeGreaterThan(0);
    const unknown = [...calls].filter(([call]) => !GITHUB_CALLS[call]);
    expect(unknown, "add these to GITHUB_CALLS and to the doc's table").toEqual([]);
  });

  it("lists each call under the permission it needs", () => {
    for (const call of calls.keys()) {
      const { permission, endpoint } = GITHUB_CALLS[call]!;
      expect(rows.get(permission) ?? "", `${call} under ${permission}`).toContain(endpoint);
    }
  });

  it("asks for no permission that no call needs, and never for merging", () => {
    const needed = new Set([...calls.keys()].map((c) => GITHUB_CALLS[c]!.permission));
    expect([...rows.keys()].filter((p) => !needed.has(p))).toEqual([]);
    expect([...calls.keys()].filter((c) => /merge|update$|ready/i.test(c))).toEqual([]);
  });
});
