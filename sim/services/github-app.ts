import type { GithubData } from "./github-data.ts";
import { type Urls, user } from "./github-render.ts";

/**
 * The GitHub App side of the world: JWT checks for app-authenticated endpoints and the
 * `/app` and installation shapes @octokit/auth-app reads
 * (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app).
 */

type App = GithubData["app"];
type Installation = GithubData["installations"][number];

/** GitHub refuses app JWTs that live longer than ten minutes; allow a minute of skew. */
const MAX_JWT_LIFETIME_S = 660;

function decodeSegment(segment: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) throw new Error("not base64url");
  return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
}

/**
 * Checks an app JWT's structure: RS256 header, `iat`/`exp`/`iss` claims, `iss` naming
 * this app, a lifetime GitHub would accept, and a signature of RSA size. The signature
 * itself is not verified: the world does not hold the app's public key.
 * Returns GitHub's error message, or null when the token is acceptable.
 */
export function checkAppJwt(token: string, appId: number): string | null {
  const parts = token.split(".");
  if (parts.length !== 3) return "A JSON web token could not be decoded";
  let header: unknown;
  let claims: unknown;
  try {
    header = decodeSegment(parts[0]!);
    claims = decodeSegment(parts[1]!);
  } catch {
    return "A JSON web token could not be decoded";
  }
  const alg = (header as { alg?: unknown } | null)?.alg;
  if (alg !== "RS256") return "A JSON web token could not be decoded";
  const { iat, exp, iss } = (claims ?? {}) as { iat?: unknown; exp?: unknown; iss?: unknown };
  if (typeof iat !== "number" || typeof exp !== "number") {
    return "'Issued at' claim ('iat') and 'Expiration time' claim ('exp') are required";
  }
  if (exp - iat > MAX_JWT_LIFETIME_S) {
    return "'Expiration time' claim ('exp') is too far in the future";
  }
  if (exp <= iat) return "'Expiration time' claim ('exp') must be after 'Issued at' ('iat')";
  if (String(iss) !== String(appId)) return "Integration not found";
  // RS256 signatures are as long as the modulus: 256 bytes for the usual 2048-bit key.
  if (Buffer.from(parts[2]!, "base64url").length < 128) {
    return "A JSON web token could not be decoded";
  }
  return null;
}

/** A JWT-shaped bearer (three dot-separated segments) rather than a token. */
export function looksLikeJwt(token: string): boolean {
  return token.split(".").length === 3;
}

export function renderApp(app: App, installationsCount: number, urls: Urls, createdAt: string) {
  return {
    id: app.id,
    slug: app.slug,
    node_id: Buffer.from(`03:Integration${app.id}`).toString("base64"),
    client_id: `Iv1.${app.id.toString(16).padStart(16, "0")}`,
    owner: user(app.owner, urls, "Organization"),
    name: app.name,
    description: "",
    external_url: `${urls.web}/apps/${app.slug}`,
    html_url: `${urls.web}/apps/${app.slug}`,
    created_at: createdAt,
    updated_at: createdAt,
    permissions: app.permissions,
    events: app.events,
    installations_count: installationsCount,
  };
}

export function installationPermissions(app: App, installation: Installation) {
  return installation.permissions ?? app.permissions;
}

export function renderInstallation(
  app: App,
  installation: Installation,
  urls: Urls,
  createdAt: string,
) {
  return {
    id: installation.id,
    account: user(installation.account, urls, installation.account_type),
    access_tokens_url: `${urls.api}/app/installations/${installation.id}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url: `${urls.web}/organizations/${installation.account}/settings/installations/${installation.id}`,
    app_id: app.id,
    app_slug: app.slug,
    target_id: user(installation.account, urls).id,
    target_type: installation.account_type,
    permissions: installationPermissions(app, installation),
    events: app.events,
    created_at: createdAt,
    updated_at: createdAt,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    repository_selection: installation.repository_selection,
    suspended_by: null,
    suspended_at: null,
  };
}
