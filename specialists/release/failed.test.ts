import { describe, expect, it } from "vitest";
import type { SentryEventSummary, SentryReleaseSummary } from "../tools.ts";
import type { Onset } from "./assess.ts";
import { toDeployViews } from "./correlate.ts";
import { attributionOfFailed, failedDeploys, failedNearOnset } from "./failed.ts";

const sha = (c: string) => c.repeat(40);
const deployment = (
  id: number,
  c: string,
  ref: string,
  createdAt: string,
  state: string,
  finishedAt?: string,
) => ({
  id,
  sha: sha(c),
  ref,
  environment: "production",
  createdAt,
  state,
  ...(finishedAt ? { finishedAt } : {}),
});
const releases: SentryReleaseSummary[] = [
  { version: "api@2.0.0", dateCreated: "2026-05-01T09:00:00Z" },
  { version: "api@1.9.0", dateCreated: "2026-04-20T09:00:00Z" },
];
const rolledBack = [
  deployment(3, "c", "2.0.0", "2026-05-01T09:10:00Z", "failure"),
  deployment(4, "b", "1.9.0", "2026-05-01T09:18:00Z", "success", "2026-05-01T09:24:00Z"),
  deployment(2, "b", "1.9.0", "2026-04-20T09:00:00Z", "success", "2026-04-20T09:05:00Z"),
];
const onset: Onset = {
  at: new Date("2026-05-01T09:15:00Z"),
  from: "series",
  what: "errors rose",
  uncertaintyMinutes: 1,
  proximityMinutes: 90,
};
const event = (release: string, dateCreated: string): SentryEventSummary => ({
  eventId: "e1",
  dateCreated,
  release,
  tags: [],
});

describe("failed deploys", () => {
  const shipped = toDeployViews(rolledBack, releases);
  const failed = failedDeploys(rolledBack, releases, shipped);

  it("keeps a deploy that failed, with the later deploy of other code that replaced it", () => {
    expect(shipped.map((v) => v.id)).toEqual([4, 2]);
    expect(failed.map((f) => [f.id, f.state, f.release, f.supersededBy?.id])).toEqual([
      [3, "failure", "api@2.0.0", 4],
    ]);
    expect(failed[0]!.supersededBy?.finishedAt).toBe("2026-05-01T09:24:00Z");
  });

  it("counts one that began within the window before the onset as a change near it", () => {
    expect(failedNearOnset(failed, onset).map((f) => f.id)).toEqual([3]);
    const later = { ...onset, at: new Date("2026-05-01T12:00:00Z") };
    expect(failedNearOnset(failed, later)).toEqual([]);
  });

  it("attributes the event to the failed release only while no deploy of it shipped since", () => {
    const tagged = event("api@2.0.0", "2026-05-01T10:00:00Z");
    expect(attributionOfFailed(tagged, failed, shipped)).toMatchObject({
      release: "api@2.0.0",
      seenAt: "2026-05-01T10:00:00Z",
      deploy: { id: 3 },
    });
    expect(attributionOfFailed(event("api@1.9.0", "2026-05-01T10:00:00Z"), failed, shipped)).toBe(
      undefined,
    );
    const redeployed = [
      deployment(5, "c", "2.0.0", "2026-05-01T11:00:00Z", "success", "2026-05-01T11:05:00Z"),
      ...rolledBack,
    ];
    const views = toDeployViews(redeployed, releases);
    expect(
      attributionOfFailed(tagged, failedDeploys(redeployed, releases, views), views),
    ).toBeUndefined();
  });
});
