import { LinearWebhookClient } from "@linear/sdk/webhooks";
import { describe, expect, it } from "vitest";
import { signLinearBody } from "../../sim/services/linear-webhook.ts";
import { checkLinearDelivery } from "./linear-delivery.ts";

const SECRET = "lin_wh_test_secret";
const verifier = new LinearWebhookClient(SECRET);

function delivery(body: string, secret = SECRET) {
  return [Buffer.from(body), signLinearBody(body, secret)] as const;
}

const issue = (webhookTimestamp: number) =>
  JSON.stringify({ action: "create", type: "Issue", webhookTimestamp, data: {} });

describe("checkLinearDelivery", () => {
  it("verifies a delivery signed with the secret inside the 60 s window", () => {
    expect(checkLinearDelivery(verifier, ...delivery(issue(Date.now())))).toBe("verified");
  });

  it("tells a stale timestamp from a bad signature without reading the SDK's message", () => {
    const stale = issue(Date.now() - 5 * 60_000);
    expect(checkLinearDelivery(verifier, ...delivery(stale))).toBe("stale_timestamp");
    const fresh = issue(Date.now());
    expect(checkLinearDelivery(verifier, ...delivery(fresh, "another secret"))).toBe(
      "bad_signature",
    );
    expect(checkLinearDelivery(verifier, Buffer.from(fresh), "0".repeat(64))).toBe("bad_signature");
    expect(checkLinearDelivery(verifier, Buffer.from("not json"), "short")).toBe("bad_signature");
  });

  it("reports a correctly signed body that is not JSON as such", () => {
    expect(checkLinearDelivery(verifier, ...delivery("not json"))).toBe("not_json");
  });
});
