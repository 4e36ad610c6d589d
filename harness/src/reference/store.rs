//! The reference target's state: pools, app clients, users, domains and token families.
//!
//! A *family* is everything minted from one interactive sign-in: its refresh token and every
//! access and ID token refreshed from it. They share one `origin_jti` (spec §4.1), and revocation
//! works on the family, never on a single token (spec §3). A family costs about 525 bytes of heap
//! (measured by `cargo bench --bench reference`) however often it is refreshed: tokens themselves
//! are never stored, only the family they point to. Families live until their user, client or pool is deleted; `Limits::max_families` caps how
//! many one instance keeps, so a hostile client cannot exhaust memory.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::Value;
use uuid::Uuid;

/// Capacity limits of one reference instance. What memory depends on is capped in bytes
/// (`max_bytes`, see [`super::budget`]); the counts bound the work a request can cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Token families kept at once; further sign-ins answer `LimitExceededException`.
    pub max_families: usize,
    /// User pools kept at once.
    pub max_pools: usize,
    /// Users per pool.
    pub max_users_per_pool: usize,
    /// Bytes of pool, client and user data (names, tags, settings, attributes) kept at once.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_families: 1_000_000, max_pools: 10_000, max_users_per_pool: 100_000, max_bytes: 256 * 1024 * 1024 }
    }
}

/// Why a family stopped working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokedBy {
    /// RevokeToken or `/oauth2/revoke`.
    Revoke,
    /// GlobalSignOut or AdminUserGlobalSignOut.
    SignOut,
    /// AdminDisableUser.
    Disable,
}

/// One sign-in's tokens, keyed by `origin_jti`.
#[derive(Debug, Clone)]
pub struct Family {
    /// The family key carried by every token of the family when revocation is enabled.
    pub origin_jti: Uuid,
    /// The authentication event; carried by every token, used to find the family of tokens
    /// minted without `origin_jti` (revocation disabled).
    pub event_id: Uuid,
    /// The pool the user belongs to.
    pub pool_id: String,
    /// The client the refresh token was issued to.
    pub client_id: String,
    /// The user's Cognito username.
    pub username: String,
    /// When the user authenticated, kept across refreshes (spec §4.2).
    pub auth_time: u64,
    /// When the refresh token expires.
    pub refresh_expires_at: u64,
    /// The `jti`s of the access and ID tokens minted at sign-in (used only by the
    /// `revoke-by-jti` fault).
    pub first_jtis: [Uuid; 2],
    /// Set once; never cleared (spec §3 E9).
    pub revoked: Option<RevokedBy>,
}

/// `UNCONFIRMED`, `CONFIRMED`, `FORCE_CHANGE_PASSWORD`, as AdminGetUser reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// Created by an admin with a temporary password.
    ForceChangePassword,
    /// Has a permanent password.
    Confirmed,
}

impl UserStatus {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            UserStatus::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            UserStatus::Confirmed => "CONFIRMED",
        }
    }
}

/// A user of a pool.
#[derive(Debug, Clone)]
pub struct User {
    /// The Cognito username (the `sub` when the pool signs in by e-mail or phone).
    pub username: String,
    /// The immutable `sub`.
    pub sub: Uuid,
    /// Attributes other than `sub`, in creation order.
    pub attributes: Vec<(String, String)>,
    /// SHA-256 of the password, compared in constant time.
    pub password_sha256: Option<[u8; 32]>,
    /// Sign-in status.
    pub status: UserStatus,
    /// Cleared by AdminDisableUser.
    pub enabled: bool,
    /// Creation time, seconds since the epoch.
    pub created: u64,
    /// Last change, seconds since the epoch.
    pub modified: u64,
    /// The user's families, oldest first.
    pub families: Vec<Uuid>,
    /// The second of the user's last global sign-out: a family begun in it is born revoked.
    pub signed_out_at: Option<u64>,
}

impl User {
    /// The value of attribute `name`, if set.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// A pool's password policy (the defaults are Cognito's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Minimum length.
    pub minimum_length: usize,
    /// Needs an upper-case letter.
    pub require_uppercase: bool,
    /// Needs a lower-case letter.
    pub require_lowercase: bool,
    /// Needs a digit.
    pub require_numbers: bool,
    /// Needs a symbol.
    pub require_symbols: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
        }
    }
}

/// A user pool.
#[derive(Debug, Clone)]
pub struct Pool {
    /// `<region>_<9 alphanumerics>`.
    pub id: String,
    /// The name given at creation.
    pub name: String,
    /// Creation time, seconds since the epoch.
    pub created: u64,
    /// `email` and/or `phone_number` when users sign in with those instead of a username.
    pub username_attributes: Vec<String>,
    /// The password policy.
    pub password_policy: PasswordPolicy,
    /// Users by Cognito username.
    pub users: HashMap<String, User>,
    /// Sign-in aliases (e-mail, phone) to Cognito usernames.
    pub aliases: HashMap<String, String>,
    /// The hosted-UI domain prefix, if any.
    pub domain: Option<String>,
    /// Ring indices of the access-token and ID-token signing keys.
    pub access_key: usize,
    /// See `access_key`.
    pub id_key: usize,
    /// How often the `rotate-keys-on-revoke` fault moved the pool to new keys.
    pub rotations: usize,
    /// DeleteUserPool refuses while set.
    pub deletion_protection: bool,
    /// `UserPoolTags`, as given at creation (how `cleanup` tells the harness's pools from others).
    pub tags: std::collections::BTreeMap<String, String>,
}

impl Pool {
    /// The Cognito username that `name` (a username or a sign-in alias) refers to.
    pub fn resolve_username(&self, name: &str) -> Option<&str> {
        if let Some((key, _)) = self.users.get_key_value(name) {
            return Some(key);
        }
        self.aliases.get(name).map(String::as_str)
    }

    /// The user that `name` (a username or alias) refers to.
    pub fn user(&self, name: &str) -> Option<&User> {
        let username = self.resolve_username(name)?.to_owned();
        self.users.get(&username)
    }

    /// The ring indices published in the pool's JWKS.
    pub fn key_indices(&self) -> [usize; 2] {
        [self.access_key, self.id_key]
    }
}

/// How long tokens of a client live, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Refresh-token lifetime (30 days by default).
    pub refresh: u64,
    /// Access-token lifetime (1 hour by default).
    pub access: u64,
    /// ID-token lifetime (1 hour by default).
    pub id: u64,
}

impl Default for Validity {
    fn default() -> Self {
        Self { refresh: 30 * 86_400, access: 3_600, id: 3_600 }
    }
}

/// An app client.
#[derive(Debug, Clone)]
pub struct Client {
    /// 26 lower-case alphanumerics; client ids are global across pools.
    pub id: String,
    /// The owning pool.
    pub pool_id: String,
    /// The name given at creation.
    pub name: String,
    /// The client secret, for confidential clients.
    pub secret: Option<String>,
    /// Whether RevokeToken works and tokens carry `origin_jti` (spec §1.7, default true).
    pub enable_token_revocation: bool,
    /// The `ALLOW_*` flows.
    pub explicit_auth_flows: Vec<String>,
    /// Token lifetimes.
    pub validity: Validity,
    /// The configuration as last set, echoed by DescribeUserPoolClient (validities, units, URLs…).
    pub settings: serde_json::Map<String, Value>,
    /// Creation time, seconds since the epoch.
    pub created: u64,
    /// Last change, seconds since the epoch.
    pub modified: u64,
}

impl Client {
    /// Whether `flow` (an `ALLOW_*` name) is enabled.
    pub fn allows(&self, flow: &str) -> bool {
        self.explicit_auth_flows.iter().any(|f| f == flow)
    }
}

/// Counts of what a reference instance holds, for tests and benchmarks of its memory use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreStats {
    /// User pools.
    pub pools: usize,
    /// App clients.
    pub clients: usize,
    /// Users, across pools.
    pub users: usize,
    /// Token families.
    pub families: usize,
}

/// Everything one reference instance knows. `Clone` lets the fuzz targets restore a provisioned
/// state before every input, so each run starts from the same state.
#[derive(Debug, Default, Clone)]
pub struct Store {
    /// Pools by id.
    pub pools: HashMap<String, Pool>,
    /// Clients by id, across all pools.
    pub clients: HashMap<String, Client>,
    /// Domain prefixes to pool ids.
    pub domains: HashMap<String, String>,
    /// Families by `origin_jti`.
    pub families: HashMap<Uuid, Family>,
    /// Families by `event_id`.
    pub families_by_event: HashMap<Uuid, Uuid>,
    /// Revoked token `jti`s (only under the `revoke-by-jti` fault).
    pub revoked_jtis: HashSet<Uuid>,
    /// The next ring index handed to a new pool.
    pub next_key: usize,
    /// How long a revocation or sign-out takes to take effect: zero for the reference (spec §3:
    /// immediate), more in the AWS rehearsal (`crate::rehearsal`), which imitates an eventually
    /// consistent service. Disabling a user always takes effect at once.
    pub revocation_lag: Duration,
    /// Revocations answered but not yet in effect, applied by [`Store::settle`].
    pub pending_revocations: Vec<PendingRevocation>,
    /// Bytes charged by pools, clients and users ([`super::budget`]).
    pub bytes: usize,
}

/// A revocation that takes effect at `due` (see [`Store::revocation_lag`]).
#[derive(Debug, Clone, Copy)]
pub struct PendingRevocation {
    /// When it takes effect.
    pub due: Instant,
    /// The family.
    pub origin_jti: Uuid,
    /// Why.
    pub cause: RevokedBy,
}

impl Store {
    /// Records a new family and links it to its user. A family begun in the second of the user's
    /// last global sign-out, or before it, is revoked at once: sign-out is time-based on AWS
    /// (spec §6.1, the reference's choice `same-second-sign-out`).
    pub fn insert_family(&mut self, mut family: Family) {
        if let Some(user) = self.pools.get_mut(&family.pool_id).and_then(|pool| pool.users.get_mut(&family.username)) {
            user.families.push(family.origin_jti);
            if user.signed_out_at.is_some_and(|second| family.auth_time <= second) {
                family.revoked.get_or_insert(RevokedBy::SignOut);
            }
        }
        self.families_by_event.insert(family.event_id, family.origin_jti);
        self.families.insert(family.origin_jti, family);
    }

    /// Forgets families, e.g. when their user, client or pool is deleted.
    pub fn remove_families(&mut self, keep: impl Fn(&Family) -> bool) {
        let Store { families, families_by_event, pools, .. } = self;
        families.retain(|_, family| {
            let kept = keep(family);
            if !kept {
                families_by_event.remove(&family.event_id);
            }
            kept
        });
        for user in pools.values_mut().flat_map(|pool| pool.users.values_mut()) {
            user.families.retain(|origin| families.contains_key(origin));
        }
    }

    /// Marks a family revoked — at once, or after [`Store::revocation_lag`] unless `cause` is
    /// [`RevokedBy::Disable`]. An already revoked family keeps its first cause.
    pub fn revoke_family(&mut self, origin_jti: Uuid, cause: RevokedBy) {
        if self.revocation_lag.is_zero() || cause == RevokedBy::Disable {
            if let Some(family) = self.families.get_mut(&origin_jti) {
                family.revoked.get_or_insert(cause);
            }
        } else {
            let due = Instant::now() + self.revocation_lag;
            self.pending_revocations.push(PendingRevocation { due, origin_jti, cause });
        }
    }

    /// Applies the pending revocations that are due by `now`.
    pub fn settle(&mut self, now: Instant) {
        if self.pending_revocations.is_empty() {
            return;
        }
        let (due, pending): (Vec<_>, Vec<_>) = self.pending_revocations.drain(..).partition(|p| p.due <= now);
        self.pending_revocations = pending;
        for revocation in due {
            if let Some(family) = self.families.get_mut(&revocation.origin_jti) {
                family.revoked.get_or_insert(revocation.cause);
            }
        }
    }

    /// Marks every family of a user revoked (sign-out, disable), as [`Store::revoke_family`] does.
    pub fn revoke_user_families(&mut self, pool_id: &str, username: &str, cause: RevokedBy) {
        let Some(user) = self.pools.get(pool_id).and_then(|pool| pool.users.get(username)) else {
            return;
        };
        for origin in user.families.clone() {
            self.revoke_family(origin, cause);
        }
    }

    /// A global sign-out at `second`: every family of the user is revoked, and so is any the user
    /// begins within the same second (spec §6.1).
    pub fn sign_out_user(&mut self, pool_id: &str, username: &str, second: u64) {
        let Some(user) = self.pools.get_mut(pool_id).and_then(|pool| pool.users.get_mut(username)) else {
            return;
        };
        user.signed_out_at = Some(second);
        self.revoke_user_families(pool_id, username, RevokedBy::SignOut);
    }

    /// How much the store holds.
    pub fn stats(&self) -> StoreStats {
        StoreStats {
            pools: self.pools.len(),
            clients: self.clients.len(),
            users: self.pools.values().map(|pool| pool.users.len()).sum(),
            families: self.families.len(),
        }
    }

    /// The family a token points to: by `origin_jti` when it has one, else by `event_id`.
    pub fn family_of(&self, origin_jti: Option<Uuid>, event_id: Option<Uuid>) -> Option<&Family> {
        match origin_jti {
            Some(origin) => self.families.get(&origin),
            None => self.families_by_event.get(&event_id?).and_then(|origin| self.families.get(origin)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_family(lag: Duration) -> (Store, Uuid) {
        let origin_jti = Uuid::new_v4();
        let mut store = Store { revocation_lag: lag, ..Store::default() };
        store.insert_family(Family {
            origin_jti,
            event_id: Uuid::new_v4(),
            pool_id: "p".into(),
            client_id: "c".into(),
            username: "u".into(),
            auth_time: 0,
            refresh_expires_at: 0,
            first_jtis: [Uuid::new_v4(), Uuid::new_v4()],
            revoked: None,
        });
        (store, origin_jti)
    }

    #[test]
    fn without_lag_a_revocation_is_immediate() {
        let (mut store, origin) = store_with_family(Duration::ZERO);
        store.revoke_family(origin, RevokedBy::Revoke);
        assert_eq!(store.families[&origin].revoked, Some(RevokedBy::Revoke));
        assert!(store.pending_revocations.is_empty());
    }

    #[test]
    fn with_lag_a_revocation_waits_until_settled_after_its_due_time() {
        let (mut store, origin) = store_with_family(Duration::from_secs(60));
        store.revoke_family(origin, RevokedBy::SignOut);
        store.settle(Instant::now());
        assert_eq!(store.families[&origin].revoked, None);
        store.settle(Instant::now() + Duration::from_secs(61));
        assert_eq!(store.families[&origin].revoked, Some(RevokedBy::SignOut));
        assert!(store.pending_revocations.is_empty());
    }

    #[test]
    fn disabling_a_user_is_immediate_even_with_lag() {
        let (mut store, origin) = store_with_family(Duration::from_secs(60));
        store.revoke_family(origin, RevokedBy::Disable);
        assert_eq!(store.families[&origin].revoked, Some(RevokedBy::Disable));
    }
}
