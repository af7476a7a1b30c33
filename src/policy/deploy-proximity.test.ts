import { describe, expect, it } from "vitest";
import { usePolicyDirs } from "../../test/setup/policy-dir.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { DEFAULT_DEPLOY_PROXIMITY_MINUTES } from "../domain/run-onset.ts";
import { loadPolicy } from "./load.ts";

/** `deploy_proximity_minutes`: how long after a deploy a symptom may be blamed on it. */

const policyDir = usePolicyDirs();

describe("policy deploy_proximity_minutes", () => {
  it("is unset by default (the built-in default applies) and leaves the hash alone", async () => {
    const plain = await loadPolicy(policyDir({ "platform.yaml": "version: 1\n" }));
    expect(plain.deploy_proximity_minutes).toBeUndefined();
    const same = await loadPolicy(policyDir({ "platform.yaml": "version: 1\n" }));
    expect(same.hash).toBe(plain.hash);
    expect(DEFAULT_DEPLOY_PROXIMITY_MINUTES).toBe(90);
  });

  it("may be set by the platform and only shortened below it", async () => {
    const dir = policyDir({
      "platform.yaml": "version: 1\ndeploy_proximity_minutes: 120\n",
      "org.yaml": "version: 1\ndeploy_proximity_minutes: 60\n",
    });
    expect((await loadPolicy(dir)).deploy_proximity_minutes).toBe(60);
  });

  it("refuses a lower level that widens it, against the default when the platform is silent", async () => {
    const dir = policyDir({
      "platform.yaml": "version: 1\n",
      "org.yaml": "version: 1\ndeploy_proximity_minutes: 240\n",
    });
    const error = await loadPolicy(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(ErrorCode.PolicyLoosening);
    expect((error as AppError).message).toContain("deploy_proximity_minutes 240 is looser");
  });
});
