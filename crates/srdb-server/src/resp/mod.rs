//! The Redis serialization protocol: request parsing and reply encoding.

mod parser;
mod reply;

pub use parser::{Args, ParserLimits, ProtocolError, RequestParser};
pub use reply::{FloatText, Reply};
