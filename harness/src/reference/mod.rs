//! The embedded reference target: a spec-faithful Cognito revocation service, in process.
//!
//! It is the harness's default target, the executable form of the behaviour spec
//! (`docs/spec.md`, [`crate::spec`], §§1–6), and — with [`Fault`]s switched on — a target with known bugs, to prove that the suite
//! and the fuzzer catch them. It speaks Cognito's wire protocol over HTTP on loopback; see
//! [`server`] for the routes and [`ReferenceServer`] for starting one.
//!
//! # Where the spec is silent
//!
//! Where the spec grades a behaviour *inferred* or lists it as an open question, the reference
//! implements the best-supported choice. These are guesses, not AWS facts; each one, with why, is
//! in `docs/spec.md`, "The reference's choices" (anchor `#choices`), the one place they live.
//!
//! # Memory
//!
//! A token family costs about 525 bytes whatever the number of refreshes (see [`store`]); users,
//! pools and families are capped by [`Limits`], and the bytes pools, clients and users hold by
//! [`Limits::max_bytes`] ([`budget`]), which also gives a deleted pool's memory back to the system.

mod access;
mod auth;
pub mod budget;
mod clients;
pub mod cors;
mod discovery;
pub mod error;
pub mod faults;
pub mod keys;
mod listen;
mod oauth;
mod pools;
pub mod seed;
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
pub use server::{ReferenceConfig, ReferenceServer, ServeError, Timeouts, serve_until};
pub use service::OPERATIONS;
pub use store::Limits;

/// The fuzz targets (`crate::fuzz_targets`) drive the decoders, the service and the hosted
/// endpoints directly.
pub(crate) use oauth::{Credentials, RevokeRequest, TokenRequest, revoke_endpoint, token_endpoint};
pub(crate) use service::{ApiRequest, Service};

#[cfg(test)]
mod tests {
    /// The choices live once, in the spec: the README links them rather than holding a copy.
    #[test]
    fn the_choices_live_only_in_the_spec() {
        let readme = include_str!("../../../README.md");
        let header = "| case (spec) | the reference answers | why |";
        assert!(crate::spec::Index::embedded().has_anchor("choices"), "docs/spec.md lost its #choices section");
        assert_eq!(crate::spec::TEXT.matches(header).count(), 1, "docs/spec.md holds the choices table once");
        assert!(readme.contains("(docs/spec.md#choices)"), "README.md does not link docs/spec.md#choices");
        assert!(!readme.contains(header), "README.md holds a copy of the choices table");
    }
}
