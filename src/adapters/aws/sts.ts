import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { ErrorCode } from "../../domain/errors.ts";
import { type AwsConnection, awsClientConfig, traced } from "./client-config.ts";
import { awsErrorToAppError } from "./errors.ts";

/**
 * The AWS row of the tool inventory: STS GetCallerIdentity with the configured
 * credentials, checked against the configured account and region, so a key for the
 * wrong account (staging keys in production, say) is reported instead of silently
 * reading another account's metrics.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
export interface AwsProbeOptions extends AwsConnection {
  /** The 12-digit account the credentials must belong to, when configured. */
  expectedAccountId?: string;
}

export type AwsProbe =
  | { ok: true; account: string; arn: string; region: string }
  | { ok: false; reason: string; code: ErrorCode; retryable: boolean };

/** Commercial, GovCloud, China and ISO partitions: `eu-central-1`, `us-gov-west-1`, `cn-north-1`. */
const REGION = /^[a-z]{2}(-(gov|iso|isob|isof|isoe))?-[a-z]+-\d{1,2}$/;

export async function probeAws(options: AwsProbeOptions): Promise<AwsProbe> {
  if (!REGION.test(options.region)) {
    return {
      ok: false,
      reason: `AWS region '${options.region}' is not a region name (e.g. eu-central-1)`,
      code: ErrorCode.ConfigInvalid,
      retryable: false,
    };
  }
  const sts = traced(new STSClient(awsClientConfig(options)));
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    const account = identity.Account ?? "";
    const arn = identity.Arn ?? "";
    if (!account || !arn) {
      return {
        ok: false,
        reason: "STS GetCallerIdentity answered without an account or ARN",
        code: ErrorCode.UpstreamRejected,
        retryable: false,
      };
    }
    if (options.expectedAccountId && account !== options.expectedAccountId) {
      return {
        ok: false,
        reason: `credentials belong to account ${account}, not the configured ${options.expectedAccountId}`,
        code: ErrorCode.ConfigInvalid,
        retryable: false,
      };
    }
    return { ok: true, account, arn, region: options.region };
  } catch (error) {
    const appError = awsErrorToAppError(error, "STS GetCallerIdentity");
    const scoped = (error as { name?: string }).name === "SignatureDoesNotMatch";
    return {
      ok: false,
      reason: scoped
        ? `credentials were refused for region ${options.region}: ${appError.message}`
        : appError.message,
      code: appError.code,
      retryable: appError.retryable,
    };
  } finally {
    sts.destroy();
  }
}
