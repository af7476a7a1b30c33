import { describe, expect, it } from "vitest";
import { usePolicyDirs } from "../../test/setup/policy-dir.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { loadPolicy } from "./load.ts";
import { strictestPolicy } from "./restrictive.ts";

const policyDir = usePolicyDirs();

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const PLATFORM = `version: 1
delivery:
  monitor: { window_seconds: 3600, recheck_seconds: 300, min_observation_seconds: 1200 }
`;

describe("delivery.monitor policy", () => {
  it("defaults to a two-hour window, a check every ten minutes and half an hour quiet after the deploy", async () => {
    const bare = await loadPolicy(policyDir({ "platform.yaml": "version: 1\n" }));
    expect(bare.delivery.monitor).toEqual({
      window_seconds: 7200,
      recheck_seconds: 600,
      min_observation_seconds: 1800,
    });
  });

  it("lets a lower level shorten the window and lengthen the re-check and the quiet period", async () => {
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "teams/t.yaml":
        "version: 1\ndelivery:\n  monitor: { window_seconds: 1800, recheck_seconds: 600 }\n",
      "services/s.yaml":
        "version: 1\nteam: t\ndelivery:\n  monitor: { min_observation_seconds: 2400 }\n",
    });
    const p = await loadPolicy(dir, { service: "s" });
    expect(p.delivery.monitor).toEqual({
      window_seconds: 1800,
      recheck_seconds: 600,
      min_observation_seconds: 2400,
    });
  });

  it.each([
    ["a longer window", "window_seconds: 7200", "delivery.monitor.window_seconds 7200 is looser"],
    [
      "more frequent checks",
      "recheck_seconds: 60",
      "delivery.monitor.recheck_seconds 60 is looser",
    ],
    [
      "a shorter quiet period",
      "min_observation_seconds: 60",
      "delivery.monitor.min_observation_seconds 60 is looser",
    ],
  ])("refuses %s below the platform", async (_what, field, message) => {
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "teams/t.yaml": `version: 1\ndelivery:\n  monitor: { ${field} }\n`,
    });
    const e = await refusal(loadPolicy(dir, { team: "t" }));
    expect(e.code).toBe(ErrorCode.PolicyLoosening);
    expect(e.message).toContain(message);
  });

  it("refuses a re-check longer than the window, zero or negative seconds, and unknown fields", async () => {
    for (const monitor of [
      "{ window_seconds: 60, recheck_seconds: 120 }",
      "{ recheck_seconds: 0 }",
      "{ window_seconds: -5 }",
      "{ forever: true }",
    ]) {
      const dir = policyDir({ "platform.yaml": `version: 1\ndelivery:\n  monitor: ${monitor}\n` });
      expect((await refusal(loadPolicy(dir))).code).toBe(ErrorCode.PolicyInvalid);
    }
  });

  it("a disputed scope watches with the shortest window and the longest re-check and quiet period", async () => {
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "services/a.yaml": "version: 1\nteam: t\ndelivery:\n  monitor: { window_seconds: 600 }\n",
      "services/b.yaml":
        "version: 1\nteam: t\ndelivery:\n  monitor: { recheck_seconds: 900, min_observation_seconds: 3000 }\n",
    });
    const merged = strictestPolicy([
      await loadPolicy(dir, { service: "a" }),
      await loadPolicy(dir, { service: "b" }),
    ]);
    expect(merged.delivery.monitor).toEqual({
      window_seconds: 600,
      recheck_seconds: 900,
      min_observation_seconds: 3000,
    });
  });
});
