//! The embedded reference target: a spec-faithful Cognito revocation service, in process.
//!
//! It is the harness's default target, the executable form of `shared/spec/cognito-revocation.md`
//! (§§1–6), and — with [`Fault`]s switched on — a target with known bugs, to prove that the suite
//! and the fuzzer catch them. It speaks Cognito's wire protocol over HTTP on loopback; see
//! [`server`] for the routes and [`ReferenceServer`] for starting one.
//!
//! # Where the spec is silent
//!
//! Where the spec grades a behaviour *inferred* or lists it as an open question, the reference
//! implements the best-supported choice below. These are guesses, not AWS facts; the README carries
//! the same table.
//!
//! | case (spec) | the reference answers | why |
//! |---|---|---|
//! | RevokeToken success body (Q1) | `{}` | what awsJson services send; docs say "empty" |
//! | RevokeToken, unknown or already-revoked token (R2, R3, Q3) | 200 `{}` | mirrors the hosted endpoint and RFC 7009 |
//! | RevokeToken, token of another client, same or other pool (R7, R8, Q2) | `UnauthorizedException`, nothing revoked | declared error that fits; emulators agree |
//! | RevokeToken, unknown `ClientId` (R9, Q4) | `UnauthorizedException` | `ResourceNotFoundException` is not declared for RevokeToken |
//! | RevokeToken, missing or wrong `ClientSecret` (R10, Q2) | `UnauthorizedException`, nothing revoked | declared error that fits |
//! | RevokeToken or `/oauth2/revoke`, secret sent for a public client (R11, Q5) | ignored | a secret the client lacks grants nothing |
//! | RevokeToken, revocation disabled (R6) | `UnsupportedOperationException` | the declared meaning; hosted twin documented |
//! | RevokeToken, access or ID token (R5) | `UnsupportedTokenTypeException` | the declared meaning; hosted twin documented |
//! | RevokeToken, `RevokeAssociatedSessions=LINKED` (§6.3) | treated as `NONE` | no SSO session tracking |
//! | Refresh after RevokeToken (E1, Q9) | `NotAuthorizedException: Refresh Token has been revoked` | the message seen after sign-out |
//! | GetTokensFromRefreshToken, revoked (E3, Q9) | same as E1 | same model error list |
//! | GetTokensFromRefreshToken, missing or wrong `ClientSecret` | `NotAuthorizedException` | declared; message wording made up |
//! | GetUser with a revoked family's token (E4) | `NotAuthorizedException: Access Token has been revoked` | documented for sign-out |
//! | Tokens of a client with revocation disabled (Q10) | access token has `jti`, no `origin_jti`; ID token has neither | the pre-2021 doc samples |
//! | `event_id` (Q11) | in every token, constant across refreshes of a family | one id per authentication event |
//! | UpdateUserPoolClient without `EnableTokenRevocation` (Q6) | reset to `true` (the default) | "omitted members take their default" |
//! | `/oauth2/revoke`, public client without `client_id` (Q15) | 200, nothing revoked | seen on AWS in 2022 |
//! | `/oauth2/revoke`, token of another client | 400 `invalid_request`, nothing revoked | RFC 7009 §2.1 says refuse |
//! | `/oauth2/revoke` `invalid_client` status (Q8) | 401 | documented for this endpoint |
//! | `/oauth2/token` `invalid_client` status (Q8) | 400 | seen on AWS |
//! | Basic header vs body `client_id` disagree (Q13) | `invalid_client` | the caller's identity is ambiguous |
//! | Basic credentials url-encoded (Q14) | not decoded; split on the first `:` | what Cognito's SDKs send |
//! | `token_type_hint` (Q7) | ignored | RFC 7009 allows ignoring it |
//! | `client_secret` in the body (client_secret_post) on `/oauth2/revoke` | accepted | the token endpoint documents it |
//! | `/oauth2/userInfo` with an API sign-in token | accepted | makes it an online revocation check |
//! | Unknown JSON members | `SerializationException` | a typo should not pass silently |
//! | Issuer | `https://cognito-idp.<region>.amazonaws.com/<poolId>` | as AWS; the JWKS is served on loopback at the same path |
//!
//! # Memory
//!
//! A token family costs about 200 bytes whatever the number of refreshes (see [`store`]); users,
//! pools and families are capped by [`Limits`].

mod access;
mod auth;
mod clients;
pub mod error;
pub mod faults;
pub mod keys;
mod oauth;
mod pools;
mod revoke;
pub mod secret;
pub mod server;
mod service;
pub mod store;
pub mod tokens;
mod users;
pub mod validate;

pub use faults::{Fault, FaultSet, UnknownFault};
pub use secret::secret_hash;
pub use server::{ReferenceConfig, ReferenceServer, ServeError, serve_until};
pub use store::Limits;
