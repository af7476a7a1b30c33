import type { z } from "zod";
import type { sentryEventSchema } from "../../sim/services/sentry-data.ts";

export type SentryEventInput = z.input<typeof sentryEventSchema>;

/**
 * A simulated Sentry event of the onboarding TypeError (one in-app frame) on
 * `POST /v1/onboarding`, with the request headers (and cookies) given: the sensitive
 * parts the redactor must keep out of what prode reads.
 */
export function sentryEvent(spec: {
  eventID: string;
  dateCreated: string;
  release: string;
  tags?: { key: string; value: string }[];
  headers: [string, string][];
  cookies?: [string, string][];
}): SentryEventInput {
  return {
    eventID: spec.eventID,
    dateCreated: spec.dateCreated,
    release: spec.release,
    ...(spec.tags ? { tags: spec.tags } : {}),
    entries: [
      {
        type: "exception",
        data: {
          values: [
            {
              type: "TypeError",
              value: "Cannot read properties of null (reading 'plan')",
              stacktrace: {
                frames: [
                  { filename: "src/onboarding.ts", function: "start", lineNo: 42, inApp: true },
                ],
              },
            },
          ],
        },
      },
      {
        type: "request",
        data: {
          url: "https://api.example.com/v1/onboarding",
          method: "POST",
          headers: spec.headers,
          ...(spec.cookies ? { cookies: spec.cookies } : {}),
        },
      },
    ],
  };
}
