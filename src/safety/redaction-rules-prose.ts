/**
 * Passwords told in words rather than assigned: `the password is hunter2`, `my pw: …`.
 * Support tickets and chat are written this way; the assignment rules need a `=` or `:`
 * right after a field name, and `pw` is too short a name for them.
 */
import { isNotASecret, type RedactionRule, replaceGroup } from "./redaction-rule-kit.ts";

/**
 * A word that could be a password: 4+ characters mixing a letter with a digit or a
 * symbol, or both cases. `password is incorrect`, `password was reset`, `pw: required`
 * stay; a path (`/home/me`) is not a password.
 */
function looksLikeAPassword(value: string): boolean {
  if (value.length < 4 || /^[/~.]/.test(value) || isNotASecret(value)) return false;
  if (!/[A-Za-z]/.test(value)) return false;
  return (
    /[0-9]/.test(value) ||
    /[^A-Za-z0-9]/.test(value) ||
    /[a-z][A-Z]|[A-Z][a-z]{0,64}[A-Z]/.test(value)
  );
}

/** The value, less trailing sentence punctuation, as a group of its own. */
const VALUE = String.raw`([^\s"'\x60]{1,128}?|"[^"\r\n]{1,128}"|'[^'\r\n]{1,128}')([.,;:!?)]*)(?=\s|$)`;

const passwordInProse: RedactionRule = {
  category: "password",
  keywords: ["pass", "pw"],
  pattern: new RegExp(
    String.raw`(\b(?:pass(?:word|wd|phrase)?|pwd?)[ \t]+(?:is|was)[ \t]+|\bpw[ \t]*[:=][ \t]*)${VALUE}`,
    "gi",
  ),
  replace: (m, hit) =>
    looksLikeAPassword(m.groups[1]!.replace(/^["']|["']$/g, ""))
      ? replaceGroup(m, 1, "password", hit)
      : undefined,
};

export const PROSE_RULES: readonly RedactionRule[] = [passwordInProse];
