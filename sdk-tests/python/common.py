"""What the Python flows share: where serve is, a pool to sign in to, and the offline verifier.

Every check raises `Failure` (the programs exit non-zero on it); nothing here prints a token,
a password or a client secret.
"""

import os
import secrets
import sys
import time

import boto3
import botocore.exceptions
import jwt
from botocore.config import Config

REGION = "us-east-1"
PASSWORD = "Sdk-tests-" + secrets.token_hex(8) + "!"


class Failure(Exception):
    """A client got an answer a real Cognito would not give."""


def check(condition, what):
    if not condition:
        raise Failure(what)


def endpoint():
    """serve's address, from CC_SDK_ENDPOINT (scripts/sdk-tests.sh sets it)."""
    value = os.environ.get("CC_SDK_ENDPOINT")
    if not value:
        raise Failure("CC_SDK_ENDPOINT is not set (run scripts/sdk-tests.sh)")
    return value.rstrip("/")


def client():
    """A boto3 client for serve: the endpoint is the only thing that differs from AWS."""
    # No retries: a refused call must surface as the refusal, not as a slower retry of it.
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint(),
        region_name=REGION,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def request_id(response, operation):
    """The request id boto3 reads from `x-amzn-RequestId`; every AWS answer carries one."""
    metadata = response["ResponseMetadata"]
    check(metadata.get("HTTPStatusCode") == 200, f"{operation}: HTTP {metadata.get('HTTPStatusCode')}")
    try:
        value = metadata["RequestId"]
    except KeyError:
        raise Failure(f"{operation}: no x-amzn-RequestId header (ResponseMetadata['RequestId'] is missing)")
    check(bool(value), f"{operation}: empty x-amzn-RequestId")
    return value


def expect_not_authorized(call, operation, message):
    """`call` must fail as Cognito refuses a revoked token: NotAuthorizedException, `message`, 400,
    and a request id on the error too."""
    try:
        call()
    except botocore.exceptions.ClientError as error:
        code = error.response["Error"]["Code"]
        check(code == "NotAuthorizedException", f"{operation}: {code}, expected NotAuthorizedException")
        said = error.response["Error"]["Message"]
        check(said == message, f"{operation}: message {said!r}, expected {message!r}")
        check(error.response["ResponseMetadata"]["HTTPStatusCode"] == 400, f"{operation}: status")
        check(bool(error.response["ResponseMetadata"].get("RequestId")), f"{operation}: no request id on the error")
        return
    raise Failure(f"{operation} succeeded with a revoked token")


class Pool:
    """A pool with a hosted domain, a public client, a client with a secret and a confirmed user,
    made through the Cognito API itself (serve's admin API is that API)."""

    def __init__(self, idp, name):
        self.idp = idp
        suffix = secrets.token_hex(4)
        created = idp.create_user_pool(PoolName=f"sdk-tests-{name}-{suffix}")
        request_id(created, "CreateUserPool")
        self.id = created["UserPool"]["Id"]
        self.domain = f"sdk-{name}-{suffix}"
        request_id(idp.create_user_pool_domain(Domain=self.domain, UserPoolId=self.id), "CreateUserPoolDomain")
        flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        public = idp.create_user_pool_client(
            UserPoolId=self.id, ClientName="public", ExplicitAuthFlows=flows, EnableTokenRevocation=True
        )
        request_id(public, "CreateUserPoolClient")
        self.client_id = public["UserPoolClient"]["ClientId"]
        check(public["UserPoolClient"].get("EnableTokenRevocation") is True, "a new client has revocation on")
        confidential = idp.create_user_pool_client(
            UserPoolId=self.id, ClientName="confidential", ExplicitAuthFlows=flows, GenerateSecret=True
        )
        request_id(confidential, "CreateUserPoolClient")
        self.secret_client_id = confidential["UserPoolClient"]["ClientId"]
        self.secret = confidential["UserPoolClient"]["ClientSecret"]
        self.username = "alice"
        request_id(
            idp.admin_create_user(
                UserPoolId=self.id, Username=self.username, TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
            ),
            "AdminCreateUser",
        )
        request_id(
            idp.admin_set_user_password(
                UserPoolId=self.id, Username=self.username, Password=PASSWORD, Permanent=True
            ),
            "AdminSetUserPassword",
        )

    @property
    def issuer(self):
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.id}"

    @property
    def jwks_uri(self):
        return f"{endpoint()}/{self.id}/.well-known/jwks.json"

    @property
    def host(self):
        """The hosted domain's host name, as AWS names it."""
        return f"{self.domain}.auth.{REGION}.amazoncognito.com"

    def delete(self):
        request_id(self.idp.delete_user_pool_domain(Domain=self.domain, UserPoolId=self.id), "DeleteUserPoolDomain")
        request_id(self.idp.delete_user_pool(UserPoolId=self.id), "DeleteUserPool")


def verify_offline(pool, token, token_use, client_id):
    """Verifies a token as a resource server does, with PyJWT and the pool's JWKS only: signature,
    issuer, expiry, `token_use`, and the client (`aud` for ID tokens, `client_id` for access
    tokens). Revocation is invisible here, which is the point: a revoked token still verifies."""
    key = jwt.PyJWKClient(pool.jwks_uri, cache_keys=False).get_signing_key_from_jwt(token)
    options = {"require": ["exp", "iat", "iss", "sub", "token_use", "jti", "origin_jti"]}
    if token_use == "id":
        claims = jwt.decode(token, key, algorithms=["RS256"], issuer=pool.issuer, audience=client_id, options=options)
    else:
        claims = jwt.decode(
            token, key, algorithms=["RS256"], issuer=pool.issuer, options={**options, "verify_aud": False}
        )
        check(claims.get("client_id") == client_id, "access token: client_id claim")
    check(claims["token_use"] == token_use, f"token_use is {claims['token_use']!r}, expected {token_use!r}")
    check(claims["exp"] > time.time(), "token already expired")
    return claims


def verify_tampered_fails(pool, token):
    """The verifier above is not a rubber stamp: a token with a changed signature is refused."""
    head, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    try:
        verify_offline(pool, f"{head}.{payload}.{flipped}", "access", None)
    except jwt.InvalidSignatureError:
        return
    raise Failure("a token with a changed signature verified")


def run(name, flow):
    """Runs one flow; prints one line per step it passed and exits 1 on the first failure."""
    started = time.monotonic()
    try:
        flow()
    except Failure as failure:
        print(f"FAIL {name}: {failure}", file=sys.stderr)
        sys.exit(1)
    print(f"ok   {name} ({time.monotonic() - started:.1f} s)")


def step(what):
    print(f"  ✓ {what}")
