import type { SimService } from "../types.ts";
import { type SentryData, sentryDataSchema } from "./sentry-data.ts";

export type { SentryData };
export { sentryDataSchema };

/** Placeholder until the routes land; keeps the scenario schema composable. */
export const sentryService: SimService<SentryData> = {
  name: "sentry",
  mount: "/sentry",
  dataSchema: sentryDataSchema,
  create: () => ({
    handle: () => ({ status: 501, body: { message: "not implemented" }, method: "unimplemented" }),
  }),
};
