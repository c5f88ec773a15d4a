//! The `srdb` command line: serve, inspect, check, repair, import, export.
#![forbid(unsafe_code)]

fn main() {
    eprintln!("srdb: the command line is not built yet");
    std::process::exit(2);
}
