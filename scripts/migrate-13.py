#!/usr/bin/env python3
"""Issue 13's one-off migration: scenario files with per-expectation `evidence`/`source` strings
become files that name claims of `scenarios/claims.toml`, with the default client, user and
session left implicit and the suite-wide checks (no-echo, no-5xx, typed-errors) implied.

Reads the OLD files from git (`git show main:scenarios/<f>`), writes the new files,
`scenarios/claims.toml` and `harness/tests/data/expectations-before-13.json`, then verifies the
migration (every old expectation survives with its grade) and prints a summary.

    python3 scripts/migrate-13.py [--base main]
"""
import collections, glob, json, os, re, subprocess, sys, tomllib

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
BASE = sys.argv[sys.argv.index('--base') + 1] if '--base' in sys.argv else 'main'
RANK = {'inferred': 0, 'aws-seen': 1, 'documented': 2}
KINDS = ['status', 'error_type', 'message', 'message_one_of', 'oauth_error', 'body', 'body_has', 'header',
         'claim', 'offline', 'no_echo', 'no_server_error', 'typed_error']
MODIFIERS = ['present', 'equals', 'differs', 'contains']


def git(*args):
    return subprocess.run(['git', '-C', ROOT, *args], check=True, capture_output=True, text=True).stdout


def old_files():
    names = [n for n in git('ls-tree', '--name-only', f'{BASE}:scenarios').split()
             if n.endswith('.toml') and n != 'KILLS.toml']
    return {n[:-5]: git('show', f'{BASE}:scenarios/{n}') for n in sorted(names)}


def action_of(step):
    keys = [k for k in step if k not in ('name', 'expect', 'capture', 'settle', 'comment')]
    return keys[0] if keys else '?'


# ---------------------------------------------------------------------------------------------
# The mapping: (scenario, step, check kind, value, grade, old source) -> claim id.
# ---------------------------------------------------------------------------------------------

def classify(scn, step, kind, val, ev, src, action):
    s = src
    has = lambda *words: all(w in s for w in words)
    if kind == 'no_echo':
        return 'no-echo-seen' if ev == 'aws-seen' else None  # inferred: the suite-wide check
    if kind == 'claim':
        name = val['claim']
        if 'test_jti_in_tokens' in s: return 'jti-origin-jti-seen'
        if 'test_initiate_auth_REFRESH_TOKEN' in s: return 'id-token-claims-seen'
        if 'with_email' in s: return 'username-is-sub'
        if 'test_initiate_auth_USER_PASSWORD_AUTH' in s or 'test_scope_in_access_token' in s:
            return 'access-token-claims-seen'
        if 'Q11' in s: return 'Q11'
        if 'Q6' in s: return 'Q6'
        if 'Q10' in s: return 'Q10'
        if '§4.5' in s: return 'refresh-token-opaque'
        if 'auth_time stays' in s: return 'auth-time-kept'
        if 'CreateUserPoolClient' in s: return 'revocation-on-by-default'
        if 'claims added when revocation' in s: return 'no-origin-jti-without-revocation'
        if 'same origin_jti' in s: return 'origin-jti-kept'
        if name in ('jti', 'origin_jti') and val.get('present') is True: return 'jti-claims'
        if s.startswith('DG-ACCESS'): return 'access-token-claims'
        if s.startswith('DG-ID'): return 'id-token-claims'
    if kind == 'offline':
        return 'E7' if 'E7' in s else 'jwks-verify'
    if kind == 'header':
        return 'E8' if 'DG-USERINFO' in s else 'wire-error-format'
    if kind in ('body', 'body_has'):
        if val.get('body') == 'empty-or-empty-object': return 'Q1'
        if val.get('body') == 'empty': return 'hosted-revoke'
        if '§1.3' in s: return 'error-body-shape'
        if '§8.4' in s: return 'S8.4'
        if 'localstack #8462' in s: return 'refresh-result-seen'
        if 'rotation' in s: return 'refresh-omits-refresh-token'
        if 'DG-HASH' in s: return 'secret-hash-formula' if val.get('present', True) else 'secret-hash-required'
        if '§8.1' in s: return 'E1'
        if 'client_secret_post' in s: return 'token-invalid-client'
        if 'InitiateAuth AuthenticationResult' in s: return 'sign-in-tokens'
        if has('DG-TOKEN, DG-REFRESH') or 'MODEL AdminInitiateAuth' in s: return 'refresh-works'
    if kind in ('message', 'message_one_of'):
        if '§5' in s: return 'secret-hash-refused'
        if 'aws-sdk-cpp #1789' in s and kind == 'message': return 'invalid-refresh-token'
        if kind == 'message_one_of': return 'different-client-message' if ev == 'aws-seen' else 'foreign-client-message'
        if 'amplify-js #3540; spec §6.1' == s: return 'sign-out-twice'
        if ev == 'aws-seen': return 'sign-out-refresh-message'
        if ev == 'documented': return 'sign-out-access-message'
        if s in ('spec §6.1', 'amplify-swift #3344; spec §6.1'): return 'sign-out-ignores-revocation-flag'
        if 'E3' in s: return 'E3'
        if 'E1' in s: return 'E1-message'
        if 'E4' in s: return 'E4-message'
    if kind == 'error_type':
        if '§5' in s and ev == 'aws-seen': return 'secret-hash-refused'
        if '§1.6' in s: return 'wire-error-format'
        if 'amplify-js #3540' in s: return 'sign-out-twice'
        if 'identity-broker #538' in s: return 'altered-access-token-refused'
        if 'aws-sdk-cpp #1789; spec §3' == s: return 'invalid-refresh-token'
        if '§8.4' in s or 'aws-sdk-js #4016' in s: return 'S8.4'
        if ev == 'aws-seen': return 'E1-type'
        if 'E9' in s: return 'E9'
        if 'E4' in s: return 'E4'
        if ev == 'documented' and 'AdminUserGlobalSignOut' in s or 'MODEL GlobalSignOut' in s: return 'sign-out'
        if has('DG-REVOKE, MODEL; spec §6.1'): return 'disable-user-revokes'
        if 'E3' in s: return 'E3'
        if '§8.5' in s and 'MODEL error list' in s: return 'get-tokens-needs-secret-type'
        if 'Q2' in s: return 'Q2'
        if 'R6' in s: return 'R6-error'
        if 'R5' in s: return 'R5'
        if '§1.5' in s: return 'R4'
    if kind == 'oauth_error':
        if 'Q13' in s: return 'Q13'
        if '§8.4' in s: return 'S8.4-paths'
        if ev == 'inferred' and '§8.6' in s: return 'basic-malformed'
        if 'E2' in s: return 'E2'
        if 'DG-TOKEN' in s: return 'token-invalid-client'
        if 'unsupported_token_type' in val['oauth_error']: return 'hosted-unsupported-token-type'
        if val['oauth_error'] == 'invalid_client': return 'hosted-invalid-client'
        if 'revocation disabled' in s: return 'R6-hosted'
        if 'token missing' in s: return 'hosted-missing-token'
    if kind == 'status':
        code = val['status']
        if ev == 'aws-seen':
            if '§1.6' in s: return 'wire-error-format'
            if 'identity-broker #538' in s: return 'altered-access-token-refused'
            if 'aws-sdk-cpp #1789' in s: return 'invalid-refresh-token'
            if 'aws-sdk-js #4016' in s: return 'S8.4'
            if '§5' in s: return 'secret-hash-cognito-username'
        if ev == 'inferred':
            for q in ('Q15', 'Q13', 'Q7', 'Q6', 'Q5', 'Q4'):
                if re.search(q + r'\b', s): return q
            if 'Q8' in s: return 'Q8' if 'DG-REVEP' in s else 'Q8-token'
            if 'Q3' in s: return 'Q3'
            if 'Q2' in s: return 'Q2'
            if 'R8' in s: return 'R8'
            if 'form-urlencoded' in s: return 'hosted-revoke-form-only'
            if '§1.1' in s: return 'sigv4-ignored'
            if '§6.3' in s: return 'linked-as-none'
            if 'R4' in s or 'ClientSecretType' in s: return 'R4'
            if 'R5' in s: return 'R5'
            if 'R6' in s: return 'R6-error'
            if 'RFC 7009' in s: return 'hosted-other-client'
            if 'appsync' in s: return 'userinfo-api-token'
            if '§8.4' in s: return 'S8.4-paths'
            if 'moto test_admin_user_global_sign_out_twice' in s: return 'admin-sign-out-twice'
            if '§6.1' in s: return 'sign-out-ignores-revocation-flag'
            if '§8.6' in s: return 'basic-for-public-client'
        if ev == 'documented':
            if scn == 'oauth-revoke-disabled-client-invalid-request' and code == 400: return 'R6-hosted'
            if scn == 'oauth-revoke-missing-token-invalid-request' and code == 400: return 'hosted-missing-token'
            if scn == 'oauth-revoke-id-token-unsupported' and code == 400: return 'hosted-unsupported-token-type'
            if 'oidc-client-ts #262' in s: return 'hosted-unsupported-token-type'
            if 'CreateUserPoolClient' in s: return 'revocation-on-by-default'
            if '§8.12' in s: return 'S8.12'
            if 'E6' in s or 'other refresh tokens are not affected' in s: return 'E6'
            if '§8.10' in s and 'MODEL' not in s: return 'S8.10'
            if '§8.8' in s: return 'S8.8'
            if 'R6' in s or 'revocation enabled' in s: return 'R6'
            if 'R7' in s: return 'R7'
            if 'E9' in s or 'R12' in s: return 'E9'
            if 'E8' in s or 'DG-USERINFO' in s: return 'E8'
            if 'E5' in s: return 'E5'
            if 'E2' in s: return 'E2'
            if 'R1' in s and code == 200: return 'R1'
            if ('R1' in s or 'E1' in s) and code == 400: return 'E1'
            if 'raw ClientSecret' in s and action == 'revoke_token': return 'R1'
            if 'GetTokensFromRefreshToken' in s and code == 400: return 'get-tokens-needs-secret'
            if 'DG-HASH' in s: return 'secret-hash-formula' if code == 200 else 'secret-hash-required'
            if 'GlobalSignOut needs' in s: return 'sign-out-needs-live-token'
            if 'AdminDisableUser revokes' in s: return 'disable-user-revokes'
            if 'AdminDisableUser' in s or 'AdminEnableUser' in s or 'UpdateUserPoolClient' in s: return 'admin-ops'
            if 'GlobalSignOut' in s: return 'sign-out'
            if 'MODEL RevokeTokenRequest' in s or 'TokenModelType' in s or 'ClientSecretType' in s \
                    or 'form-urlencoded' in s: return 'malformed-revoke-keeps-token'
            if '§8.5' in s or '§8.6' in s or 'invalid_client' in s: return 'revoke-needs-secret'
            if 'not a valid token' in s or 'already revoked' in s or 'invalid token' in s: return 'hosted-revoke-no-oracle'
            if 'DG-REVEP' in s or 'current example sends both' in s: return 'hosted-revoke'
            if code == 200 and ('DG-REFRESH' in s or 'DG-TOKEN' in s or 'MODEL AdminInitiateAuth' in s
                                or 'MODEL InitiateAuth' in s or 'GetTokensFromRefreshToken' in s):
                return 'refresh-works'
    return '?'


def load_old():
    """Scenario id -> (text, data, [ (step index, step name, kind, value dict, grade, source, action) ])."""
    out = {}
    for sid, text in old_files().items():
        data = tomllib.loads(text)
        assert data.get('id', sid) == sid, sid
        exps = []
        for i, step in enumerate(data.get('steps', [])):
            for e in step.get('expect', []):
                kinds = [k for k in KINDS if k in e]
                assert len(kinds) == 1, (sid, e)
                val = {k: v for k, v in e.items() if k not in ('evidence', 'source')}
                exps.append((i, step.get('name', f'step{i + 1}'), kinds[0], val, e['evidence'], e['source'],
                             action_of(step)))
        out[sid] = (text, data, exps)
    return out


# ---------------------------------------------------------------------------------------------
# The claims, in the order claims.toml lists them: id -> what a person reads.
# Grades come from the expectations each replaces (the script checks they agree); sources are
# merged from their old `source` strings. The suite-wide claims have fixed sources.
# ---------------------------------------------------------------------------------------------

SUITE_WIDE = {
    'no-echo': ('inferred', 'No answer quotes a token, secret or hash the scenario knows: the model marks Token, '
                'ClientId and ClientSecret sensitive, and validation messages leave sensitive values out',
                'MODEL (Token, ClientId, ClientSecret marked sensitive); spec §1.5, §8.5, §8.14'),
    'no-5xx': ('inferred', 'Bad input is never a server error: no answer is HTTP 5xx',
               'MODEL (InternalErrorException is the only fault); spec §1.3, §8.5'),
    'typed-errors': ('inferred', 'An error answer names its error: `__type` for the API, OAuth `error` for the '
                     'hosted endpoints', 'MODEL awsJson1_1 errors, DG-REVEP, DG-TOKEN; spec §1.3, §1.6, §2.1, §2.2'),
}

SAYS = [
    # §1.4 rows
    ('R1', 'RevokeToken of a valid refresh token by its issuing client (with its raw ClientSecret when it has one) '
           'answers HTTP 200'),
    ('R4', 'A RevokeToken that breaks the model (no Token or ClientId, a token outside the pattern, a ClientSecret '
           'shorter than 24 characters) is a validation error: HTTP 400 InvalidParameterException'),
    ('R5', 'RevokeToken refuses an access or ID token: HTTP 400 UnsupportedTokenTypeException'),
    ('R6', 'A client with revocation disabled revokes nothing, through RevokeToken or /oauth2/revoke'),
    ('R6-error', 'RevokeToken on a client with revocation disabled answers HTTP 400 UnsupportedOperationException'),
    ('R6-hosted', '/oauth2/revoke on a client with revocation disabled answers 400 invalid_request'),
    ('R7', 'Only the issuing client revokes: a revoke naming another client of the pool, or an unknown client, '
           'revokes nothing'),
    ('R8', 'A RevokeToken naming a client of another pool revokes nothing in either pool'),
    # §3 rows
    ('E1', 'A revoked refresh token no longer refreshes on any path: HTTP 400, no tokens'),
    ('E1-type', 'A refresh with a revoked refresh token (after RevokeToken, sign-out or AdminDisableUser) answers '
                'NotAuthorizedException'),
    ('E1-message', 'A refresh after RevokeToken answers the message "Refresh Token has been revoked"'),
    ('E2', '/oauth2/token with a revoked refresh token answers 400 invalid_grant'),
    ('E3', 'GetTokensFromRefreshToken with a revoked refresh token answers NotAuthorizedException '
           '"Refresh Token has been revoked"'),
    ('E4', 'Every access token of a revoked family (the first and every refreshed one) is refused: '
           'NotAuthorizedException'),
    ('E4-message', 'An access token of a family revoked by RevokeToken is refused with "Access Token has been revoked"'),
    ('E5', 'User-pool APIs refuse an ID token where an access token belongs: HTTP 400'),
    ('E6', 'A revoke leaves the user\'s other refresh tokens (other sign-ins, devices, clients) and their tokens '
           'working'),
    ('E7', 'Revoked access and ID tokens still verify offline against the JWKS until they expire'),
    ('E8', 'userInfo with a revoked or signed-out access token answers 401 with WWW-Authenticate error="invalid_token"'),
    ('E9', 'Revoked tokens stay dead when revocation is later turned off for the client, or the user is disabled and '
           're-enabled'),
    # open questions: the reference's choice
    ('Q1', 'A successful RevokeToken answers an empty body or {} (Q1: the docs say empty)'),
    ('Q2', 'A client mismatch (R7, R8) or a missing or wrong ClientSecret (R10) is refused with HTTP 400 '
           'UnauthorizedException (the reference\'s choice for Q2)'),
    ('Q3', 'RevokeToken answers 200 for an already-revoked or an unknown well-formed token, as /oauth2/revoke does'),
    ('Q4', 'RevokeToken naming a client id that does not exist answers HTTP 400'),
    ('Q5', 'A ClientSecret sent for a client without a secret is ignored: the revoke succeeds'),
    ('Q6', 'UpdateUserPoolClient without EnableTokenRevocation resets it to the default (on)'),
    ('Q7', '/oauth2/revoke tolerates token_type_hint and revokes as usual'),
    ('Q8', '/oauth2/revoke answers invalid_client with HTTP 401'),
    ('Q8-token', '/oauth2/token answers invalid_client with HTTP 400'),
    ('Q10', 'With revocation disabled the access token still carries jti, the ID token none'),
    ('Q11', 'Every access token carries event_id'),
    ('Q13', '/oauth2/revoke with a Basic header and a body client_id that disagree answers invalid_client'),
    ('Q15', '/oauth2/revoke for a public client without client_id answers 200 and revokes nothing'),
    # §8 items
    ('S8.4', 'A refresh token refreshes only with its own client: another client, of this pool or another, is '
             'refused with HTTP 400 NotAuthorizedException and no tokens'),
    ('S8.4-paths', 'GetTokensFromRefreshToken (HTTP 400) and /oauth2/token (invalid_grant) also refuse another '
                   'client\'s refresh token'),
    ('S8.8', 'An access or ID token offered for revocation revokes nothing: the family keeps working'),
    ('S8.10', 'Tokens compare exactly: revoking an altered copy leaves the real token working'),
    ('S8.12', 'Revocation and sign-out touch one user only: other users\' sessions keep working'),
    # other facts
    ('refresh-works', 'A valid refresh token refreshes on every path (REFRESH_TOKEN_AUTH, REFRESH_TOKEN, '
                      'AdminInitiateAuth, GetTokensFromRefreshToken, /oauth2/token): HTTP 200 with access and ID '
                      'tokens'),
    ('refresh-omits-refresh-token', 'Without rotation, a refresh returns ID and access tokens only: no refresh token'),
    ('refresh-result-seen', 'REFRESH_TOKEN_AUTH answers AccessToken, IdToken, ExpiresIn and TokenType, and no '
                            'RefreshToken'),
    ('sign-in-tokens', 'An interactive sign-in returns a RefreshToken with the access and ID tokens'),
    ('revocation-on-by-default', 'A client created without EnableTokenRevocation has revocation on: its tokens carry '
                                 'origin_jti and RevokeToken works'),
    ('malformed-revoke-keeps-token', 'A revoke request that breaks the rules (missing Token or ClientId, a token '
                                     'outside the pattern, a short ClientSecret, a non-form Content-Type) revokes '
                                     'nothing'),
    ('revoke-needs-secret', 'A client with a secret revokes only with its own secret (ClientSecret, or a '
                            'well-formed Basic header): otherwise nothing is revoked'),
    ('sigv4-ignored', 'RevokeToken needs no signature and ignores one sent anyway: a signed revoke revokes'),
    ('linked-as-none', 'RevokeAssociatedSessions=LINKED without session tracking behaves as NONE: the token is revoked'),
    ('hosted-revoke', '/oauth2/revoke with a refresh token and the client\'s credentials (body client_id, Basic '
                      'header, or both) revokes it and answers 200 with an empty body'),
    ('hosted-revoke-no-oracle', '/oauth2/revoke answers 200 for an already-revoked or invalid token'),
    ('hosted-unsupported-token-type', '/oauth2/revoke refuses an access or ID token: 400 unsupported_token_type'),
    ('hosted-missing-token', '/oauth2/revoke without a token answers 400 invalid_request'),
    ('hosted-invalid-client', '/oauth2/revoke refuses a wrong or empty client secret with invalid_client'),
    ('hosted-other-client', '/oauth2/revoke refuses another client\'s token with HTTP 400 (RFC 7009 §2.1)'),
    ('hosted-revoke-form-only', '/oauth2/revoke refuses a JSON body: HTTP 400'),
    ('basic-malformed', '/oauth2/revoke refuses a malformed Basic header (bad base64, no colon) with invalid_client'),
    ('basic-for-public-client', '/oauth2/revoke accepts a Basic header for a public client and revokes'),
    ('token-invalid-client', '/oauth2/token refuses a wrong or missing client secret with invalid_client and no '
                             'tokens'),
    ('get-tokens-needs-secret', 'GetTokensFromRefreshToken for a client with a secret refuses a missing or wrong '
                                'ClientSecret: HTTP 400'),
    ('get-tokens-needs-secret-type', 'GetTokensFromRefreshToken refuses a missing or wrong ClientSecret with '
                                     'NotAuthorizedException'),
    ('secret-hash-formula', 'SECRET_HASH = Base64(HMAC-SHA256(client secret, username + client id)) over UTF-8: '
                            'a correct hash signs in and refreshes'),
    ('secret-hash-required', 'A client with a secret refuses sign-in and refresh without a SECRET_HASH or with a '
                             'wrong one: HTTP 400, no tokens'),
    ('secret-hash-refused', 'A missing or wrong SECRET_HASH answers NotAuthorizedException with one of the '
                            'wordings seen on AWS'),
    ('secret-hash-cognito-username', 'The refresh\'s SECRET_HASH is computed over the Cognito username (the sub in '
                                     'an email pool), not the alias'),
    ('sign-out', 'GlobalSignOut and AdminUserGlobalSignOut answer 200 and revoke the user\'s tokens across all app '
                 'clients: refreshes answer 400, access tokens NotAuthorizedException'),
    ('sign-out-refresh-message', 'After a sign-out, a refresh answers "Refresh Token has been revoked"'),
    ('sign-out-access-message', 'After a sign-out, the user\'s old access tokens answer "Access Token has been '
                                'revoked"'),
    ('sign-out-needs-live-token', 'GlobalSignOut with a revoked access token is refused: HTTP 400'),
    ('sign-out-twice', 'A second GlobalSignOut with the same access token answers NotAuthorizedException '
                       '"Access Token has been revoked"'),
    ('admin-sign-out-twice', 'A second AdminUserGlobalSignOut is harmless: HTTP 200'),
    ('sign-out-ignores-revocation-flag', 'Sign-out and AdminDisableUser revoke even on a client with '
                                         'EnableTokenRevocation=false'),
    ('disable-user-revokes', 'AdminDisableUser revokes the user\'s refresh and access tokens'),
    ('admin-ops', 'AdminDisableUser, AdminEnableUser and UpdateUserPoolClient answer 200; a re-enabled user signs in'),
    ('invalid-refresh-token', 'A garbage or altered refresh token is refused: HTTP 400 NotAuthorizedException '
                              '"Invalid Refresh Token."'),
    ('altered-access-token-refused', 'An access-token operation refuses an altered token or an ID token: HTTP 400 '
                                     'NotAuthorizedException'),
    ('different-client-message', 'A refresh with another client of the pool answers "Refresh Token has different '
                                 'Client"'),
    ('foreign-client-message', 'A refresh with a client of another pool answers "Invalid Refresh Token." or '
                               '"Refresh Token has different Client"'),
    ('wire-error-format', 'An API error answers HTTP 400, Content-Type application/x-amz-json-1.1, '
                          'x-amzn-ErrorType "<type>:" and x-amzn-ErrorMessage'),
    ('error-body-shape', 'An API error\'s body is a JSON object with __type'),
    ('userinfo-api-token', '/oauth2/userInfo accepts an access token from an API sign-in'),
    ('jti-claims', 'With revocation on, access and ID tokens both carry jti and origin_jti'),
    ('jti-origin-jti-seen', 'origin_jti is equal in the access and ID tokens of one sign-in and kept across '
                            'refreshes; every token\'s jti is new; a new sign-in gets a new origin_jti'),
    ('origin-jti-kept', 'Tokens minted from a refresh token carry its origin_jti'),
    ('no-origin-jti-without-revocation', 'With revocation disabled, neither token carries origin_jti'),
    ('access-token-claims', 'The access token carries the documented claims: token_use access, iss, client_id, sub, '
                            'username, exp, iat, auth_time; aud and cognito:groups only when they apply'),
    ('access-token-claims-seen', 'The access token carries username and scope aws.cognito.signin.user.admin, and no '
                                 'email'),
    ('id-token-claims', 'The ID token carries the documented claims: token_use id, aud, iss, sub, '
                        'cognito:username, auth_time, readable attributes such as email'),
    ('id-token-claims-seen', 'The ID token\'s aud is the client id, cognito:username the username, sub the access '
                             'token\'s sub'),
    ('username-is-sub', 'In a pool with email as username, username and cognito:username are the sub'),
    ('auth-time-kept', 'On a refresh, auth_time stays the original sign-in time'),
    ('refresh-token-opaque', 'A refresh token is opaque: decoding it yields no claims'),
    ('jwks-verify', 'Access and ID tokens verify offline against the pool\'s JWKS; a tampered token fails'),
    ('no-echo-seen', 'Captured refusals quote no token or secret'),
]
ORDER = [c for c, _ in SAYS]
SAYS = dict(SAYS)


# ---------------------------------------------------------------------------------------------
# Citations: split, merge, re-join.
# ---------------------------------------------------------------------------------------------

def split_top(text, sep):
    parts, depth, cur = [], 0, ''
    for ch in text:
        depth += ch == '('
        depth -= ch == ')'
        if ch == sep and depth == 0:
            parts.append(cur); cur = ''
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def strip_notes(text):
    out, depth = '', 0
    for ch in text:
        if ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
        elif depth == 0:
            out += ch
    return ' '.join(out.split())


def spec_items(text):
    """`§1.4 R7, R8, Q2` -> [('1.4', None), ('1.4', 'R7'), ('1.4', 'R8'), (None, 'Q2')] in order."""
    items, section = [], None
    for item in strip_notes(text).split(','):
        for word in item.split():
            if word.startswith('§'):
                section = word[1:]
                items.append((section, None))
            elif word.startswith('Q'):
                items.append((None, word))
            elif word[0] in 'RE':
                items.append((section, word))
            else:
                raise ValueError(f'{word!r} in {text!r}')
    return items


def sec_key(s):
    return tuple(int(x) for x in s.split('.'))


def merge_sources(sources):
    """Old `source` strings -> one citation: the sources (first wording of each, short notes kept), then
    one `spec` segment of the union of the spec items."""
    names, seen, items = [], set(), []
    for src in sources:
        for seg in split_top(src, ';'):
            if seg.startswith('spec ') or seg == 'spec':
                for it in spec_items(seg[5:]):
                    if it not in items:
                        items.append(it)
                continue
            for one in split_top(seg, ','):
                bare = strip_notes(one)
                if bare in seen:
                    continue
                seen.add(bare)
                note = one[len(bare):].strip() if one.startswith(bare) else ''
                names.append(one if len(note) <= 42 else bare)
    # spec items: sections with their rows, then questions
    sections = {}
    for sec, row in items:
        if sec is not None:
            sections.setdefault(sec, [])
            if row and row not in sections[sec]:
                sections[sec].append(row)
    parts = [f'§{s}' + ''.join(f' {r}' for r in rows) for s, rows in sorted(sections.items(), key=lambda kv: sec_key(kv[0]))]
    qs = sorted({row for sec, row in items if sec is None}, key=lambda q: int(q[1:]))
    parts += qs
    # a bare short name adds nothing beside a narrower mention of it (`MODEL` beside `MODEL GlobalSignOut`)
    bares = [strip_notes(n) for n in names]
    names = [n for n, b in zip(names, bares) if not any(o != b and o.startswith(b + ' ') for o in bares)]
    segs = [', '.join(names)] if names else []
    if parts:
        segs.append('spec ' + ', '.join(parts))
    return '; '.join(segs)


# ---------------------------------------------------------------------------------------------
# Writing TOML values and the new files.
# ---------------------------------------------------------------------------------------------

def tv(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return '[' + ', '.join(tv(x) for x in v) + ']'
    raise TypeError(v)


def new_expectation(val, claim, ev, claim_grade):
    parts = []
    for k, v in val.items():
        parts.append(f'{"jwt_claim" if k == "claim" else k} = {tv(v)}')
    parts.append(f'claim = {tv(claim)}')
    if RANK[ev] < RANK[claim_grade]:
        parts.append(f'evidence = {tv(ev)}')
    return '{ ' + ', '.join(parts) + ' }'


def blocks_of(text):
    """The file cut before every `[[table]]` line: [header, block, block, …], each with its text."""
    out, cur = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith('[[') and cur:
            out.append(''.join(cur)); cur = []
        cur.append(line)
    out.append(''.join(cur))
    return out


def table_of(block):
    return block.split('\n', 1)[0].strip() if block.startswith('[[') else None


def body_of(block):
    """A table block's key lines, without its header, blank lines and comments."""
    return [l.strip() for l in block.splitlines()[1:] if l.strip() and not l.strip().startswith('#')]


def migrate_file(sid, text, data, exps, grade_of):
    """The new text of one scenario, and what was removed (for the report)."""
    blocks = blocks_of(text)
    removed = []
    # `id` is the file stem.
    head = blocks[0]
    head = re.sub(r'^id = "([^"]*)"\n', lambda m: '' if m.group(1) == sid else m.group(0), head, flags=re.M)
    blocks[0] = head
    clients = [b for b in blocks if table_of(b) == '[[clients]]']
    users = [b for b in blocks if table_of(b) == '[[users]]']
    steps = [i for i, b in enumerate(blocks) if table_of(b) == '[[steps]]']
    drop = set()
    if len(clients) == 1 and body_of(clients[0]) == ['name = "app"']:
        drop.add(blocks.index(clients[0])); removed.append('client')
    if len(users) == 1 and body_of(users[0]) == ['name = "alice"']:
        drop.add(blocks.index(users[0])); removed.append('user')
    first = steps[0] if steps else None
    uses_login = re.search(r'\{\{\s*login\.', text) is not None
    if first is not None and uses_login and body_of(blocks[first]) == [
            'name = "login"', 'sign_in = { client = "app", user = "alice" }']:
        drop.add(first); removed.append('login')
    # expectations, step by step
    per_step = collections.defaultdict(list)
    for i, name, kind, val, ev, src, action in exps:
        per_step[i].append((kind, val, ev, src, name, action))
    for n, bi in enumerate(steps):
        if bi in drop:
            assert not per_step.get(n)
            continue
        new = []
        for kind, val, ev, src, name, action in per_step.get(n, []):
            claim = classify(sid, name, kind, val, ev, src, action)
            if claim is None:
                continue
            new.append(new_expectation(val, claim, ev, grade_of[claim]))
        block = blocks[bi]
        m = re.search(r'^expect = \[\n(?:  .*\n)*?\]\n', block, flags=re.M)
        if not m:
            assert not per_step.get(n), (sid, n)
            continue
        if not new:
            text_new = ''
        else:
            one = 'expect = [' + ', '.join(new) + ']'
            text_new = one + '\n' if len(one) <= 110 else 'expect = [\n' + ''.join(f'  {e},\n' for e in new) + ']\n'
        blocks[bi] = block[:m.start()] + text_new + block[m.end():]
    out = ''.join(b for i, b in enumerate(blocks) if i not in drop)
    out = re.sub(r'\n{3,}', '\n\n', out).rstrip('\n') + '\n'
    return out, removed


# ---------------------------------------------------------------------------------------------
# The citation check, after harness/src/spec (citation.rs, mod.rs).
# ---------------------------------------------------------------------------------------------

class SpecIndex:
    def __init__(self, text):
        self.text, self.lower = text, text.lower()
        self.anchors, self.short = {}, {}
        section = ''
        for line in text.splitlines():
            for id_ in re.findall(r'<a id="([^"]+)"', line):
                if line.startswith('#') and re.match(r's\d', id_):
                    section = id_[1:].replace('-', '.')
                self.anchors[id_] = section
                if id_.startswith('src-'):
                    cell = line.split('|')[1]
                    for name in cell.split('`')[1::2]:
                        self.short[name.removesuffix('-*')] = line

    def check(self, text, mode):
        problems = []
        bare = strip_notes(text) if text.count('(') == text.count(')') else None
        if bare is None:
            return ['unbalanced parentheses']
        for seg in [s.strip() for s in bare.split(';')]:
            if not seg:
                problems.append('empty segment'); continue
            if seg == 'spec' or seg.startswith('spec ') or mode == 'spec':
                rest = seg[4:] if seg.startswith('spec') else seg
                try:
                    for sec, row in spec_items(rest):
                        problems += self.item(sec, row)
                except ValueError as e:
                    problems.append(str(e))
                continue
            for src in [s.strip() for s in seg.split(',')]:
                problems += self.source(src)
        return problems

    def item(self, sec, row):
        if row is None:
            return [] if 's' + sec.replace('.', '-') in self.anchors else [f'§{sec} has no anchor']
        if row.startswith('Q'):
            return [] if row.lower() in self.anchors else [f'{row} has no anchor']
        within = self.anchors.get(row.lower())
        if within is None:
            return [f'{row} has no anchor']
        if sec and within != sec and not within.startswith(sec + '.'):
            return [f'{row} lies in §{within}, not §{sec}']
        return []

    def source(self, src):
        words = src.split()
        if not words:
            return ['empty source']
        if words[0] == 'RFC':
            return [] if f'RFC {words[1]}' in self.text else [f'RFC {words[1]} not named']
        at = [i for i, w in enumerate(words) if w.startswith('#')]
        if at:
            i = at[0]; num = words[i][1:]; repo = words[i - 1]
            ok = any(repo in l and re.search('#' + num + r'(?!\d)', l) for l in self.text.splitlines())
            return [] if ok else [f'{repo} #{num} not named']
        names = [(i, w) for i, w in enumerate(words) if re.fullmatch(r'[A-Z][A-Z0-9-]*', w)
                 and sum(c.isupper() for c in w) >= 2]
        if names:
            out = []
            for i, w in names:
                if w not in self.short:
                    out.append(f'{w} is not a short name')
                elif w == 'KC':
                    art = words[i + 1] if i + 1 < len(words) else None
                    if not art or f'`{art}`' not in self.short['KC']:
                        out.append(f'KC {art} is not listed')
            return out
        if words[0].upper() in self.short:
            return []
        return [f'{src}: {w} not in spec' for w in words if w.lower() not in self.lower]


# ---------------------------------------------------------------------------------------------
# Main: claims.toml, the new files, the before-JSON, the checks, the figures.
# ---------------------------------------------------------------------------------------------

def value_string(kind, val):
    v = val['claim' if kind == 'claim' else kind]
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) if isinstance(v, list) else tv(v)
    for m in MODIFIERS:
        if m in val:
            s += f' {m}={val[m] if isinstance(val[m], str) else tv(val[m])}'
    return s


def main():
    old = load_old()
    index = SpecIndex(open(os.path.join(ROOT, 'docs/spec.md'), encoding='utf-8').read())
    # the checker port agrees with the old suite: every old citation resolves
    for sid, (_, data, exps) in old.items():
        assert not index.check(data['spec'], 'spec'), (sid, data['spec'])
        for e in exps:
            assert not index.check(e[5], 'source'), (sid, e[5], index.check(e[5], 'source'))

    grades, sources = collections.defaultdict(set), collections.defaultdict(list)
    for sid, (_, _, exps) in old.items():
        for i, name, kind, val, ev, src, action in exps:
            c = classify(sid, name, kind, val, ev, src, action)
            if c is None:
                continue
            assert c in SAYS, (c, sid, name, kind, src)
            grades[c].add(ev)
            if src not in sources[c]:
                sources[c].append(src)
    unused = [c for c in ORDER if c not in grades]
    assert not unused, unused
    grade_of = {c: max(g, key=RANK.get) for c, g in grades.items()}
    grade_of.update({c: v[0] for c, v in SUITE_WIDE.items()})

    # claims.toml
    lines = [
        '# The claims registry: every fact the suite checks, written once, with its evidence grade and sources.',
        '# An expectation names a claim (`{ status = 400, claim = "E1" }`) and takes its grade; it may narrow the',
        '# grade with its own `evidence`, never raise it. Grades and sources live here and nowhere else.',
        '#',
        '# Ids follow docs/spec.md: R1… rows of §1.4, E1… rows of §3, Q1… open questions (the reference\'s',
        '# choice), S8.4 items of §8; a suffix splits one row\'s facts of different grades (E1, E1-type,',
        '# E1-message). Other facts have kebab-case names. `sources` is a citation in the spec\'s grammar',
        '# (docs/spec.md#citing). no-echo, no-5xx and typed-errors grade the checks every step gets by default.',
        '',
    ]
    def emit(cid, grade, says, cite):
        problems = index.check(cite, 'source')
        assert not problems, (cid, cite, problems)
        lines.extend([f'[{cid}]' if '.' not in cid else f'["{cid}"]', f'says = {tv(says)}', f'grade = "{grade}"', f'sources = {tv(cite)}', ''])
    for cid, (grade, says, cite) in SUITE_WIDE.items():
        emit(cid, grade, says, cite)
    for cid in ORDER:
        emit(cid, grade_of[cid], SAYS[cid], merge_sources(sources[cid]))
    claims_text = '\n'.join(lines).rstrip('\n') + '\n'
    with open(os.path.join(ROOT, 'scenarios/claims.toml'), 'w', encoding='utf-8') as f:
        f.write(claims_text)
    claims = tomllib.loads(claims_text)

    # the new scenario files
    removed_count = collections.Counter()
    for sid, (text, data, exps) in old.items():
        new, removed = migrate_file(sid, text, data, exps, grade_of)
        removed_count.update(removed)
        with open(os.path.join(ROOT, f'scenarios/{sid}.toml'), 'w', encoding='utf-8') as f:
            f.write(new)

    # the before-JSON
    before = {sid: [{'step': name, 'check': 'jwt_claim' if kind == 'claim' else kind,
                     'value': value_string(kind, val), 'evidence': ev}
                    for i, name, kind, val, ev, src, action in exps] for sid, (_, _, exps) in old.items()}
    path = os.path.join(ROOT, 'harness/tests/data/expectations-before-13.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(before, f, ensure_ascii=False, indent=1)
        f.write('\n')

    verify(old, claims, index, removed_count)


def verify(old, claims, index, removed_count):
    problems, kept, implied = [], 0, 0
    for cid, c in claims.items():
        if not re.fullmatch(r'[A-Za-z0-9][A-Za-z0-9.-]*', cid): problems.append(f'claim id {cid}')
        if c['grade'] not in RANK: problems.append(f'{cid}: grade {c["grade"]}')
        if set(c) != {'says', 'grade', 'sources'}: problems.append(f'{cid}: keys {sorted(c)}')
    for sid, (_, odata, exps) in old.items():
        ntext = open(os.path.join(ROOT, f'scenarios/{sid}.toml'), encoding='utf-8').read()
        if 'source =' in ntext: problems.append(f'{sid}: a source remains')
        nd = tomllib.loads(ntext)
        if not index.check(nd['spec'], 'spec') == []: problems.append(f'{sid}: spec')
        for k in ('title', 'spec', 'tags', 'pools'):
            if odata.get(k) != nd.get(k): problems.append(f'{sid}: {k} changed')
        # the defaults give back the old declarations
        clients = nd.get('clients') or [{'name': 'app'}]
        users = nd.get('users') or [{'name': 'alice'}]
        if clients != odata.get('clients', []): problems.append(f'{sid}: clients differ')
        if users != odata.get('users', [{'name': 'alice'}]): problems.append(f'{sid}: users differ')
        if 'users' not in odata: print(f'note: {sid} declared no user; it now gets the default alice')
        nsteps = nd.get('steps', [])
        if not any(s.get('name') == 'login' for s in nsteps) and re.search(r'\{\{\s*login\.', ntext):
            nsteps = [{'name': 'login', 'sign_in': {'client': 'app', 'user': 'alice'}}] + nsteps
        osteps = odata['steps']
        strip = lambda s: {k: v for k, v in s.items() if k != 'expect'}
        if [strip(s) for s in osteps] != [strip(s) for s in nsteps]: problems.append(f'{sid}: steps differ')
        # expectations: the old list minus inferred no_echo, same step, check, value and effective grade
        want = [(name, kind, value_string(kind, val), ev) for i, name, kind, val, ev, src, a in exps
                if not (kind == 'no_echo' and ev == 'inferred')]
        implied += sum(1 for e in exps if e[2] == 'no_echo' and e[4] == 'inferred')
        got = []
        for i, s in enumerate(nsteps):
            for e in s.get('expect', []):
                cid = e.get('claim')
                if 'jwt_claim' in e:
                    pass
                if cid not in claims:
                    problems.append(f'{sid}:{s.get("name")}: unknown claim {cid}'); continue
                if 'source' in e: problems.append(f'{sid}: source in expectation')
                grade = e.get('evidence', claims[cid]['grade'])
                if RANK[grade] > RANK[claims[cid]['grade']]: problems.append(f'{sid}: {cid} raised')
                val = {('claim' if k == 'jwt_claim' else k): v for k, v in e.items() if k not in ('claim', 'evidence')}
                kinds = [k for k in KINDS if k in val]
                if len(kinds) != 1: problems.append(f'{sid}: {e}'); continue
                got.append((s.get('name', f'step{i + 1}'), kinds[0], value_string(kinds[0], val), grade))
        if got != want:
            problems.append(f'{sid}: expectations differ:\n  want {want}\n  got  {got}')
        kept += len(got)
        names = {s.get('name') for s in nsteps}
        for i, name, kind, val, ev, src, a in exps:
            if kind == 'no_echo' and ev == 'inferred' and name not in names:
                problems.append(f'{sid}: the step {name} of an implied no_echo is gone')
    print(f'{len(old)} scenarios; {sum(len(e) for _, _, e in old.values())} old expectations: {kept} kept as claims, '
          f'{implied} inferred no_echo now implied by the suite-wide check')
    print(f'{len(claims)} claims; removed: {dict(removed_count)}')
    print('problems:', len(problems))
    for p in problems:
        print(' ', p)
    return not problems


if __name__ == '__main__':
    main()
