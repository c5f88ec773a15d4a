//! The RESP request parser on arbitrary bytes: it must never panic, hang or
//! allocate without bound, and a stream fed in pieces must parse exactly as
//! the same stream fed whole (the parser resumes where a read ended).
#![no_main]

use libfuzzer_sys::fuzz_target;
use srdb_server::resp::{ParserLimits, ProtocolError, RequestParser};

const LIMITS: ParserLimits = ParserLimits { max_args: 64, max_bulk_bytes: 4096 };

/// Feeds `input` `chunk` bytes at a time, as reads from a socket would, and
/// returns every request parsed and the error that ended the stream.
fn run(input: &[u8], chunk: usize) -> (Vec<Vec<Vec<u8>>>, Option<ProtocolError>) {
    let mut parser = RequestParser::new();
    let mut requests = Vec::new();
    let (mut start, mut end) = (0, 0);
    while end < input.len() {
        end = (end + chunk).min(input.len());
        loop {
            match parser.parse(&input[start..end], &LIMITS) {
                Ok(Some(used)) => {
                    assert!(used > 0 && start + used <= end, "a request takes bytes it has");
                    requests.push(parser.args(&input[start..end]).to_vecs());
                    start += used;
                }
                Ok(None) => break,
                Err(e) => return (requests, Some(e)),
            }
        }
    }
    (requests, None)
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, input)) = data.split_first() else { return };
    let whole = run(input, input.len().max(1));
    let pieces = run(input, usize::from(split % 16) + 1);
    assert_eq!(whole, pieces);
    for request in &whole.0 {
        assert!(request.len() <= LIMITS.max_args);
        assert!(request.iter().all(|arg| arg.len() <= LIMITS.max_bulk_bytes.max(64 * 1024)));
    }
});
