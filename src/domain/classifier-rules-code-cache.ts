import { releaseGrownEntries } from "./classifier-features-drivers.ts";
import type { Rule } from "./classifier-rule.ts";

/**
 * What a release did to a cache, read from the cache itself. A dependency climbing within
 * a rollout ties the release to a late symptom by timing (code.release_drove_dependency);
 * the size of each cached entry says what the release changed: it writes more per key.
 * That holds whatever else filled the cache: when traffic then widens the working set,
 * the two together explain a full cache and neither dismisses the other.
 */
export const CODE_CACHE_RULES: readonly Rule[] = [
  {
    id: "code.release_grew_cache_entries",
    class: "code_defect",
    effect: "supports",
    points: 25,
    explanation:
      "the cache's bytes per item stepped up within the release's rollout, before any rise in request volume, while the items it holds did not drop or rise first: the release writes larger entries, load it put on the cache whatever the traffic did afterwards (a surge that later widened the working set does not clear it)",
    match: releaseGrownEntries,
  },
];
