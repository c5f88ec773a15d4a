//! Side-by-side benchmarks of srdb and its peers. This is the only crate that
//! depends on other databases.
