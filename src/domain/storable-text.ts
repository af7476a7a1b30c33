/**
 * Text Postgres can store. `text` refuses U+0000 and `jsonb` refuses `\u0000` and
 * unpaired surrogates (`\ud800` alone): one such character in a ticket once failed the
 * transition commit that stores the run's context, and the run ended FAILED at
 * FETCH_LINEAR. Everything that comes from outside and may be stored passes here first:
 * NUL is dropped, a lone surrogate becomes U+FFFD (the replacement character).
 */
const NUL = "\u0000";
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function storableText(text: string): string {
  return text.replaceAll(NUL, "").replace(LONE_SURROGATE, "\uFFFD");
}

/**
 * A copy of `value` with every string, and every object key, made storable. Arrays and
 * plain objects are walked; other values are returned as they are.
 */
export function storableDeep<T>(value: T): T {
  if (typeof value === "string") return storableText(value) as T;
  if (Array.isArray(value)) return value.map((v) => storableDeep(v)) as T;
  if (
    value !== null &&
    typeof value === "object" &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [storableText(k), storableDeep(v)]),
    ) as T;
  }
  return value;
}
