import { describe, expect, it } from "vitest";
import { alarmNamesSpelledIn, quotedAlarmNamesIn } from "./alarm-notification.ts";

describe("quotedAlarmNamesIn", () => {
  it("reads the alarm an SNS e-mail quotes", () => {
    expect(
      quotedAlarmNamesIn(
        'You are receiving this because your Amazon CloudWatch Alarm\n"shop-api-5xx" in the US East region has entered the ALARM state.',
      ),
    ).toEqual(["shop-api-5xx"]);
  });

  it("reads the alarm a state-change notification quotes without saying CloudWatch", () => {
    expect(
      quotedAlarmNamesIn(
        'Alarm "shop-cache-evictions" in eu-west-1 changed state from OK to ALARM.\nAlarm "shop-cache-evictions" again',
      ),
    ).toEqual(["shop-cache-evictions"]);
  });

  it("ignores prose about an alarm", () => {
    expect(quotedAlarmNamesIn('the alarm "fired" twice; an alarm is noisy')).toEqual([]);
  });
});

describe("alarmNamesSpelledIn", () => {
  const names = ["shop-api-unhealthy-hosts", "shop-api-5xx", "high-cpu", "cart-api-latency"];

  it("finds an alarm whose name the ticket writes with other separators", () => {
    expect(
      alarmNamesSpelledIn("the shop-api unhealthy-hosts alarm flapped at 17:55", names),
    ).toEqual(["shop-api-unhealthy-hosts"]);
  });

  it("finds a name written exactly, and ignores words that are not adjacent", () => {
    expect(alarmNamesSpelledIn("shop-api-5xx fired; cart api is slow, latency too", names)).toEqual(
      ["shop-api-5xx"],
    );
  });

  it("never matches a short name that reads as a phrase", () => {
    expect(alarmNamesSpelledIn("high cpu on the shop hosts", names)).toEqual([]);
  });

  it("does not match a name inside longer words", () => {
    expect(alarmNamesSpelledIn("reshop-api-5xxx", names)).toEqual([]);
  });
});
