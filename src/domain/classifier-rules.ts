import type { Rule } from "./classifier-rule.ts";
import { CODE_RULES } from "./classifier-rules-code.ts";
import { CODE_CACHE_RULES } from "./classifier-rules-code-cache.ts";
import { CODE_CONFIG_RULES } from "./classifier-rules-code-config.ts";
import { INFRA_RULES } from "./classifier-rules-infra.ts";
import { NO_IMPACT_RULES } from "./classifier-rules-no-impact.ts";
import { DATA_RULES, NOISE_RULES } from "./classifier-rules-other.ts";
import { RECURRENCE_RULES } from "./classifier-rules-recurrence.ts";
import { VENDOR_RULES } from "./classifier-rules-vendor.ts";

export type { Rule } from "./classifier-rule.ts";

/**
 * The classifier's rules as data, over the general evidence vocabulary (features in
 * classifier-features.ts): each names the class it argues for or against, its fixed
 * contribution in confidence points, a justification and the signals it rests on. A
 * class's evidence score is the signed sum of its fired rules; the strongest supporting
 * set of each class adds up to about 80–85, so a clean case clears the 70 floor with a
 * margin that one stated gap or conflict can erase. docs/evidence-vocabulary.md lists
 * them all (a test keeps it complete).
 */
export const RULES: readonly Rule[] = [
  ...CODE_RULES,
  ...CODE_CACHE_RULES,
  ...CODE_CONFIG_RULES,
  ...DATA_RULES,
  ...INFRA_RULES,
  ...VENDOR_RULES,
  ...NOISE_RULES,
  ...RECURRENCE_RULES,
  ...NO_IMPACT_RULES,
];
