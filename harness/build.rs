//! The suite is compiled in (`embedded.rs`, `include_dir!`), which sees changes to the files it
//! embeds but not a file added to or removed from `scenarios/`: watching the directory here
//! rebuilds the crate when its listing changes too.

fn main() {
    println!("cargo::rerun-if-changed=../scenarios");
    println!("cargo::rerun-if-changed=../snapshots/reference/expected.toml");
    println!("cargo::rerun-if-changed=build.rs");
}
