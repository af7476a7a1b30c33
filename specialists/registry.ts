import aws from "./aws/index.ts";
import db from "./db/index.ts";
import release from "./release/index.ts";
import sentry from "./sentry/index.ts";
import support from "./support/index.ts";
import type { Specialist } from "./types.ts";
import vendor from "./vendor/index.ts";

/** Every specialist prode can route to. A plain array: add one line per specialist. */
export const SPECIALISTS: readonly Specialist[] = [sentry, aws, db, release, vendor, support];
