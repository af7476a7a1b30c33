import { afterAll, afterEach, beforeAll } from "vitest";
import type { z } from "zod";
import { scenarioSchema } from "../../sim/scenario.ts";
import { startWorld, type World } from "../../sim/server.ts";

type ScenarioInput = z.input<typeof scenarioSchema>;

/**
 * An inline scenario: what a service test states itself (name, description, the
 * integrations it turns off, ticket, the service's data, expected). The clock, the
 * service and the Slack workspace default to those every inline scenario shares.
 */
export type InlineScenario = Omit<ScenarioInput, "now" | "service" | "slack"> &
  Partial<Pick<ScenarioInput, "now" | "service" | "slack">>;

const INLINE_DEFAULTS = {
  now: "2025-06-01T12:30:00Z",
  service: "api",
  slack: { incidentChannel: "C0INCIDENT", channels: [{ id: "C0INCIDENT", name: "incidents" }] },
} satisfies Partial<ScenarioInput>;

/**
 * One simulated world for the file, started before its tests from an inline scenario and
 * closed after them; `set` receives it. With `resetAfterEach`, faults and recorded calls
 * are cleared after every test.
 */
export function useInlineWorld(
  spec: InlineScenario,
  set: (world: World) => void,
  opts: { clock?: () => Date; resetAfterEach?: boolean } = {},
): void {
  let world: World | undefined;
  beforeAll(async () => {
    const scenario = scenarioSchema.parse({ ...INLINE_DEFAULTS, ...spec });
    world = await startWorld({ scenario, ...(opts.clock ? { clock: opts.clock } : {}) });
    set(world);
  });
  if (opts.resetAfterEach) {
    afterEach(() => {
      world?.clearFaults();
      world?.clearCalls();
    });
  }
  afterAll(async () => {
    await world?.close();
  });
}
