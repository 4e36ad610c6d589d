//! Snapshots: a normalised transcript per scenario and target, kept under
//! `snapshots/<target>/<scenario>.snap` in insta's file format.

pub mod transcript;

pub use transcript::{ExpectationLine, StepLine, Transcript};
