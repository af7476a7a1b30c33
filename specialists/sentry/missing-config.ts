import type { EvidenceCollector, SourceRef } from "../shared/collector.ts";
import type { SentryEventSummary, SentryIssueSummary } from "../tools.ts";

/**
 * Does an exception say that a required configuration value (an environment variable, a
 * setting, a secret) is missing? Code that reads a required value fails loudly on purpose
 * when the environment lacks it (`requireEnv`, envalid, pydantic settings, Django's
 * ImproperlyConfigured, Spring's unresolved placeholder): the code does what it was written
 * to do, and the remedy is the configuration, which a human owns.
 *
 * Read from the exception's type and message only (the issue's title and the event's
 * exception), never from its stack: frame order varies by SDK and by hand-written data.
 *
 * The vocabulary, each form an absence stated about configuration:
 * 1. an exception typed as missing configuration (`MissingEnvVarError`), or a
 *    configuration-typed exception (`ConfigError`, `ConfigurationException`,
 *    `MissingEnvVarError`, `EnvError`, `SettingsError`, `ImproperlyConfigured`,
 *    `ConfigurationErrorsException`) whose message says something is absent (not set,
 *    missing, required, undefined, empty, not configured, not found);
 * 2. a message naming a configuration thing as absent, whatever the type: "missing
 *    (required) environment variable", "env var X is not set", "config key x is missing",
 *    "required setting X", "secret X is not set", Spring's "Could not resolve
 *    placeholder", envconfig's "required key X missing value", Django's "Set the X
 *    environment variable";
 * 3. an environment-variable-shaped name (upper case with an underscore, `FOO_URL`)
 *    followed by "is not set", "must be set", "is missing", "is required", "is undefined",
 *    "is empty", "not configured".
 *
 * Deliberately not matched: "Cannot read properties of undefined" and other absences
 * about data (no configuration noun, no variable-shaped name), an `EnvironmentError`
 * (Python's alias of OSError), a configuration-typed exception about an invalid (present)
 * value, and a KeyError on a bare name (the message alone does not say it was the
 * environment that lacked it).
 */

/** Type names that say configuration, after any namespace (`a.b.`, `A::`, `A\`). */
const CONFIG_TYPE =
  /^(?:Missing)?(?:Config|Configuration|Settings?|Env|EnvVar|EnvironmentVariable)s?(?:Error|Exception)$|^ImproperlyConfigured$|^ConfigurationErrorsException$/;

/** Type names that say the absence themselves (`MissingEnvVarError: API_BASE`). */
const MISSING_CONFIG_TYPE =
  /^Missing(?:Config|Configuration|Settings?|Env|EnvVar|EnvironmentVariable)s?(?:Error|Exception)$/;

/** Words that say a value is absent (form 1, inside a configuration-typed exception). */
const ABSENT =
  /\b(?:not set|unset|missing|required|must be (?:set|provided|defined|configured)|undefined|not defined|not configured|not provided|empty|no value|not found)\b/i;

/** A configuration thing, as messages name it: unambiguous on its own. */
const NOUN =
  "(?:environment|env)[ _-]?var(?:iable)?s?|config(?:uration)?[ _-]?(?:keys?|values?|settings?|variables?|options?|entr(?:y|ies)|parameters?)";
/**
 * Words that name configuration only with a name after them or "required" before them:
 * "user settings missing" is about data, "setting MAIL_FROM is not set" is not.
 */
const WEAK_NOUN = "settings?|secrets?";
const ABSENCE =
  "(?:is |are |was )?(?:not set|unset|missing|required|not defined|undefined|not configured|empty|must be set)";

/** Form 2: a configuration thing said to be absent. */
const NAMED_ABSENT = [
  new RegExp(`\\b(?:missing|unset|undefined)\\s+(?:required\\s+)?(?:${NOUN})\\b`, "i"),
  new RegExp(`\\b(?:missing|unset|undefined)\\s+required\\s+(?:${WEAK_NOUN})\\b`, "i"),
  new RegExp(`\\b(?:${NOUN})\\s*:?\\s*['"\`]?[\\w.:/-]*['"\`]?\\s+${ABSENCE}\\b`, "i"),
  new RegExp(`\\b(?:${WEAK_NOUN})\\s+['"\`]?[\\w.:/-]+['"\`]?\\s+${ABSENCE}\\b`, "i"),
  /\brequired (?:environment variable|env var|config(?:uration)? (?:key|value|setting)|setting|secret)/i,
  /\bcould not resolve placeholder\b/i,
  /\brequired key \S+ missing value\b/i,
  /\bset the \S+ environment variable\b/i,
];

/** Form 3: an environment-variable-shaped name said to be absent (case-sensitive name). */
const VARIABLE_ABSENT =
  /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b['"`]?\s+(?:is (?:not set|unset|missing|required|undefined|not defined|empty|not configured)|not set|must be set|missing)\b/;

/** The exception type without its namespace. */
function bareType(type: string): string {
  return type.split(/[.:\\]+/).pop() ?? type;
}

/** One exception (type and message) says a required configuration value is missing. */
export function saysConfigMissing(type: string, message: string): boolean {
  const bare = bareType(type.trim());
  if (MISSING_CONFIG_TYPE.test(bare)) return true;
  if (CONFIG_TYPE.test(bare) && ABSENT.test(message)) return true;
  const text = `${type}: ${message}`;
  return NAMED_ABSENT.some((re) => re.test(text)) || VARIABLE_ABSENT.test(message);
}

/**
 * The issue says a required configuration value is missing: its recommended event's
 * exception, else its title (`Type: message`, as Sentry writes it).
 */
export function isMissingConfig(
  issue: Pick<SentryIssueSummary, "title">,
  event: SentryEventSummary | undefined,
): boolean {
  const exception = event?.exception;
  if (exception && saysConfigMissing(exception.type, exception.value)) return true;
  const [type, ...rest] = issue.title.split(": ");
  return rest.length > 0
    ? saysConfigMissing(type ?? "", rest.join(": "))
    : saysConfigMissing("", issue.title);
}

/**
 * Records, as a finding, that the issue says a required configuration value is missing,
 * and answers whether it does (the `new_exception` signal's `missingConfig`).
 */
export function noteMissingConfig(
  ev: Pick<EvidenceCollector, "finding">,
  issue: Pick<SentryIssueSummary, "title" | "shortId">,
  issueRef: SourceRef,
  event: SentryEventSummary | undefined,
): boolean {
  if (!isMissingConfig(issue, event)) return false;
  ev.finding({
    fact: `${issue.shortId} says a required configuration value is missing: a guard failing as written, so the remedy is setting the value (or rolling back), not changing the code`,
    source: issueRef,
  });
  return true;
}
