import type { Sample } from "../../src/domain/change-point.ts";
import { issueSeries } from "../shared/sentry-series.ts";
import type { SpecialistInput } from "../types.ts";
import {
  ABSENCE_WINDOW_HOURS,
  type Correlation,
  correlate,
  correlateByPrecursor,
  DATA_STATE_WINDOW_HOURS,
  DEPLOY_PROXIMITY_MINUTES,
  type DeployView,
  type DirectionAtDeploy,
  directionAtDeploy,
} from "./correlate.ts";
import type { SentryView } from "./onset.ts";

/**
 * The release specialist's two questions about time: when did the symptom begin (the
 * run's onset, else the linked Sentry issue's series, else the alert that filed the
 * ticket), and which deploy does that onset correlate with (proximity, then the series'
 * direction across the deploy, then a dependency climb that began within a rollout).
 */

/** When the symptom began, how we know, how sure, and the series to test direction on. */
export interface Onset {
  at: Date;
  /** `long_lived`: a Sentry issue first seen before its series' window that did not rise. */
  from: "series" | "data_state" | "alert" | "long_lived";
  what: string;
  uncertaintyMinutes: number;
  /** The symptom series, when this specialist read one (a linked Sentry issue's events). */
  samples?: Sample[];
  /** Policy's deploy proximity (minutes), else {@link DEPLOY_PROXIMITY_MINUTES}. */
  proximityMinutes: number;
  /**
   * `first_seen`: a new issue's first event. Its series is zero before by definition, so
   * a deploy before it needs no direction test (and sparse counts would fail one).
   */
  datedBy?: "first_seen" | "change_point";
  /** A dependency's climb that began before the symptom on flat traffic (run-precursor.ts). */
  precursor?: { at: Date; what: string; uncertaintyMinutes: number };
}

/**
 * The onset: the run's (another specialist's series or data state, second wave), else
 * the linked Sentry issue's series (its rise; a flat old issue began at its first event),
 * else — for a ticket an alert filed (it links an alarm) within the window — the ticket's
 * creation, which bounds the start closely. The latter only licenses the 24h absence
 * control, never a correlation, and says so.
 */
export function onsetOf(input: SpecialistInput, view: SentryView): Onset | undefined {
  const proximityMinutes = input.deployProximityMinutes ?? DEPLOY_PROXIMITY_MINUTES;
  const handed = input.onset ? Date.parse(input.onset.at) : Number.NaN;
  if (input.onset && !Number.isNaN(handed)) {
    return {
      proximityMinutes,
      at: new Date(handed),
      from: input.onset.source === "series" ? "series" : "data_state",
      what: input.onset.what,
      uncertaintyMinutes: input.onset.uncertaintyMinutes ?? 0,
      ...precursorOf(input),
    };
  }
  if (view.issue) {
    const reading = issueSeries(view.issue, input.now);
    if (reading?.direction === "rise" && reading.onset) {
      return {
        proximityMinutes,
        at: new Date(reading.onset),
        from: "series",
        what:
          reading.datedBy === "first_seen"
            ? `${view.issue.shortId} was first seen`
            : `${view.issue.shortId}'s events rose (±${reading.uncertaintyMinutes} min)`,
        uncertaintyMinutes: reading.uncertaintyMinutes ?? 0,
        samples: reading.samples,
        ...(reading.datedBy ? { datedBy: reading.datedBy } : {}),
      };
    }
    const firstSeen = Date.parse(view.issue.firstSeen);
    if (!Number.isNaN(firstSeen)) {
      return {
        proximityMinutes,
        at: new Date(firstSeen),
        from: reading ? "long_lived" : "series",
        what: `${view.issue.shortId} was first seen`,
        uncertaintyMinutes: 0,
        ...(reading ? { samples: reading.samples } : {}),
      };
    }
  }
  const { snapshot } = input.ticket;
  const filed = Date.parse(snapshot.createdAt);
  const ageHours = (input.now.getTime() - filed) / 3_600_000;
  if (snapshot.linked.awsRefs.length > 0 && ageHours >= 0 && ageHours <= ABSENCE_WINDOW_HOURS) {
    return {
      proximityMinutes,
      at: new Date(filed),
      from: "alert",
      what: "the alert filed the ticket",
      uncertaintyMinutes: 0,
    };
  }
  return undefined;
}

function precursorOf(input: SpecialistInput): Pick<Onset, "precursor"> {
  const p = input.onset?.precursor;
  const at = p ? Date.parse(p.at) : Number.NaN;
  if (!p || Number.isNaN(at)) return {};
  return {
    precursor: { at: new Date(at), what: p.what, uncertaintyMinutes: p.uncertaintyMinutes },
  };
}

/** How far before the onset a deploy may be and still explain it. */
export const windowMinutesOf = (onset: Onset) =>
  onset.from === "data_state" ? DATA_STATE_WINDOW_HOURS * 60 : onset.proximityMinutes;

export interface Assessment {
  correlation?: Correlation;
  direction?: DirectionAtDeploy;
  /** A deploy within the window whose series' direction contradicts it. */
  contradicted?: Correlation;
  /** Correlated through the precursor's climb, not the symptom's onset. */
  byPrecursor?: boolean;
}

/**
 * The proximity test, then the direction test on the series when there is one; failing
 * both, the deploy whose rollout the precursor's climb began within (the symptom came
 * when the climb reached its limit, hours later).
 */
export function assess(views: DeployView[], onset: Onset): Assessment {
  const c = correlate(views, onset.at, windowMinutesOf(onset), onset.uncertaintyMinutes);
  if (!c) {
    const byPrecursor = onset.precursor
      ? correlateByPrecursor(views, onset.precursor, onset.at)
      : undefined;
    return byPrecursor ? { correlation: byPrecursor, byPrecursor: true } : {};
  }
  if (!onset.samples || onset.datedBy === "first_seen") return { correlation: c };
  const direction = directionAtDeploy(
    onset.samples,
    Date.parse(c.deployedAt),
    windowMinutesOf(onset),
  );
  // A series that does not reach back before the deploy cannot contradict it.
  if (!direction) return { correlation: c };
  return direction.consistent ? { correlation: c, direction } : { contradicted: c, direction };
}
