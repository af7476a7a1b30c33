import { z } from "zod";

/**
 * The alarm that filed (or belongs to) the ticket fired at the same time of day on
 * earlier days, from its own state history (a scheduled job's load crossing the
 * threshold, every day). Kept beside signals.ts, which holds the rest of the vocabulary.
 */
export const RecurringAlarmSignal = z.object({
  kind: z.literal("recurring_alarm"),
  sourceRef: z.string().min(1).describe("ref of one of the output's sources"),
  alarm: z.string().min(1),
  /** What the alarm watches (its dimension's value: a cache cluster, a database), when one. */
  resource: z.string().min(1).optional(),
  service: z.string().min(1).optional(),
  /** The firing this run is about (the newest change into ALARM). */
  firedAt: z.iso.datetime({ offset: true }),
  /** Days of state history read. */
  daysRead: z.number().int().positive(),
  /** Earlier days on which it went into ALARM at the same time of day. */
  priorFirings: z.number().int().nonnegative(),
  /** Of those, how many returned to OK by themselves before it fired again. */
  selfCleared: z.number().int().nonnegative(),
  /** Changes into ALARM read at other times of day. */
  otherFirings: z.number().int().nonnegative(),
  /** The longest of the prior episodes that cleared, minutes. */
  longestEpisodeMinutes: z.number().nonnegative().optional(),
  /**
   * Every firing read, at any time of day: how many, on how many calendar days, how many
   * returned to OK by themselves, and the longest of those episodes (an alarm that flaps).
   */
  flaps: z
    .object({
      firings: z.number().int().nonnegative(),
      days: z.number().int().nonnegative(),
      cleared: z.number().int().nonnegative(),
      longestMinutes: z.number().nonnegative(),
    })
    .optional(),
});
