import { describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../../../test/setup/io.ts";
import { createRng, FAKE } from "../../safety/__corpus__/fake-secrets.ts";

const rng = createRng(99);
const token = FAKE.slackBotToken(rng);
const email = FAKE.email(rng);
const input = `2024-10-01T12:00:00Z req_id=req_7f3a token=${token}\nuser ${email} sha=3f2a9c1\n`;

describe("prode redact", () => {
  it("writes stdin with findings replaced and everything else byte for byte", async () => {
    const result = await run(["redact"], input);
    expect(result).toEqual({
      code: 0,
      stdout:
        "2024-10-01T12:00:00Z req_id=req_7f3a token=[REDACTED:slack_token]\nuser [REDACTED:email] sha=3f2a9c1\n",
      stderr: "",
    });
  });

  it("with --json prints the text and the summary per category", async () => {
    const result = await run(["redact", "--json"], input);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.summary).toEqual({ slack_token: 1, email: 1 });
    expect(parsed.text).not.toContain(token);
    expect(parsed.text).not.toContain(email);
  });

  it("passes clean input through with an empty summary", async () => {
    const result = await run(["redact", "--json"], "deploy v1.2.3 at 1727784000\n");
    expect(JSON.parse(result.stdout)).toEqual({
      text: "deploy v1.2.3 at 1727784000\n",
      summary: {},
    });
  });

  it("refuses an unknown argument with exit 2 and the usage", async () => {
    const result = await run(["redact", "--yaml"], input);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("unexpected argument '--yaml'");
    expect(result.stderr).toContain("Usage: prode redact");
  });
});
