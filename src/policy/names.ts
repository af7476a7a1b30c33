import { AppError, ErrorCode } from "../domain/errors.ts";

/**
 * Team and service names, as policy files, kill switches and file paths spell them.
 * Names become file paths (teams/<team>.yaml), so nothing that could leave the directory.
 */
export const POLICY_NAME = /^[a-z0-9][a-z0-9._-]*$/;
export const POLICY_NAME_RULE = "lowercase letters, digits, '.', '_' or '-'";

/** Throws AppError BadInput when `name` is not a valid team or service name. */
export function checkPolicyName(kind: string, name: string): void {
  if (!POLICY_NAME.test(name)) {
    throw new AppError(
      ErrorCode.BadInput,
      `${kind} '${name}' is not a valid name (${POLICY_NAME_RULE})`,
    );
  }
}
