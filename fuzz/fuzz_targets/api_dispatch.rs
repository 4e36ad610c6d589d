//! libFuzzer entry point of `cognito_conformance::fuzz_targets::api_dispatch`; see `fuzz/README.md`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cognito_conformance::fuzz_targets::api_dispatch(data));
