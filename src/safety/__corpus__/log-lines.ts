/**
 * Generated log text for the redactor's benchmark and property tests: mostly clean lines
 * (request ids, UUIDs, SHAs, timestamps, epochs, log groups, stack frames, Sentry ids)
 * and, at a given rate, lines carrying a secret or personal data in a realistic context.
 */
import { createRng, FAKE, pick, type Rng } from "./fake-secrets.ts";

const SERVICES = ["intake-api", "billing-worker", "ledger", "notifications", "auth"];
const PATHS = ["/api/v1/users", "/api/v1/accounts", "/webhooks/stripe", "/healthz", "/api/v2/kyc"];
const HEX = "0123456789abcdef";
const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

function chars(rng: Rng, alphabet: string, n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += alphabet[Math.floor(rng() * alphabet.length)];
  return out;
}

function uuid(rng: Rng): string {
  const h = chars(rng, HEX, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

function timestamp(rng: Rng): string {
  const ms = 1727784000000 + Math.floor(rng() * 86_400_000);
  return new Date(ms).toISOString();
}

/** Clean lines: what most of a production log is. */
export function cleanLine(rng: Rng): string {
  const service = pick(rng, SERVICES);
  switch (Math.floor(rng() * 6)) {
    case 0:
      return `${timestamp(rng)} INFO [${service}] req_id=req_${chars(rng, ALNUM, 12)} ${pick(rng, ["GET", "POST"])} ${pick(rng, PATHS)}/${Math.floor(rng() * 1e6)} 200 ${Math.floor(rng() * 9000)} ${Math.floor(rng() * 900)}ms trace=${uuid(rng)}`;
    case 1:
      return `{"level":30,"time":${1727784000000 + Math.floor(rng() * 1e8)},"pid":${Math.floor(rng() * 9e4)},"hostname":"ip-10-0-${Math.floor(rng() * 255)}-${Math.floor(rng() * 255)}","reqId":"${uuid(rng)}","msg":"request completed","responseTime":${(rng() * 300).toFixed(2)},"release":"v2024.10.${Math.floor(rng() * 30)}"}`;
    case 2:
      return `    at ${pick(rng, ["UserService", "LedgerRepo", "KycClient"])}.${pick(rng, ["get", "post", "apply"])} (/app/src/${service}/index.ts:${Math.floor(rng() * 900)}:${Math.floor(rng() * 80)})`;
    case 3:
      return `${timestamp(rng)} ERROR sentry issue ${4_500_000_000 + Math.floor(rng() * 1e8)} PROJ-${chars(rng, "0123456789ABCDEF", 3)} release=${service}@1.${Math.floor(rng() * 40)}.${Math.floor(rng() * 9)} commit=${chars(rng, HEX, 40)} order=${Math.floor(rng() * 1e12)}`;
    case 4:
      return `${timestamp(rng)} WARN log_group=/aws/ecs/${service} stream=ecs/${service}/${chars(rng, HEX, 32)} queue_age_ms=${Math.floor(rng() * 1e6)} sha=${chars(rng, HEX, 7)}`;
    default:
      return `ts=${1727784000 + Math.floor(rng() * 1e5)} level=debug msg="job retried" job_id=job_${chars(rng, ALNUM, 10)} attempt=${Math.floor(rng() * 5)} duration_ms=${(rng() * 1e4).toFixed(1)} ip=10.${Math.floor(rng() * 255)}.${Math.floor(rng() * 255)}.${Math.floor(rng() * 255)}`;
  }
}

/** Lines that carry something the redactor must catch, in the contexts logs put them. */
export function secretLine(rng: Rng): string {
  const ts = timestamp(rng);
  switch (Math.floor(rng() * 12)) {
    case 0:
      return `${ts} DEBUG slack client token=${FAKE.slackBotToken(rng)}`;
    case 1:
      return `${ts} INFO headers={"authorization":"Bearer ${FAKE.jwt(rng)}","x-request-id":"${uuid(rng)}"}`;
    case 2:
      return `${ts} ERROR connect failed postgres://app:${FAKE.password(rng)}@db.internal:5432/prod`;
    case 3:
      return `${ts} INFO aws_access_key_id=${FAKE.awsAccessKeyId(rng)} aws_secret_access_key=${FAKE.awsSecretKey(rng)}`;
    case 4:
      return `${ts} WARN signup email=${FAKE.email(rng)} phone="${FAKE.phoneInternational(rng)}"`;
    case 5:
      return `${ts} ERROR charge failed card=${FAKE.cardNumber(rng)} iban=${FAKE.iban(rng)}`;
    case 6:
      return `${ts} DEBUG github push with ${FAKE.githubClassic(rng)}`;
    case 7:
      return `${ts} DEBUG {"apiKey": "${FAKE.apiKey(rng)}", "stripe": "${FAKE.stripeKey(rng)}"}`;
    case 8:
      return `${ts} INFO Cookie: session=${chars(rng, ALNUM, 32)}; csrf=${chars(rng, ALNUM, 16)}`;
    case 9:
      return `${ts} DEBUG linear ${FAKE.linearApiKey(rng)} sentry ${FAKE.sentryUserToken(rng)}`;
    case 10:
      return `${ts} INFO maps key=${FAKE.googleApiKey(rng)} contact (415) 555-${chars(rng, "0123456789", 4)}`;
    default:
      return `${ts} ERROR tls config ${FAKE.pemPrivateKey(rng).replace(/\n/g, "\\n")}`;
  }
}

/** About `targetBytes` of log lines, `secretRate` of them with a secret. */
export function generateLogText(targetBytes: number, seed = 4, secretRate = 0.01): string {
  const rng = createRng(seed);
  const lines: string[] = [];
  let bytes = 0;
  while (bytes < targetBytes) {
    const line = rng() < secretRate ? secretLine(rng) : cleanLine(rng);
    lines.push(line);
    bytes += line.length + 1;
  }
  return lines.join("\n");
}
