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
