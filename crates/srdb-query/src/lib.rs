//! Queries over srdb tables.
//!
//! Owns: the expression tree of the 18 operators with and / or / not, the text
//! syntax that parses into it, and the planner that chooses an index or a scan
//! and explains its choice.
#![forbid(unsafe_code)]
