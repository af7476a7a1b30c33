import { describe, expect, it } from "vitest";
import { deliveryIdOf } from "./deliveries.ts";

describe("deliveryIdOf", () => {
  it("uses the event id of Events API deliveries", () => {
    expect(deliveryIdOf({ type: "event_callback", event_id: "Ev123", trigger_id: "t" })).toBe(
      "event:Ev123",
    );
  });

  it("uses the trigger id of commands and interactions, named by kind", () => {
    expect(deliveryIdOf({ command: "/prode", trigger_id: "13345.42" })).toBe("command:13345.42");
    expect(deliveryIdOf({ type: "block_actions", trigger_id: "9.9" })).toBe("block_actions:9.9");
  });

  it("falls back to a hash of the body: a byte-equal retry gets the same id", () => {
    const a = deliveryIdOf({ type: "view_closed", view: { id: "V1" } });
    expect(a).toMatch(/^body:[0-9a-f]{40}$/);
    expect(deliveryIdOf({ type: "view_closed", view: { id: "V1" } })).toBe(a);
    expect(deliveryIdOf({ type: "view_closed", view: { id: "V2" } })).not.toBe(a);
  });
});
