//! The srdb network server.
//!
//! Owns: the Redis protocol (RESP2 and RESP3) server for the key-value store
//! and table commands, and the HTTP JSON API with its Web UI. It uses only the
//! public API of the `srdb` facade.
#![forbid(unsafe_code)]
