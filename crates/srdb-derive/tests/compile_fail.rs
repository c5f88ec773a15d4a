//! Mistakes in a derived schema are compile errors that say what is wrong
//! and point at it. Each case is checked against its whole message, in
//! `tests/ui/*.stderr`.

#[test]
fn mistakes_are_compile_errors_at_their_span() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
