import { describe, expect, it } from "vitest";
import { createRng, FAKE, luhnFailingNumber } from "./__corpus__/fake-secrets.ts";
import {
  isPaymentCardNumber,
  isValidIban,
  passesLuhn,
  scanNumericLines,
} from "./redaction-checks.ts";

describe("payment card checks", () => {
  it("accept Luhn-valid numbers with an issuer prefix, 13–19 digits", () => {
    const rng = createRng(1);
    for (let i = 0; i < 50; i++) expect(isPaymentCardNumber(FAKE.cardNumber(rng))).toBe(true);
    expect(passesLuhn("79927398713")).toBe(true);
  });

  it("reject a wrong check digit, epochs and numbers no network issues", () => {
    const rng = createRng(2);
    for (let i = 0; i < 50; i++) expect(isPaymentCardNumber(luhnFailingNumber(rng))).toBe(false);
    expect(passesLuhn("79927398710")).toBe(false);
    // 1727784000123 passes Luhn-agnostic shape checks but starts with 1: an epoch in ms.
    expect(isPaymentCardNumber("1727784000123")).toBe(false);
    expect(isPaymentCardNumber(`9${"0".repeat(15)}`)).toBe(false);
    expect(isPaymentCardNumber("4111111111")).toBe(false);
  });
});

describe("IBAN check", () => {
  it("verifies mod 97 and the country's length", () => {
    const rng = createRng(3);
    for (let i = 0; i < 50; i++) expect(isValidIban(FAKE.iban(rng))).toBe(true);
    const valid = FAKE.iban(createRng(4));
    const last = valid.at(-1)!;
    const tampered = valid.slice(0, -1) + String((Number(last) + 1) % 10);
    expect(isValidIban(tampered)).toBe(false);
    expect(isValidIban(`${valid}0`)).toBe(false);
    expect(isValidIban(`ZZ${valid.slice(2)}`)).toBe(false);
  });
});

describe("scanNumericLines", () => {
  it("picks lines that may hold a card, phone or IBAN and skips timestamps and ids", () => {
    const lines = [
      "2024-10-01 12:34:56,123 INFO took 1234ms",
      "card 4111 1111 1111 1111",
      "ts=1727784000123 id=4509876543",
      "call (415) 555-2671",
      'GET / 200 5123 234 10.0.12.34 "v1.2.3"',
      "iban DE89370400440532013000",
      "1-800-555-0199",
    ];
    const text = lines.join("\n");
    const starts = scanNumericLines(text);
    const picked = starts.map((s) =>
      text.slice(s, text.indexOf("\n", s) === -1 ? undefined : text.indexOf("\n", s)),
    );
    expect(picked).toEqual([lines[1], lines[3], lines[5], lines[6]]);
  });
});
