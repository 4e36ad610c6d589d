"""The documented revocation flow with boto3, against `cognito-conformance serve`.

Sign in (InitiateAuth USER_PASSWORD_AUTH), refresh (REFRESH_TOKEN_AUTH), RevokeToken; then GetUser
with either access token of the revoked family is refused with NotAuthorizedException, the refresh
token no longer refreshes, and the revoked access and ID tokens still verify offline against the
pool's JWKS (PyJWT), as Cognito's documentation says they do. Every answer must carry a request id.
"""

from common import (
    PASSWORD,
    Pool,
    check,
    client,
    expect_not_authorized,
    request_id,
    run,
    step,
    verify_offline,
    verify_tampered_fails,
)


def flow():
    idp = client()
    pool = Pool(idp, "boto3")
    step("pool, hosted domain, public client and confirmed user made with boto3")

    signed_in = idp.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": pool.username, "PASSWORD": PASSWORD},
    )
    request_id(signed_in, "InitiateAuth")
    first = signed_in["AuthenticationResult"]
    check(first["TokenType"] == "Bearer" and first["ExpiresIn"] == 3600, "sign-in result shape")
    refresh_token = first["RefreshToken"]
    step("InitiateAuth USER_PASSWORD_AUTH")

    refreshed = idp.initiate_auth(
        ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
    )
    request_id(refreshed, "InitiateAuth")
    second = refreshed["AuthenticationResult"]
    check("RefreshToken" not in second, "a refresh without rotation returns no new refresh token")
    check(second["AccessToken"] != first["AccessToken"], "the refresh issued a new access token")
    step("InitiateAuth REFRESH_TOKEN_AUTH")

    for tokens in (first, second):
        user = idp.get_user(AccessToken=tokens["AccessToken"])
        request_id(user, "GetUser")
        check(user["Username"] == pool.username, "GetUser before the revoke")
    step("GetUser accepts both access tokens before the revoke")

    request_id(idp.revoke_token(Token=refresh_token, ClientId=pool.client_id), "RevokeToken")
    step("RevokeToken")

    for tokens in (first, second):
        expect_not_authorized(
            lambda: idp.get_user(AccessToken=tokens["AccessToken"]), "GetUser", "Access Token has been revoked"
        )
    step("GetUser with either revoked access token: NotAuthorizedException 'Access Token has been revoked'")
    expect_not_authorized(
        lambda: idp.initiate_auth(
            ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
        ),
        "InitiateAuth REFRESH_TOKEN_AUTH",
        "Refresh Token has been revoked",
    )
    step("the revoked refresh token no longer refreshes")

    for tokens in (first, second):
        access = verify_offline(pool, tokens["AccessToken"], "access", pool.client_id)
        ident = verify_offline(pool, tokens["IdToken"], "id", pool.client_id)
        check(access["origin_jti"] == ident["origin_jti"], "access and ID token share the family's origin_jti")
        check(ident["cognito:username"] == pool.username, "ID token names the user")
    step("the revoked access and ID tokens still verify offline against the JWKS (PyJWT)")
    verify_tampered_fails(pool, first["AccessToken"])
    step("a token with a changed signature does not")

    pool.delete()
    step("pool deleted")


if __name__ == "__main__":
    run("boto3 revocation flow", flow)
