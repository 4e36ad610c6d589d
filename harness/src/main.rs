//! The `cognito-conformance` command. Everything, argument parsing included, lives in the library
//! (its `cli` feature); this is only the process's entry point.

fn main() -> std::process::ExitCode {
    cognito_conformance::cli::main()
}
