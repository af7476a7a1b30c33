import {
  releaseNeedsMissingConfig,
  releasePartlyNeedsMissingConfig,
} from "./classifier-features-config.ts";
import type { Rule } from "./classifier-rule.ts";

/**
 * A release that needs configuration its environment lacks. The deploy-correlation rules
 * rightly blame the release; these say what the remedy is. When all that the release broke
 * is a guard saying a required value is missing, the remedy is configuration (set the
 * value where the environment is defined, or roll back) and not a code change: the
 * classifier's remedy has no code change, and the gate exits NO_CODE_CHANGE. When only
 * part of it is, a code change would not fix it all: a competing explanation, for a human.
 */

/** The rule whose firing takes the code change out of a code defect's remedy. */
export const CONFIG_REMEDY_RULE = "code.release_needs_missing_config";

export const CODE_CONFIG_RULES: readonly Rule[] = [
  {
    id: CONFIG_REMEDY_RULE,
    class: "code_defect",
    effect: "supports",
    points: 10,
    explanation:
      "every exception the correlated release brought says a required configuration value (environment variable, setting, secret) is missing: the release's new code needs a value its environment lacks, and its guard fails as written. The release is the cause; the remedy is setting the value (or rolling back), which a human owns, not a code change",
    match: releaseNeedsMissingConfig,
  },
  {
    id: "code.release_partly_needs_missing_config",
    class: "code_defect",
    effect: "refutes",
    points: 15,
    explanation:
      "the correlated release brought an exception saying a required configuration value is missing besides others that do not: a code change would fix only part of what failed, and setting the value (or rolling back) may be the whole remedy; a human weighs them",
    match: releasePartlyNeedsMissingConfig,
  },
];
