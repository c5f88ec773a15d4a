use super::*;

const LIMITS: ParserLimits = ParserLimits { max_args: 8, max_bulk_bytes: 16 };

fn parse_all(input: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, ProtocolError> {
    let mut p = RequestParser::new();
    let mut out = Vec::new();
    let mut at = 0;
    while at < input.len() {
        match p.parse(&input[at..], &LIMITS)? {
            Some(used) => {
                out.push(p.args(&input[at..]).to_vecs());
                at += used;
            }
            None => break,
        }
    }
    Ok(out)
}

fn strs(v: &[&str]) -> Vec<Vec<u8>> {
    v.iter().map(|s| s.as_bytes().to_vec()).collect()
}

#[test]
fn multibulk_and_pipelines() {
    let got = parse_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n").unwrap();
    assert_eq!(got, vec![strs(&["GET", "k"]), strs(&["PING"])]);
}

#[test]
fn binary_safe_bulks() {
    let got = parse_all(b"*2\r\n$3\r\nSET\r\n$4\r\n\r\n\0\xff\r\n").unwrap();
    assert_eq!(got, vec![vec![b"SET".to_vec(), b"\r\n\0\xff".to_vec()]]);
}

#[test]
fn empty_requests_take_their_bytes() {
    let mut p = RequestParser::new();
    assert_eq!(p.parse(b"*0\r\n", &LIMITS), Ok(Some(4)));
    assert!(p.args(b"*0\r\n").is_empty());
    assert_eq!(p.parse(b"*-1\r\n", &LIMITS), Ok(Some(5)));
    assert_eq!(p.parse(b"\r\n", &LIMITS), Ok(Some(2)));
    assert_eq!(p.parse(b"   \n", &LIMITS), Ok(Some(4)));
}

#[test]
fn every_split_point_resumes_to_the_same_result() {
    let input = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    for split in 0..input.len() {
        let mut p = RequestParser::new();
        assert_eq!(p.parse(&input[..split], &LIMITS), Ok(None), "split at {split}");
        assert!(p.need() > split || split == 0, "need grows past what arrived");
        assert_eq!(p.parse(input, &LIMITS), Ok(Some(input.len())));
        assert_eq!(p.args(input).to_vecs(), strs(&["SET", "key", "value"]));
    }
}

#[test]
fn need_announces_a_large_bulk() {
    let mut p = RequestParser::new();
    assert_eq!(p.parse(b"*1\r\n$10\r\nab", &LIMITS), Ok(None));
    assert_eq!(p.need(), 4 + 5 + 10 + 2);
}

#[test]
fn inline_commands_with_quotes_and_escapes() {
    let got = parse_all(b"set k \"a b\\x41\\n\" 'it\\'s'\r\nPING\n").unwrap();
    assert_eq!(
        got,
        vec![
            vec![b"set".to_vec(), b"k".to_vec(), b"a bA\n".to_vec(), b"it's".to_vec()],
            strs(&["PING"])
        ]
    );
    assert_eq!(parse_all(b"get \"k\r\n"), Err(ProtocolError::UnbalancedQuotes));
    assert_eq!(parse_all(b"get \"k\"x\r\n"), Err(ProtocolError::UnbalancedQuotes));
    assert_eq!(parse_all(b"a b c d e f g h\r\n").unwrap()[0].len(), 8);
    assert_eq!(parse_all(b"a b c d e f g h i\r\n"), Err(ProtocolError::TooManyInlineArgs));
}

#[test]
fn limits_and_garbage_are_redis_errors() {
    assert_eq!(parse_all(b"*9\r\n"), Err(ProtocolError::InvalidMultibulkLength));
    assert_eq!(parse_all(b"*x\r\n"), Err(ProtocolError::InvalidMultibulkLength));
    assert_eq!(parse_all(b"*+1\r\n"), Err(ProtocolError::InvalidMultibulkLength));
    assert_eq!(parse_all(b"*1\r\n$17\r\n"), Err(ProtocolError::InvalidBulkLength));
    assert_eq!(parse_all(b"*1\r\n$-1\r\n"), Err(ProtocolError::InvalidBulkLength));
    assert_eq!(parse_all(b"*1\r\n:1\r\n"), Err(ProtocolError::ExpectedDollar(':')));
    assert_eq!(parse_all(b"*1\r\n$1\r\nabc"), Err(ProtocolError::MissingCrlf));
    assert_eq!(ProtocolError::InvalidBulkLength.to_string(), "Protocol error: invalid bulk length");
}

#[test]
fn endless_lines_are_refused_at_the_inline_limit() {
    let long = vec![b'a'; MAX_INLINE_BYTES + 1];
    assert_eq!(parse_all(&long), Err(ProtocolError::TooBigInline));
    let mut header = b"*".to_vec();
    header.extend(std::iter::repeat_n(b'1', MAX_INLINE_BYTES + 2));
    assert_eq!(parse_all(&header), Err(ProtocolError::TooBigCountString));
    let short = vec![b'a'; 100];
    assert_eq!(parse_all(&short), Ok(vec![]));
}

#[test]
fn long_header_lines_get_one_verdict_however_they_arrive() {
    let mut header = b"*".to_vec();
    header.extend(std::iter::repeat_n(b'1', MAX_INLINE_BYTES + 5));
    header.extend_from_slice(b"\r\n");
    let whole = parse_all(&header);
    assert_eq!(whole, Err(ProtocolError::TooBigCountString));
    let mut p = RequestParser::new();
    let mut verdict = Ok(None);
    for end in 1..=header.len() {
        verdict = p.parse(&header[..end], &LIMITS);
        if verdict.is_err() {
            break;
        }
    }
    assert_eq!(verdict, Err(ProtocolError::TooBigCountString));
}

#[test]
fn lines_arriving_byte_by_byte_are_scanned_once() {
    // Quadratic rescanning would take minutes here; once is milliseconds.
    let mut line = b"SET k ".to_vec();
    line.extend(std::iter::repeat_n(b'v', MAX_INLINE_BYTES - 10));
    line.extend_from_slice(b"\r\n");
    let started = std::time::Instant::now();
    let mut p = RequestParser::new();
    for end in 1..line.len() {
        assert_eq!(p.parse(&line[..end], &LIMITS), Ok(None));
    }
    assert_eq!(p.parse(&line, &LIMITS), Ok(Some(line.len())));
    assert_eq!(p.args(&line).len(), 3);
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
}

#[test]
fn a_request_after_a_split_one_parses_from_its_own_start() {
    let mut p = RequestParser::new();
    assert_eq!(p.parse(b"*0\r", &LIMITS), Ok(None));
    assert_eq!(p.parse(b"*0\r\n", &LIMITS), Ok(Some(4)));
    assert_eq!(p.parse(b"*1\r\n$1\r\nx\r\n", &LIMITS), Ok(Some(11)));
    assert_eq!(p.args(b"*1\r\n$1\r\nx\r\n").to_vecs(), strs(&["x"]));
}
