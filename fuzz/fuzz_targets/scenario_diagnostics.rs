//! libFuzzer entry point of `cognito_conformance::fuzz_targets::scenario_diagnostics`; see `fuzz/README.md`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cognito_conformance::fuzz_targets::scenario_diagnostics(data));
