//! Baselines: the known non-conformances of a target, `snapshots/<target>/expected.toml`.
