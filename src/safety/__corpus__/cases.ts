/**
 * The redactor's corpus: what it must find (with counts per category) and what it must
 * leave exactly as it is. Secrets come from fake-secrets.ts, built at run time.
 */
import type { KeepCase, RecallCase } from "./case-types.ts";
import { PROBE_KEEP_CASES, PROBE_RECALL_CASES } from "./cases-probe.ts";
import { chars, createRng, FAKE, groupsOfFour, luhnFailingNumber } from "./fake-secrets.ts";

const rng = createRng(20241001);
const f = <K extends keyof typeof FAKE>(kind: K) => FAKE[kind](rng);
const HEX = "0123456789abcdef";

const bot = f("slackBotToken");
const user = f("slackUserToken");
const app = f("slackAppToken");
const hookPath = f("slackWebhookPath");
const ghs = `${"g"}hs_${chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 36)}`;
const ghp = f("githubClassic");
const pat = f("githubFineGrained");
const akid = f("awsAccessKeyId");
const akid2 = f("awsAccessKeyId");
const awsSecret = f("awsSecretKey");
const awsSecret2 = f("awsSecretKey");
const sessionToken = `FwoGZXIvYXdzE${chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 180)}`;
const stripe = f("stripeKey");
const whsec = `${"wh"}sec_${chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32)}`;
const lin = f("linearApiKey");
const sntrys = f("sentryOrgToken");
const sntryu = f("sentryUserToken");
const sentryHex = f("sentryHexToken");
const aiza = f("googleApiKey");
const jwt = f("jwt");
const jwt2 = f("jwt");
const pem = f("pemPrivateKey");
const pem2 = f("pemPrivateKey");
const pw = f("password");
const pw2 = f("password");
const key = f("apiKey");
const key2 = f("apiKey");
const email = f("email");
const email2 = f("email");
const intl = f("phoneInternational");
const national = f("phoneNational");
const card = f("cardNumber");
const card2 = f("cardNumber");
const iban = f("iban");
const iban2 = f("iban");
const basic = Buffer.from(`deploy:${pw2}`).toString("base64");
const dsnKey = chars(rng, HEX, 32);
const pemBody = (p: string) => p.split("\n")[3]!;

export const RECALL_CASES: RecallCase[] = [
  {
    name: "Slack bot token in a log line",
    text: `2024-10-01T12:00:00.000Z DEBUG slack client init token=${bot} team=T024BE7LD`,
    expect: { slack_token: 1 },
    secrets: [bot],
    keeps: ["token=", "team=T024BE7LD"],
  },
  {
    name: "Slack user token in JSON",
    text: `{"ok":true,"authed_user":{"id":"U012AB3CD","access_token":"${user}"}}`,
    expect: { slack_token: 1 },
    secrets: [user],
    keeps: ['"id":"U012AB3CD"'],
  },
  {
    name: "Slack app-level token in an env file",
    text: `SLACK_APP_TOKEN=${app}\nSLACK_LOG_LEVEL=debug`,
    expect: { slack_token: 1 },
    secrets: [app],
    keeps: ["SLACK_LOG_LEVEL=debug"],
  },
  {
    name: "Slack incoming webhook URL keeps its host",
    text: `webhook post failed: POST https://hooks.slack.com/services/${hookPath} 404`,
    expect: { slack_webhook: 1 },
    secrets: [hookPath, hookPath.split("/")[2]!],
    keeps: ["https://hooks.slack.com/services/", " 404"],
  },
  {
    name: "GitHub installation token in a git remote URL",
    text: `fatal: unable to access 'https://x-access-token:${ghs}@github.com/acme/api.git/': 403`,
    expect: { github_token: 1 },
    secrets: [ghs],
    keeps: ["https://x-access-token:", "@github.com/acme/api.git/"],
  },
  {
    name: "GitHub tokens in headers and env",
    text: `Authorization: token ${pat}\nGITHUB_TOKEN=${ghp}`,
    expect: { github_token: 2 },
    secrets: [pat, ghp],
  },
  {
    name: "AWS credentials file (multi-line)",
    text: `[default]\naws_access_key_id = ${akid}\naws_secret_access_key = ${awsSecret}\nregion = eu-west-1\n`,
    expect: { aws_access_key_id: 1, aws_secret_key: 1 },
    secrets: [akid, awsSecret],
    keeps: ["region = eu-west-1"],
  },
  {
    name: "STS AssumeRole response JSON",
    text: `{"Credentials":{"AccessKeyId":"${akid2}","SecretAccessKey":"${awsSecret2}","SessionToken":"${sessionToken}","Expiration":"2024-10-01T13:00:00Z"}}`,
    expect: { aws_access_key_id: 1, aws_secret_key: 1, api_key: 1 },
    secrets: [akid2, awsSecret2, sessionToken],
    keeps: ['"Expiration":"2024-10-01T13:00:00Z"'],
  },
  {
    name: "bare AWS secret next to its key id",
    text: `assumed role via aws sts: ${akid} ${awsSecret}`,
    expect: { aws_access_key_id: 1, aws_secret_key: 1 },
    secrets: [akid, awsSecret],
  },
  {
    name: "Stripe secret key in an SDK error and a webhook secret in env",
    text: `StripeAuthenticationError: Invalid API Key provided: ${stripe}\nSTRIPE_WEBHOOK_SECRET=${whsec}`,
    expect: { stripe_key: 2 },
    secrets: [stripe, whsec],
  },
  {
    name: "Linear API key as a raw Authorization header",
    text: `POST https://api.linear.app/graphql Authorization: ${lin}`,
    expect: { linear_api_key: 1 },
    secrets: [lin],
    keeps: ["https://api.linear.app/graphql"],
  },
  {
    name: "Sentry org and user tokens",
    text: `SENTRY_AUTH_TOKEN=${sntrys}\ncurl -H "Authorization: Bearer ${sntryu}" https://sentry.io/api/0/organizations/acme/issues/`,
    expect: { sentry_token: 2 },
    secrets: [sntrys, sntryu],
    keeps: ["https://sentry.io/api/0/organizations/acme/issues/"],
  },
  {
    name: "legacy 64-hex Sentry token after Bearer",
    text: `curl -H 'Authorization: Bearer ${sentryHex}' https://sentry.io/api/0/projects/`,
    expect: { sentry_token: 1 },
    secrets: [sentryHex],
  },
  {
    name: "Google API key in a query string",
    text: `GET https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=${aiza} 200`,
    expect: { google_api_key: 1 },
    secrets: [aiza],
    keeps: ["address=Main+St", "key="],
  },
  {
    name: "JWT in an Authorization header",
    text: `> GET /api/v1/me HTTP/1.1\n> Authorization: Bearer ${jwt}\n> Accept: application/json`,
    expect: { jwt: 1 },
    secrets: [jwt, jwt.split(".")[2]!],
    keeps: ["Authorization: Bearer ", "Accept: application/json"],
  },
  {
    name: "Cookie header with a JWT session and another cookie",
    text: `Cookie: session=${jwt2}; theme=dark; _ga=GA1.2.${chars(rng, "0123456789", 10)}`,
    expect: { jwt: 1, cookie: 2 },
    secrets: [jwt2, "dark"],
    keeps: ["session=", "theme=", "_ga="],
  },
  {
    name: "Set-Cookie keeps attributes",
    text: `< Set-Cookie: sid=${key}; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure; SameSite=Lax`,
    expect: { cookie: 1 },
    secrets: [key],
    keeps: ["sid=", "Path=/", "Expires=Wed, 21 Oct 2026 07:28:00 GMT", "HttpOnly", "SameSite=Lax"],
  },
  {
    name: "multi-line PEM private key in YAML",
    text: `tls:\n  cert: /etc/tls/cert.pem\n  key: |\n${pem
      .split("\n")
      .map((l) => `    ${l}`)
      .join("\n")}\n  ciphers: default`,
    expect: { private_key: 1 },
    secrets: [pemBody(pem), "PRIVATE KEY"],
    keeps: ["cert: /etc/tls/cert.pem", "ciphers: default"],
  },
  {
    name: "PEM key escaped inside a service-account JSON",
    text: JSON.stringify({
      type: "service_account",
      private_key: `${pem2}\n`,
      client_email: "deployer@acme-prod.iam.gserviceaccount.com",
    }),
    expect: { private_key: 1, email: 1 },
    secrets: [pemBody(pem2), "deployer@acme-prod"],
    keeps: ['"type":"service_account"'],
  },
  {
    name: "PEM key whose END line was cut off",
    text: `${pem.split("\n").slice(0, 5).join("\n")}`,
    expect: { private_key: 1 },
    secrets: [pemBody(pem)],
  },
  {
    name: "Postgres URL keeps scheme, user and host",
    text: `DATABASE_URL=postgres://app_user:${pw}@db.prod.internal:5432/app?sslmode=require`,
    expect: { password: 1 },
    secrets: [pw],
    keeps: ["postgres://app_user:", "@db.prod.internal:5432/app?sslmode=require"],
  },
  {
    name: "Redis URL with an empty user and an AMQP URL",
    text: `redis://:${pw2}@cache.internal:6379/0 amqps://worker:${key2}@mq.internal/vhost`,
    expect: { password: 2 },
    secrets: [pw2, key2],
    keeps: ["redis://:", "@cache.internal:6379/0", "amqps://worker:", "@mq.internal/vhost"],
  },
  {
    name: "libpq and ADO.NET connection strings",
    text: `host=db.internal port=5432 user=app password=${pw} dbname=app\nServer=tcp:db.example.net,1433;User ID=app;Password=${pw2};Encrypt=true`,
    expect: { password: 2 },
    secrets: [pw, pw2],
    keeps: ["dbname=app", "Encrypt=true", "User ID=app"],
  },
  {
    name: "Basic authorization header",
    text: `Authorization: Basic ${basic}`,
    expect: { authorization: 1 },
    secrets: [basic],
    keeps: ["Authorization: Basic "],
  },
  {
    name: "AWS SigV4 authorization header",
    text: `authorization: AWS4-HMAC-SHA256 Credential=${akid}/20241001/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=${chars(rng, HEX, 64)}`,
    expect: { aws_access_key_id: 1, authorization: 1 },
    secrets: [akid, "Signature="],
  },
  {
    name: "bearer token outside a header",
    text: `calling upstream with bearer ${key}`,
    expect: { bearer_token: 1 },
    secrets: [key],
  },
  {
    name: "x-api-key header and api_key query parameter",
    text: `x-api-key: ${key}\nGET /v1/search?q=shoes&api_key=${key2}&page=2`,
    expect: { api_key: 2 },
    secrets: [key, key2],
    keeps: ["q=shoes", "&page=2"],
  },
  {
    name: "apiKey and password fields in JSON",
    text: `{"apiKey": "${key}", "password":"${pw}", "requestId": "req_01HF3Z8K9Q2W7E4R5T6Y"}`,
    expect: { api_key: 1, password: 1 },
    secrets: [key, pw],
    keeps: ['"requestId": "req_01HF3Z8K9Q2W7E4R5T6Y"'],
  },
  {
    name: "escaped JSON inside a log message",
    text: `level=error msg="upstream rejected" body="{\\"client_secret\\":\\"${key2}\\",\\"user\\":\\"svc\\"}"`,
    expect: { secret: 1 },
    secrets: [key2],
    keeps: ['\\"user\\":\\"svc\\"'],
  },
  {
    name: "YAML and flow-map values that look like words",
    text: `token: ${key}\nconfig: {password: Winter, apiKey: ${key2}}`,
    expect: { api_key: 2, password: 1 },
    secrets: [key, key2, "Winter"],
  },
  {
    name: "quoted password with spaces and an unclosed quote",
    text: `DB_PASSWORD="${pw} and more"\nPGPASSWORD='${pw2}`,
    expect: { password: 2 },
    secrets: [pw, pw2, "and more"],
  },
  {
    name: "email in a stack trace",
    text: `Error: no account for ${email}\n    at AccountService.find (/app/src/accounts/service.ts:42:11)\n    at async Promise.all (index 0)`,
    expect: { email: 1 },
    secrets: [email],
    keeps: ["(/app/src/accounts/service.ts:42:11)"],
  },
  {
    name: "mailto link and a second address",
    text: `<a href="mailto:${email2}">support</a> cc: ${email}`,
    expect: { email: 2 },
    secrets: [email, email2],
  },
  {
    name: "international, national and labelled phone numbers",
    text: `callback requested to ${intl}; alt ${national}; {"phone_number":"4155550123"}`,
    expect: { phone: 3 },
    secrets: [intl, national, "4155550123"],
    keeps: ['"phone_number":"'],
  },
  {
    name: "card numbers grouped, dashed and compact",
    text: `charge declined card=${groupsOfFour(card)} retry with ${groupsOfFour(card2, "-")}; {"pan":"${card}"}`,
    expect: { payment_card: 3 },
    secrets: [card, groupsOfFour(card), groupsOfFour(card2, "-")],
  },
  {
    name: "IBANs compact and grouped",
    text: `payout to ${iban} failed; fallback ${groupsOfFour(iban2)} (manual review)`,
    expect: { iban: 2 },
    secrets: [iban, groupsOfFour(iban2)],
    keeps: ["(manual review)"],
  },
  {
    name: "findings glued to each other",
    text: "415.555.0100+49 30 1234567 and +1 415 555 2671+44 20 7946 0958; ops@example.com+oncall@example.org",
    expect: { phone: 4, email: 2 },
    secrets: ["0100", "1234567", "2671", "0958", "ops@", "oncall@"],
  },
  {
    name: "one line carrying several categories",
    text: `user=${email} phone=${intl} card=${card} token=${bot} from 10.0.4.17 req_id=req_9f8e7d`,
    expect: { email: 1, phone: 1, payment_card: 1, slack_token: 1 },
    secrets: [email, intl, card, bot],
    keeps: ["from 10.0.4.17 req_id=req_9f8e7d"],
  },
  ...PROBE_RECALL_CASES,
];

export const KEEP_CASES: KeepCase[] = [
  {
    name: "request ids",
    text: "req_id=req_01HF3Z8K9Q2W7E4R5T6Y request_id=550e8400-e29b-41d4-a716-446655440000",
  },
  {
    name: "trace and span ids",
    text: "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
  },
  {
    name: "Sentry issue ids",
    text: "Sentry issue 4509876543 (PROJ-1A2, INTAKE-API-3F) first seen in release intake-api@2.14.0",
  },
  {
    name: "versions",
    text: "release v2024.10.1 node v20.11.1 pkg 1.2.3 image acme/api:1.14.2-rc.1",
  },
  {
    name: "commit SHAs short and long",
    text: `deployed ${chars(rng, HEX, 7)} (full ${chars(rng, HEX, 40)}) base=${chars(rng, HEX, 12)}`,
  },
  { name: "content digest", text: `image digest sha256:${chars(rng, HEX, 64)}` },
  {
    name: "log group and stream names",
    text: "log_group=/aws/ecs/intake-api stream=ecs/api/4bf92f3577b34da6a3ce929d0e0e4736 /aws/lambda/OrderServiceProdHandlerFunc1",
  },
  {
    name: "AWS ARN with account id",
    text: "arn:aws:iam::123456789012:role/prode-readonly in us-east-1",
  },
  {
    name: "ISO 8601 and other timestamps",
    text: "2024-10-01T12:34:56.789Z 2024-10-01T12:34:56+05:30 2024-10-01 12:34:56,123 01/Oct/2024:12:00:00 +0000",
  },
  {
    name: "epoch seconds, millis, micros, nanos",
    text: "ts=1727784000 t=1727784000123 us=1727784000123456 ns=1727784000123456789",
  },
  {
    name: "Sentry DSNs are public",
    text: `SENTRY_DSN=https://${dsnKey}@o123456.ingest.sentry.io/4504567 dsn="https://${dsnKey}@o1.ingest.us.sentry.io/2"`,
  },
  {
    name: "order numbers that fail Luhn",
    text: `order ${luhnFailingNumber(rng)} refund ${luhnFailingNumber(rng)}`,
  },
  {
    name: "Stripe publishable key is public",
    text: `pk_${"live"}_${chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij0123456789", 24)}`,
  },
  {
    name: "access log line",
    text: '10.0.12.34 - - [01/Oct/2024:12:00:00 +0000] "GET /api/v1/users/123 HTTP/1.1" 200 5123 234 "-" "okhttp/4.12.0"',
  },
  {
    name: "hosts, ports, IPs",
    text: "connect db.internal:5432 from 10.0.1.23:53211 via 192.168.100.1",
  },
  {
    name: "durations and counters",
    text: "took 1234.56ms (+15ms) retries=3 queue_age_ms=120000 amount=1999 tokens: 512 max_tokens=4096",
  },
  {
    name: "node stack trace with package versions",
    text: "    at Object.<anonymous> (/app/node_modules/.pnpm/lodash@4.17.21/node_modules/lodash/lodash.js:10:5)\n    at @slack/web-api@8.2.0 (internal)",
  },
  { name: "git SSH remote", text: "git@github.com:acme/intake-api.git" },
  {
    name: "prose about credentials",
    text: "password reset requested for user 42; the bearer token expired; rotate the api key; set-cookie missing",
  },
  {
    name: "OAuth token metadata",
    text: '{"token_type": "Bearer", "expires_in": 3600, "scope": "read"}',
  },
  {
    name: "placeholders and env references",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style reference, on purpose
    text: "password=${DB_PASSWORD} token={{ secrets.SLACK_BOT_TOKEN }} api_key=$API_KEY secret=null",
  },
  {
    name: "kubernetes names",
    text: "pod intake-api-7d9f8b6c5-x2k4p node ip-10-0-1-23.eu-west-1.compute.internal",
  },
  { name: "Datadog trace id", text: "dd.trace_id=1234567890123456789 dd.span_id=987654321" },
  {
    name: "type annotations in quoted code",
    text: "const githubToken: RedactionRule = {\n  apiKey: string;\n  password?: Secret,\n}",
  },
  { name: "YAML block scalar marker", text: "  private_key: |\n  password: >-" },
  { name: "empty and whitespace", text: " \n\t\n" },
  ...PROBE_KEEP_CASES,
];
