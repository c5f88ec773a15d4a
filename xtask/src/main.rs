//! `cargo xtask`: developer tasks for srdb.
fn main() {
    eprintln!("usage: cargo xtask <ci|fuzz|bench>");
    std::process::exit(2);
}
