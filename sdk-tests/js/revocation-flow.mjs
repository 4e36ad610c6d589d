// The documented revocation flow with the AWS SDK for JavaScript v3 and aws-jwt-verify, against
// `cognito-conformance serve` (CC_SDK_ENDPOINT; scripts/sdk-tests.sh sets it and dummy credentials).
//
// Sign in (InitiateAuth USER_PASSWORD_AUTH), refresh (REFRESH_TOKEN_AUTH), RevokeToken; then GetUser
// with either access token of the revoked family is refused with NotAuthorizedException, the refresh
// token no longer refreshes, and the revoked access and ID tokens still verify offline with
// aws-jwt-verify's CognitoJwtVerifier against the pool's JWKS. Every answer must carry a request id
// (`$metadata.requestId`, from `x-amzn-RequestId`). Exits 1 on the first wrong answer; prints no
// token, password or secret.

import { randomBytes } from "node:crypto";
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserPoolCommand,
  GetUserCommand,
  InitiateAuthCommand,
  RevokeTokenCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { CognitoJwtVerifier } from "aws-jwt-verify";
import { JwtInvalidSignatureError } from "aws-jwt-verify/error";

const REGION = "us-east-1";
const PASSWORD = `Sdk-tests-${randomBytes(8).toString("hex")}!`;

class Failure extends Error {}

function check(condition, what) {
  if (!condition) throw new Failure(what);
}

function step(what) {
  console.log(`  ✓ ${what}`);
}

const endpoint = (process.env.CC_SDK_ENDPOINT ?? "").replace(/\/$/, "");
// No retries: a refused call must surface as the refusal.
const idp = new CognitoIdentityProviderClient({ region: REGION, endpoint, maxAttempts: 1 });

/** Sends a command and checks the answer carries a request id. */
async function send(command) {
  const output = await idp.send(command);
  const name = command.constructor.name.replace(/Command$/, "");
  check(output.$metadata.httpStatusCode === 200, `${name}: HTTP ${output.$metadata.httpStatusCode}`);
  check(
    typeof output.$metadata.requestId === "string" && output.$metadata.requestId.length > 0,
    `${name}: no x-amzn-RequestId header ($metadata.requestId is ${output.$metadata.requestId})`,
  );
  return output;
}

async function expectNotAuthorized(command, message) {
  const name = command.constructor.name.replace(/Command$/, "");
  try {
    await idp.send(command);
  } catch (error) {
    check(error.name === "NotAuthorizedException", `${name}: ${error.name}, expected NotAuthorizedException`);
    check(error.message === message, `${name}: message ${JSON.stringify(error.message)}`);
    check(error.$metadata?.httpStatusCode === 400, `${name}: status ${error.$metadata?.httpStatusCode}`);
    check(Boolean(error.$metadata?.requestId), `${name}: no request id on the error`);
    return;
  }
  throw new Failure(`${name} succeeded with a revoked token`);
}

async function flow() {
  check(endpoint !== "", "CC_SDK_ENDPOINT is not set (run scripts/sdk-tests.sh)");
  const suffix = randomBytes(4).toString("hex");
  const pool = await send(new CreateUserPoolCommand({ PoolName: `sdk-tests-js-${suffix}` }));
  const UserPoolId = pool.UserPool.Id;
  const created = await send(
    new CreateUserPoolClientCommand({
      UserPoolId,
      ClientName: "public",
      ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      EnableTokenRevocation: true,
    }),
  );
  const ClientId = created.UserPoolClient.ClientId;
  const Username = "alice";
  await send(
    new AdminCreateUserCommand({ UserPoolId, Username, TemporaryPassword: PASSWORD, MessageAction: "SUPPRESS" }),
  );
  await send(new AdminSetUserPasswordCommand({ UserPoolId, Username, Password: PASSWORD, Permanent: true }));
  step("pool, public client and confirmed user made with the SDK");

  const signedIn = await send(
    new InitiateAuthCommand({
      ClientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: Username, PASSWORD },
    }),
  );
  const first = signedIn.AuthenticationResult;
  check(first.TokenType === "Bearer" && first.ExpiresIn === 3600, "sign-in result shape");
  const RefreshToken = first.RefreshToken;
  step("InitiateAuth USER_PASSWORD_AUTH");

  const refreshed = await send(
    new InitiateAuthCommand({
      ClientId,
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: RefreshToken },
    }),
  );
  const second = refreshed.AuthenticationResult;
  check(second.RefreshToken === undefined, "a refresh without rotation returns no new refresh token");
  check(second.AccessToken !== first.AccessToken, "the refresh issued a new access token");
  step("InitiateAuth REFRESH_TOKEN_AUTH");

  for (const tokens of [first, second]) {
    const user = await send(new GetUserCommand({ AccessToken: tokens.AccessToken }));
    check(user.Username === Username, "GetUser before the revoke");
  }
  step("GetUser accepts both access tokens before the revoke");

  await send(new RevokeTokenCommand({ Token: RefreshToken, ClientId }));
  step("RevokeToken");

  for (const tokens of [first, second]) {
    await expectNotAuthorized(new GetUserCommand({ AccessToken: tokens.AccessToken }), "Access Token has been revoked");
  }
  step("GetUser with either revoked access token: NotAuthorizedException 'Access Token has been revoked'");
  await expectNotAuthorized(
    new InitiateAuthCommand({
      ClientId,
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: RefreshToken },
    }),
    "Refresh Token has been revoked",
  );
  step("the revoked refresh token no longer refreshes");

  // aws-jwt-verify checks issuer (from the pool id), token_use, client and expiry; the JWKS comes
  // from serve, since the verifier would otherwise fetch it from AWS.
  const jwks = await (await fetch(`${endpoint}/${UserPoolId}/.well-known/jwks.json`)).json();
  const accessVerifier = CognitoJwtVerifier.create({ userPoolId: UserPoolId, tokenUse: "access", clientId: ClientId });
  const idVerifier = CognitoJwtVerifier.create({ userPoolId: UserPoolId, tokenUse: "id", clientId: ClientId });
  accessVerifier.cacheJwks(jwks);
  idVerifier.cacheJwks(jwks);
  for (const tokens of [first, second]) {
    const access = await accessVerifier.verify(tokens.AccessToken);
    const id = await idVerifier.verify(tokens.IdToken);
    check(access.origin_jti === id.origin_jti, "access and ID token share the family's origin_jti");
    check(id["cognito:username"] === Username, "ID token names the user");
  }
  step("the revoked access and ID tokens still verify offline (aws-jwt-verify)");
  const [head, payload, signature] = first.AccessToken.split(".");
  const flipped = `${head}.${payload}.${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
  try {
    await accessVerifier.verify(flipped);
    throw new Failure("a token with a changed signature verified");
  } catch (error) {
    if (!(error instanceof JwtInvalidSignatureError)) throw error;
  }
  step("a token with a changed signature does not");

  await send(new DeleteUserPoolCommand({ UserPoolId }));
  step("pool deleted");
}

const NAME = "JavaScript SDK v3 + aws-jwt-verify revocation flow";
const started = performance.now();
try {
  await flow();
  console.log(`ok   ${NAME} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
} catch (error) {
  // A Failure is a wrong answer; anything else (an unexpected SDK error) gets its stack.
  console.error(`FAIL ${NAME}: ${error instanceof Failure ? error.message : error.stack}`);
  process.exit(1);
}
