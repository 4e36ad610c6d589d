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
#![doc = include_str!("inferred.md")]
//!
//! # Memory
//!
//! A token family costs about 525 bytes whatever the number of refreshes (see [`store`]); users,
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

/// The fuzz targets (`crate::fuzz_targets`) drive the decoders, the service and the hosted
/// endpoints directly.
pub(crate) use oauth::{Credentials, RevokeRequest, TokenRequest, revoke_endpoint, token_endpoint};
pub(crate) use service::{ApiRequest, Service};

#[cfg(test)]
mod tests {
    /// The README must carry the inferred-choices table exactly as the module docs do.
    #[test]
    fn readme_carries_the_inferred_choices_table() {
        let readme = include_str!("../../../README.md");
        let table = include_str!("inferred.md");
        assert!(readme.contains(table.trim()), "README.md's table differs from harness/src/reference/inferred.md");
    }
}
