//! The store's byte budget, and giving memory back to the operating system.
//!
//! Counting pools, clients and users is not enough to bound memory: one user may carry 50 custom
//! attributes of 2,048 characters (up to 8 KiB each in UTF-8), one pool 256 KiB of tags, one
//! client 256 KiB of settings. So every stored pool, client and user is charged its
//! [`Footprint`] — the bytes of what the client sent and the reference keeps — against
//! [`Limits::max_bytes`](super::store::Limits::max_bytes), and released when it is deleted.
//!
//! Freed memory is not returned to the operating system by glibc's allocator: freed chunks stay in
//! its arenas for reuse, so the process's resident size stays at its peak after a big pool is
//! deleted. [`give_back`] asks glibc to return what it can (`malloc_trim`) after large deletions.

use super::error::{ApiError, ErrorType};
use super::store::{Client, Pool, Store, User};

/// Fixed bookkeeping per stored object (map entries, ids, timestamps), on top of its strings.
const OVERHEAD: usize = 256;

/// The bytes an object holds on the heap, approximately (strings and their containers).
pub trait Footprint {
    /// Approximate heap bytes.
    fn footprint(&self) -> usize;
}

impl Footprint for User {
    fn footprint(&self) -> usize {
        let attributes: usize = self.attributes.iter().map(|(name, value)| name.len() + value.len() + 48).sum();
        OVERHEAD + 2 * self.username.len() + attributes
    }
}

impl Footprint for Pool {
    /// The pool's own data, without its users (each is charged on its own).
    fn footprint(&self) -> usize {
        let tags: usize = self.tags.iter().map(|(key, value)| key.len() + value.len() + 48).sum();
        OVERHEAD + self.name.len() + tags + self.username_attributes.iter().map(|a| a.len() + 24).sum::<usize>()
    }
}

impl Footprint for Client {
    fn footprint(&self) -> usize {
        let settings = serde_json::to_string(&self.settings).map_or(0, |text| text.len());
        let flows: usize = self.explicit_auth_flows.iter().map(|flow| flow.len() + 24).sum();
        OVERHEAD + self.name.len() + settings + flows + self.secret.as_ref().map_or(0, String::len)
    }
}

/// Deleting at least this many bytes at once is worth a `malloc_trim`.
const TRIM_AFTER: usize = 1024 * 1024;

impl Store {
    /// Charges `bytes` against `max_bytes`, or refuses with `LimitExceededException`.
    pub fn admit(&mut self, bytes: usize, max_bytes: usize) -> Result<(), ApiError> {
        match self.bytes.checked_add(bytes) {
            Some(total) if total <= max_bytes => {
                self.bytes = total;
                Ok(())
            }
            _ => Err(ApiError::new(
                ErrorType::LimitExceeded,
                "The reference target holds its maximum number of bytes of pools, clients and users.",
            )),
        }
    }

    /// Releases `bytes` charged by [`Store::admit`].
    pub fn release(&mut self, bytes: usize) {
        self.bytes = self.bytes.saturating_sub(bytes);
    }

    /// The pool's footprint with its users' and clients': what deleting it releases.
    pub fn pool_footprint(&self, pool_id: &str) -> usize {
        let Some(pool) = self.pools.get(pool_id) else { return 0 };
        let users: usize = pool.users.values().map(Footprint::footprint).sum();
        let clients: usize =
            self.clients.values().filter(|client| client.pool_id == pool_id).map(Footprint::footprint).sum();
        pool.footprint() + users + clients
    }
}

/// After deleting `bytes` of data, returns freed memory to the operating system where the
/// allocator keeps it (glibc); elsewhere it does nothing.
pub fn give_back(bytes: usize) {
    if bytes < TRIM_AFTER {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: malloc_trim only walks glibc's own arenas under their locks; any argument is valid.
    unsafe {
        libc::malloc_trim(0);
    }
}
