import {
  all,
  correlatedVendorErrors,
  dependencyRises,
  flatServerErrors,
  infraEventsAtOnset,
  longStandingExceptions,
  overlappingProviderIncidents,
  poisonMessages,
  saturatedDependencies,
  series,
  unless,
} from "./classifier-features.ts";
import type { SignalIndex } from "./classifier-index.ts";

/**
 * Features of defects that are not regressions, for the code rules: an old exception,
 * whether nothing else explains the symptom, and whether the failure is confined to one
 * path. Written over the general vocabulary only (classifier-features.ts).
 */

/**
 * A long-standing exception the code catches whose own error events rose now (its
 * issue's series, same source): catching it did not make the work succeed, since more
 * of it fails now (a job that reports each failed item and carries on, an old defect
 * back after weeks of silence). Handled is harmless only while its own series is not
 * moving.
 */
export const handledButRising = (i: SignalIndex) => {
  const rising = series(i, ["error_events"], ["rise"]);
  return longStandingExceptions(i).filter(
    (t) =>
      t.signal.handled === true && rising.some((r) => r.signal.sourceRef === t.signal.sourceRef),
  );
};
/**
 * An exception first seen weeks ago that is unhandled, or handled but rising now: a
 * defect that predates the recent releases, whether its rate is flat or spikes on a
 * periodic condition.
 */
export const longStandingDefect = (i: SignalIndex) => [
  ...longStandingExceptions(i).filter((t) => t.signal.handled !== true),
  ...handledButRising(i),
];
/**
 * A long-standing defect whose own error events rose now (its issue's series, same
 * source), while nothing else explains a spike: no dependency saturated or rising, no
 * infrastructure event at the onset, no provider incident, no implicated vendor.
 */
export const longStandingDefectSpiking = (i: SignalIndex) => {
  const defects = longStandingDefect(i);
  const own = series(i, ["error_events"], ["rise"]).filter((t) =>
    defects.some((d) => d.signal.sourceRef === t.signal.sourceRef),
  );
  return unless(
    [
      ...saturatedDependencies(i),
      ...dependencyRises(i),
      ...infraEventsAtOnset(i),
      ...overlappingProviderIncidents(i),
      ...correlatedVendorErrors(i),
    ],
    all(defects, own),
  );
};
/**
 * A long-standing defect while nothing else explains the symptom: no dependency saturated
 * or rising, no infrastructure event at the onset, no provider incident, no implicated
 * vendor. An old exception that fires all the time is also in the logs of every other
 * incident; it is the cause only when nothing else moved.
 */
export const longStandingDefectUnexplained = (i: SignalIndex) =>
  unless(
    [
      ...saturatedDependencies(i),
      ...dependencyRises(i),
      ...infraEventsAtOnset(i),
      ...overlappingProviderIncidents(i),
      ...correlatedVendorErrors(i),
    ],
    longStandingDefect(i),
  );
/**
 * Exceptions confined to one path: two or more on the same path, one that is new (first
 * seen within {@link LONG_STANDING_DAYS} days: a fresh failure on one path), or an old one
 * with a contrast (an impact scope of one route, the whole service's 5xx rate read flat,
 * or the same messages failing again and again on the consumer's path). An old exception
 * alone is on "one path" by construction, which says nothing: its age would otherwise
 * carry it to the gate's floor by itself.
 */
export const oneFailingPath = (i: SignalIndex) => {
  const exceptions = i.of("new_exception");
  const paths = new Set(exceptions.map((t) => t.signal.path));
  if (paths.size !== 1) return [];
  if (exceptions.length >= 2) return exceptions;
  if (longStandingExceptions(i).length === 0) return exceptions;
  const contrast = [
    ...i.of("impact_scope").filter((t) => t.signal.routes === "one"),
    ...flatServerErrors(i),
    ...poisonMessages(i),
  ];
  return all(exceptions, contrast);
};
