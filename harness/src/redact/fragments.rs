//! Fragments of secrets: where a text shares [`MIN_FRAGMENT_LEN`] or more consecutive bytes with a
//! registered secret — a token the target cut short, a secret a report cut in half, a piece of a
//! password quoted in an error.
//!
//! Every such run contains, whole, one of the secret's [`GRAM`]-byte pieces that start at a
//! multiple of [`GRAM`] (a run of 12 starting at `a` contains the piece at the first multiple of 6
//! from `a`, which ends by `a + 11`). So the index holds a secret's aligned pieces — a sixth of its
//! length, not one entry per 12-byte window — and grows in place as secrets are registered. A text
//! is scanned once, one map probe per byte (the piece's bytes are the key, so a hit is a match);
//! each hit is extended at most [`GRAM`] bytes either way along its alignment, which decides
//! whether it lies in a run of [`MIN_FRAGMENT_LEN`] and covers that run's head and tail (the hits
//! of the pieces in between cover the rest). The work per byte is bounded by [`MAX_SITES`].

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

/// The shortest run shared with a secret that counts as a fragment of it.
pub const MIN_FRAGMENT_LEN: usize = 12;

/// The indexed pieces' length: half a fragment, so every fragment contains an aligned piece.
const GRAM: usize = MIN_FRAGMENT_LEN / 2;

/// The most places one piece is looked up at per text position: a piece that many secrets share
/// (a JWT header all tokens of a pool carry) is checked against the first few, and a run found
/// there covers the position already.
const MAX_SITES: usize = 64;

/// Where a piece occurs: which secret (the caller's tag), at which byte offset.
#[derive(Debug, Clone, Copy)]
struct Site {
    needle: u32,
    offset: u32,
}

/// Hashes the 6-byte pieces packed into a `u64` (SipHash would cost more than the rest of a scan).
#[derive(Debug, Clone, Copy, Default)]
struct PieceHasher(u64);

impl Hasher for PieceHasher {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(self.0 ^ u64::from(*byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        let mixed = value.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = mixed ^ (mixed >> 29);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Secrets' aligned pieces, for finding their fragments in a text.
#[derive(Debug, Clone, Default)]
pub struct FragmentIndex {
    /// Each secret's bytes and the caller's tag for it.
    needles: Vec<(Box<[u8]>, usize)>,
    pieces: HashMap<u64, Vec<Site>, BuildHasherDefault<PieceHasher>>,
}

fn key(piece: &[u8]) -> u64 {
    piece.iter().rev().fold(0, |key, byte| (key << 8) | u64::from(*byte))
}

impl FragmentIndex {
    /// Indexes `needle` under `tag`; a needle shorter than [`MIN_FRAGMENT_LEN`] has no fragments.
    pub fn insert(&mut self, needle: &[u8], tag: usize) {
        if needle.len() < MIN_FRAGMENT_LEN {
            return;
        }
        let id = self.needles.len() as u32;
        for offset in (0..=needle.len() - GRAM).step_by(GRAM) {
            let sites = self.pieces.entry(key(&needle[offset..offset + GRAM])).or_default();
            sites.push(Site { needle: id, offset: offset as u32 });
        }
        self.needles.push((needle.into(), tag));
    }

    /// The byte ranges of `text` that lie in a run of [`MIN_FRAGMENT_LEN`] or more bytes shared
    /// with an indexed secret, merged where they overlap or touch, in order, each with the tag of
    /// a secret it shares bytes with.
    pub fn find(&self, text: &[u8]) -> Vec<(Range<usize>, usize)> {
        if self.needles.is_empty() || text.len() < MIN_FRAGMENT_LEN {
            return Vec::new();
        }
        let mut covered: Vec<(Range<usize>, usize)> = Vec::new();
        // The piece at `at`, packed as `key` packs it, rolled one byte at a time.
        let mut packed = key(&text[..GRAM - 1]) << 8;
        for at in 0..=text.len() - GRAM {
            packed = (packed >> 8) | (u64::from(text[at + GRAM - 1]) << (8 * (GRAM - 1)));
            let Some(sites) = self.pieces.get(&packed) else { continue };
            if let Some(best) = self.widest(text, at, sites) {
                covered.push(best);
            }
        }
        merge(covered)
    }

    /// The widest stretch around the piece at `at` that some site of it shows to lie in a run of
    /// [`MIN_FRAGMENT_LEN`], each side looked at no further than [`GRAM`] bytes.
    fn widest(&self, text: &[u8], at: usize, sites: &[Site]) -> Option<(Range<usize>, usize)> {
        let mut best: Option<(Range<usize>, usize)> = None;
        for site in sites.iter().take(MAX_SITES) {
            let (needle, tag) = &self.needles[site.needle as usize];
            let offset = site.offset as usize;
            let left = (1..=GRAM.min(offset).min(at))
                .take_while(|back| text[at - back] == needle[offset - back])
                .count();
            let (after_text, after_needle) = (at + GRAM, offset + GRAM);
            let right = (0..GRAM)
                .take_while(|ahead| {
                    after_text + ahead < text.len()
                        && after_needle + ahead < needle.len()
                        && text[after_text + ahead] == needle[after_needle + ahead]
                })
                .count();
            if left + GRAM + right < MIN_FRAGMENT_LEN {
                continue;
            }
            let range = at - left..at + GRAM + right;
            if best.as_ref().is_none_or(|(widest, _)| range.len() > widest.len()) {
                best = Some((range, *tag));
            }
            if left == GRAM && right == GRAM {
                break;
            }
        }
        best
    }
}

/// Sorted and merged ranges; a merged range keeps the tag of its first part.
fn merge(mut ranges: Vec<(Range<usize>, usize)>) -> Vec<(Range<usize>, usize)> {
    ranges.sort_by_key(|(range, _)| range.start);
    let mut merged: Vec<(Range<usize>, usize)> = Vec::with_capacity(ranges.len());
    for (range, tag) in ranges {
        match merged.last_mut() {
            Some((last, _)) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push((range, tag)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP";

    fn index() -> FragmentIndex {
        let mut index = FragmentIndex::default();
        index.insert(SECRET, 7);
        index
    }

    #[test]
    fn every_run_of_twelve_or_more_is_found_exactly() {
        let index = index();
        for start in 0..SECRET.len() - MIN_FRAGMENT_LEN {
            for end in start + MIN_FRAGMENT_LEN..=SECRET.len() {
                let text = [b"<<", &SECRET[start..end], b">>"].concat();
                assert_eq!(index.find(&text), vec![(2..2 + end - start, 7)], "{start}..{end}");
            }
        }
    }

    #[test]
    fn runs_of_eleven_are_not_fragments() {
        let index = index();
        for start in 0..=SECRET.len() - 11 {
            let text = [b"<<", &SECRET[start..start + 11], b">>"].concat();
            assert!(index.find(&text).is_empty(), "{start}");
        }
    }

    #[test]
    fn separate_fragments_stay_separate_and_short_needles_are_not_indexed() {
        let mut index = index();
        index.insert(b"short-needl", 8);
        let text = [&SECRET[3..20], b" and ", &SECRET[30..45], b" short-needl"].concat();
        assert_eq!(index.find(&text), vec![(0..17, 7), (22..37, 7)]);
    }

    #[test]
    fn a_repetitive_secret_in_a_repetitive_text_costs_linear_work() {
        let mut index = FragmentIndex::default();
        index.insert(&[b'a'; 4096], 1);
        let text = vec![b'a'; 1 << 20];
        assert_eq!(index.find(&text), vec![(0..text.len(), 1)]);
    }
}
