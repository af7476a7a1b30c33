import { describe, expect, it } from "vitest";
import { quotedAlarmNamesIn } from "./alarm-notification.ts";

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
