"""The knowledge-center article's commands, verbatim but for `--endpoint-url`, with the AWS CLI v1,
and the revocation endpoint's documented requests with curl, against `cognito-conformance serve`.

The article ("How do I revoke JWT tokens in Amazon Cognito using the AWS CLI?", re:Post
knowledge center `revoke-cognito-jwt-token`) signs in with `admin-initiate-auth ... --auth-flow
ADMIN_NO_SRP_AUTH`, revokes with `revoke-token --client-id ... --token ...` (no output), and shows
that the refresh token then fails with `NotAuthorizedException ... Refresh Token has been revoked`;
for a client with a secret it adds `SECRET_HASH` and `--client-secret`. The developer guide's
revocation endpoint page shows `POST /oauth2/revoke` with `token` and `client_id` in the form for a
public client, and `Authorization: Basic` with `token` alone for a client with a secret; a
successful answer is 200 with an empty body.

Credentials and region come from the environment (dummy values; scripts/sdk-tests.sh sets them).
Tokens, passwords and secrets go to the CLI and curl as arguments or on stdin, never to stdout.
"""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys

from common import (
    PASSWORD,
    REGION,
    Pool,
    check,
    client,
    endpoint,
    expect_not_authorized,
    request_id,
    run,
    step,
    verify_offline,
)

AWS = os.path.join(os.path.dirname(sys.executable), "aws")


def aws(*args):
    """Runs `aws --region us-east-1 cognito-idp ARGS --endpoint-url <serve>`; returns (exit code,
    stdout, stderr)."""
    command = [AWS, "--region", REGION, "cognito-idp", *args, "--endpoint-url", endpoint()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


def aws_ok(*args):
    code, out, err = aws(*args)
    check(code == 0, f"aws {args[0]} exited {code}: {_first_line(err)}")
    return out


def aws_refused(operation, message, *args):
    """The CLI's rendering of an AWS error: exit 255 (CLI v1's code for a failed call; v2 says 254)
    and the error on stderr."""
    code, out, err = aws(*args)
    expected = f"An error occurred (NotAuthorizedException) when calling the {operation} operation: {message}"
    check(code == 255, f"aws {args[0]}: exit {code}, expected 255 ({_first_line(err)})")
    check(expected in err, f"aws {args[0]}: stderr {_first_line(err)!r}, expected {expected!r}")
    check(out == "", f"aws {args[0]}: printed something on stdout")


def _first_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def secret_hash(pool):
    digest = hmac.new(
        pool.secret.encode(), (pool.username + pool.secret_client_id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def sign_in(pool, client_id, extra=""):
    out = aws_ok(
        "admin-initiate-auth",
        "--user-pool-id", pool.id,
        "--client-id", client_id,
        "--auth-parameters", f"USERNAME={pool.username},PASSWORD={PASSWORD}{extra}",
        "--auth-flow", "ADMIN_NO_SRP_AUTH",
    )  # fmt: skip
    result = json.loads(out)["AuthenticationResult"]
    check(result["TokenType"] == "Bearer", "admin-initiate-auth output")
    return result


def curl_revoke(pool, form, basic=None):
    """POST /oauth2/revoke on the pool's hosted domain, addressed by its real host name (curl's
    --connect-to sends it to serve). The request goes on stdin as a curl config, so no token or
    secret is on a command line. Returns (status, body)."""
    port = endpoint().rsplit(":", 1)[1]
    config = [
        f'url = "http://{pool.host}/oauth2/revoke"',
        f'connect-to = "{pool.host}:80:127.0.0.1:{port}"',
        'header = "Accept: application/json"',
        'header = "Content-Type: application/x-www-form-urlencoded"',
        f'data = "{form}"',
        'write-out = "\\n%{http_code}"',
        "silent",
        "show-error",
    ]
    if basic:
        config.append(f'user = "{basic[0]}:{basic[1]}"')
    done = subprocess.run(
        ["curl", "--config", "-"], input="\n".join(config), capture_output=True, text=True, timeout=60
    )
    check(done.returncode == 0, f"curl exited {done.returncode}: {done.stderr.strip()}")
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


def assert_family_dead(pool, client_id, tokens, extra=""):
    """The article's checks, with the CLI: get-user and its REFRESH_TOKEN_AUTH sign-in are refused;
    and the tokens still verify offline."""
    aws_refused(
        "GetUser", "Access Token has been revoked", "get-user", "--access-token", tokens["AccessToken"]
    )
    aws_refused(
        "AdminInitiateAuth",
        "Refresh Token has been revoked",
        "admin-initiate-auth",
        "--user-pool-id", pool.id,
        "--client-id", client_id,
        "--auth-parameters", f"REFRESH_TOKEN={tokens['RefreshToken']}{extra}",
        "--auth-flow", "REFRESH_TOKEN_AUTH",
    )  # fmt: skip
    verify_offline(pool, tokens["AccessToken"], "access", client_id)
    verify_offline(pool, tokens["IdToken"], "id", client_id)


def sign_in_boto3(pool, client_id, params=None):
    """Around the curl requests, sign-in and checks go through boto3 (each CLI call costs most of a
    second of start-up)."""
    answer = pool.idp.admin_initiate_auth(
        UserPoolId=pool.id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": pool.username, "PASSWORD": PASSWORD, **(params or {})},
    )
    request_id(answer, "AdminInitiateAuth")
    return answer["AuthenticationResult"]


def assert_family_dead_boto3(pool, client_id, tokens, params=None):
    expect_not_authorized(
        lambda: pool.idp.get_user(AccessToken=tokens["AccessToken"]), "GetUser", "Access Token has been revoked"
    )
    expect_not_authorized(
        lambda: pool.idp.admin_initiate_auth(
            UserPoolId=pool.id,
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], **(params or {})},
        ),
        "AdminInitiateAuth REFRESH_TOKEN_AUTH",
        "Refresh Token has been revoked",
    )
    verify_offline(pool, tokens["AccessToken"], "access", client_id)
    verify_offline(pool, tokens["IdToken"], "id", client_id)


def flow():
    pool = Pool(client(), "cli")
    step("pool, hosted domain, clients and confirmed user made with boto3")

    # The article, app client without a secret.
    tokens = sign_in(pool, pool.client_id)
    step("aws cognito-idp admin-initiate-auth --auth-flow ADMIN_NO_SRP_AUTH")
    out = aws_ok("revoke-token", "--token", tokens["RefreshToken"], "--client-id", pool.client_id)
    check(out == "", "revoke-token prints nothing")
    step("aws cognito-idp revoke-token --token ... --client-id ...: no output")
    assert_family_dead(pool, pool.client_id, tokens)
    step("then get-user and the article's REFRESH_TOKEN_AUTH check are refused; the tokens still verify offline")

    # The article, app client with a secret.
    extra = f",SECRET_HASH={secret_hash(pool)}"
    tokens = sign_in(pool, pool.secret_client_id, extra)
    out = aws_ok(
        "revoke-token",
        "--token", tokens["RefreshToken"],
        "--client-id", pool.secret_client_id,
        "--client-secret", pool.secret,
    )  # fmt: skip
    check(out == "", "revoke-token prints nothing")
    assert_family_dead(pool, pool.secret_client_id, tokens, extra)
    step("the same with a client secret (SECRET_HASH, --client-secret)")

    # The revocation endpoint, public client: token and client_id in the form.
    tokens = sign_in_boto3(pool, pool.client_id)
    status, body = curl_revoke(pool, f"token={tokens['RefreshToken']}&client_id={pool.client_id}")
    check((status, body) == (200, ""), f"/oauth2/revoke (public client): {status} {body!r}")
    assert_family_dead_boto3(pool, pool.client_id, tokens)
    step("curl POST /oauth2/revoke token=...&client_id=...: 200, empty; the family is dead")

    # The revocation endpoint, client with a secret: Basic credentials, token alone in the form.
    params = {"SECRET_HASH": secret_hash(pool)}
    tokens = sign_in_boto3(pool, pool.secret_client_id, params)
    status, body = curl_revoke(
        pool, f"token={tokens['RefreshToken']}", basic=(pool.secret_client_id, pool.secret)
    )
    check((status, body) == (200, ""), f"/oauth2/revoke (Basic): {status} {body!r}")
    assert_family_dead_boto3(pool, pool.secret_client_id, tokens, params)
    step("curl POST /oauth2/revoke with Authorization: Basic and token=...: 200, empty; the family is dead")

    pool.delete()
    step("pool deleted")


if __name__ == "__main__":
    run("AWS CLI and /oauth2/revoke (the article's commands)", flow)
