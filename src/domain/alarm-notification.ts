/**
 * The names of the CloudWatch alarms an alarm notification quotes. CloudWatch notifies in
 * two shapes, and an alarm integration pastes either into the ticket it files:
 * - the SNS e-mail: `… your Amazon CloudWatch Alarm "<name>" in the <region> region has
 *   entered the ALARM state`;
 * - the state-change event (EventBridge `CloudWatch Alarm State Change`, as chat and
 *   ticketing integrations render it): `Alarm "<name>" in <region> changed state from OK
 *   to ALARM`, which does not say "CloudWatch".
 * Both put the quoted name right after the word `Alarm` (capitalised: the notification's
 * wording, not prose about "an alarm"). The name is only a lead: whoever uses it reads
 * the alarm back from the AWS API (DescribeAlarms) before trusting what it watches.
 */
const ALARM_NOTIFICATION = /\b(?:CloudWatch\s+)?Alarm\s+"([^"\n]{1,255})"/g;

/** The alarm names the text's notification(s) quote, in order, without repeats. */
export function quotedAlarmNamesIn(text: string): string[] {
  return [...new Set([...text.matchAll(ALARM_NOTIFICATION)].map((m) => m[1]!))];
}

/**
 * Words an alarm's name must have to be recognised when prose spells it out. A name of
 * three words or more written out in order (`<svc> <measure> alarm` for the alarm
 * `<svc>-<measure>`) is a specific reference; a one- or two-word name (`high-cpu`) is a
 * phrase any ticket may contain.
 */
export const MIN_SPELLED_NAME_WORDS = 3;

const wordsOf = (text: string) =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

/**
 * Of the account's alarm `names`, those the text spells out: every word of the name, in
 * order and adjacent, whatever separates them (`<a>-<b> <c>` for `<a>-<b>-<c>`), for a
 * name of {@link MIN_SPELLED_NAME_WORDS} words or more. Engineers write an alarm's name as
 * they remember it, not as the notification quotes it; like a quoted name, it is only a
 * lead, read back from the AWS API before anything trusts what it watches.
 */
export function alarmNamesSpelledIn(text: string, names: readonly string[]): string[] {
  const said = ` ${wordsOf(text).join(" ")} `;
  return [
    ...new Set(
      names.filter((name) => {
        const words = wordsOf(name);
        return words.length >= MIN_SPELLED_NAME_WORDS && said.includes(` ${words.join(" ")} `);
      }),
    ),
  ];
}

/** The alarm names a ticket's `alarm:<name>` links carry (other AWS refs left out). */
export const alarmRefNames = (awsRefs: readonly string[]): string[] =>
  awsRefs.filter((r) => r.startsWith("alarm:")).map((r) => r.slice("alarm:".length));
