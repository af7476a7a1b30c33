import { describe, expect, it } from "vitest";
import type { SentryReleaseSummary } from "../tools.ts";
import {
  correlate,
  deploysWithin,
  filesInStack,
  firstLine,
  matchRelease,
  previousDeploy,
  sameFile,
  stackFiles,
  toDeployViews,
} from "./correlate.ts";

const sha = (c: string) => c.repeat(40);
const deployment = (id: number, c: string, ref: string, createdAt: string, state?: string) => ({
  id,
  sha: sha(c),
  ref,
  environment: "production",
  createdAt,
  ...(state ? { state } : {}),
});
const releases: SentryReleaseSummary[] = [
  {
    version: "api@v3",
    dateCreated: "2026-11-20T13:58:31Z",
    dateReleased: "2026-11-20T14:02:14Z",
    lastDeployAt: "2026-11-20T14:02:14Z",
  },
];

describe("matchRelease", () => {
  it("matches a release named by the ref or SHA, with or without a package prefix", () => {
    expect(matchRelease({ ref: "v3", sha: sha("a") }, releases)?.version).toBe("api@v3");
    expect(
      matchRelease({ ref: "main", sha: sha("b") }, [{ version: sha("b"), dateCreated: "x" }])
        ?.version,
    ).toBe(sha("b"));
    expect(matchRelease({ ref: "v33", sha: sha("c") }, releases)).toBeUndefined();
  });
});

describe("toDeployViews", () => {
  it("keeps shipped deploys newest first, timing them by Sentry's deploy record when it has one", () => {
    const views = toDeployViews(
      [
        deployment(1, "a", "v2", "2026-11-20T09:12:22Z", "success"),
        deployment(2, "b", "v3", "2026-11-20T13:58:40Z", "success"),
        deployment(3, "c", "v4", "2026-11-20T14:20:00Z", "failure"),
        deployment(4, "d", "v5", "2026-11-20T14:25:00Z"),
      ],
      releases,
    );
    expect(views.map((v) => [v.id, v.finishedFrom, v.release])).toEqual([
      [4, "github", undefined],
      [2, "sentry", "api@v3"],
      [1, "github", undefined],
    ]);
    expect(views[1]?.finishedAt).toBe("2026-11-20T14:02:14Z");
  });
});

describe("correlate", () => {
  const views = toDeployViews(
    [
      deployment(1, "a", "v2", "2026-11-20T09:12:22Z", "success"),
      deployment(2, "b", "v3", "2026-11-20T13:58:40Z", "success"),
    ],
    releases,
  );

  it("takes the last deploy before the onset and counts minutes from its finish", () => {
    const c = correlate(views, new Date("2026-11-20T14:06:11Z"));
    expect(c).toMatchObject({
      deploy: { id: 2 },
      deployedAt: "2026-11-20T14:02:14Z",
      minutesAfter: 4,
    });
  });

  it("counts from the start when the symptom began during the rollout", () => {
    const c = correlate(views, new Date("2026-11-20T14:00:40Z"));
    expect(c).toMatchObject({
      deploy: { id: 2 },
      deployedAt: "2026-11-20T13:58:40Z",
      minutesAfter: 2,
    });
  });

  it("finds nothing before the first deploy or beyond 24h after the last", () => {
    expect(correlate(views, new Date("2026-11-19T00:00:00Z"))).toBeUndefined();
    expect(correlate(views, new Date("2026-11-21T14:30:00Z"))).toBeUndefined();
  });

  it("diffs against the previous deploy of different code", () => {
    const again = toDeployViews(
      [
        deployment(1, "a", "v2", "2026-11-20T09:00:00Z"),
        deployment(2, "b", "v3", "2026-11-20T10:00:00Z"),
        deployment(3, "b", "v3-redeploy", "2026-11-20T11:00:00Z"),
      ],
      [],
    );
    expect(previousDeploy(again, again[0]!)?.id).toBe(1);
  });

  it("lists deploys in a window ending now", () => {
    const now = new Date("2026-11-21T10:00:00Z");
    expect(deploysWithin(views, now, 24).map((v) => v.id)).toEqual([2]);
    expect(deploysWithin(views, now, 12)).toEqual([]);
  });
});

describe("stack files", () => {
  it("lists in-app files culprit first and matches them against changed files across build prefixes", () => {
    const files = stackFiles({
      eventId: "e",
      dateCreated: "2026-11-20T14:33:52Z",
      tags: [],
      exception: {
        type: "TypeError",
        value: "x",
        frames: [
          { filename: "node:internal", inApp: false },
          { filename: "src/onboarding/routes.ts", inApp: true },
          { filename: "src/onboarding/complete.ts", inApp: true },
        ],
      },
    });
    expect(files).toEqual(["src/onboarding/complete.ts", "src/onboarding/routes.ts"]);
    expect(filesInStack(["package.json", "src/onboarding/complete.ts"], files)).toEqual([
      "src/onboarding/complete.ts",
    ]);
    expect(sameFile("/app/src/a.ts", "src/a.ts")).toBe(true);
    expect(sameFile("src/a.ts", "src/ba.ts")).toBe(false);
    expect(firstLine("feat: x\n\nbody")).toBe("feat: x");
  });
});
