import { describe, expect, it } from "vitest";
import type { SentryReleaseSummary } from "../tools.ts";
import {
  correlate,
  correlateByPrecursor,
  deploysWithin,
  directionAtDeploy,
  filesInStack,
  firstLine,
  matchRelease,
  minutesBeforeOnset,
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

describe("toDeployViews without a Sentry record", () => {
  it("times a deploy by its first success status, never by a status older than its start", () => {
    const views = toDeployViews(
      [
        {
          ...deployment(5, "e", "v6", "2026-11-20T15:00:00Z", "inactive"),
          finishedAt: "2026-11-20T15:06:00Z",
        },
        {
          ...deployment(6, "f", "v7", "2026-11-20T16:00:00Z", "success"),
          finishedAt: "2026-11-20T15:59:00Z",
        },
      ],
      [],
    );
    expect(views.map((v) => [v.id, v.finishedFrom, v.finishedAt])).toEqual([
      [6, "github", "2026-11-20T16:00:00Z"],
      [5, "github_status", "2026-11-20T15:06:00Z"],
    ]);
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

describe("correlate: proximity", () => {
  const views = toDeployViews(
    [
      deployment(1, "a", "v1", "2026-11-19T18:00:00Z", "success"),
      deployment(2, "b", "v2", "2026-11-20T13:40:00Z", "success"),
    ],
    [],
  );

  it("correlates the deploy the onset followed within the proximity window", () => {
    const c = correlate(views, new Date("2026-11-20T14:10:00Z"), 90);
    expect(c?.deploy.id).toBe(2);
    expect(c?.minutesAfter).toBe(30);
  });

  it("does not blame a deploy 20 hours before the onset", () => {
    const only = views.filter((v) => v.id === 1);
    expect(correlate(only, new Date("2026-11-20T14:10:00Z"), 90)).toBeUndefined();
  });

  it("never blames a deploy that began after the onset", () => {
    expect(correlate(views, new Date("2026-11-20T13:00:00Z"), 90)?.deploy.id).toBeUndefined();
  });

  it("widens by the onset's uncertainty on both sides", () => {
    // Onset 14:00 ± 30 min: a deploy at 13:40 began within it, one at 11:45 is 135 min early.
    expect(correlate(views, new Date("2026-11-20T13:30:00Z"), 90, 30)?.deploy.id).toBe(2);
    const early = toDeployViews([deployment(3, "c", "v3", "2026-11-20T11:45:00Z")], []);
    expect(correlate(early, new Date("2026-11-20T14:00:00Z"), 90, 30)).toBeUndefined();
    expect(correlate(early, new Date("2026-11-20T14:00:00Z"), 90, 60)?.deploy.id).toBe(3);
  });
});

describe("directionAtDeploy", () => {
  const H = 3_600_000;
  const t0 = Date.parse("2026-11-20T00:00:00Z");
  const series = (values: number[]) => values.map((value, i) => ({ at: t0 + i * H, value }));
  const deployAt = t0 + 12 * H + 10 * 60_000; // 12:10, inside bucket 12

  it("is consistent when the series was flat before the deploy and rose across it", () => {
    const d = directionAtDeploy(series([...Array(12).fill(1), 20, 25, 22]), deployAt);
    expect(d).toMatchObject({ consistent: true, risingBefore: false });
    expect(d!.after).toBeGreaterThan(d!.before);
  });

  it("is not consistent when the series was already rising before the deploy", () => {
    const d = directionAtDeploy(
      series([1, 1, 1, 1, 1, 1, 1, 20, 22, 21, 23, 22, 24, 25, 23]),
      deployAt,
    );
    expect(d).toMatchObject({ consistent: false, risingBefore: true });
  });

  it("is not consistent when the series did not move across the deploy", () => {
    const d = directionAtDeploy(series(Array(15).fill(3)), deployAt);
    expect(d?.consistent).toBe(false);
  });

  it("cannot judge a series that does not reach back before the deploy", () => {
    expect(directionAtDeploy(series([5, 6, 7]), t0 - H)).toBeUndefined();
  });
});

describe("minutesBeforeOnset", () => {
  it("is negative for a deploy after the onset", () => {
    const [v] = toDeployViews([deployment(1, "a", "v1", "2026-11-20T15:00:00Z")], []);
    expect(minutesBeforeOnset(v!, new Date("2026-11-20T14:00:00Z"))).toBe(-60);
  });
});

describe("correlateByPrecursor", () => {
  const views = toDeployViews(
    [
      deployment(2, "b", "v2", "2026-11-20T07:50:00Z", "success"),
      deployment(1, "a", "v1", "2026-11-19T12:00:00Z", "success"),
    ],
    [],
  );
  const onset = new Date("2026-11-20T10:09:00Z");

  it("correlates the deploy whose rollout the climb began in, however long before the symptom", () => {
    const c = correlateByPrecursor(
      views,
      { at: new Date("2026-11-20T08:00:00Z"), uncertaintyMinutes: 0.5 },
      onset,
    );
    expect(c?.deploy.id).toBe(2);
    expect(c?.minutesAfter).toBe(139);
  });

  it("correlates none when the climb began outside every rollout (organic growth)", () => {
    expect(
      correlateByPrecursor(
        views,
        { at: new Date("2026-11-20T09:00:00Z"), uncertaintyMinutes: 0.5 },
        onset,
      ),
    ).toBeUndefined();
  });
});
