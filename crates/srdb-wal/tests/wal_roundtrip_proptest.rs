//! Property: whatever is appended (empty, small and large payloads), with
//! rotations and reopens in between, replays exactly, in order, with the LSNs
//! `append` returned.

mod common;

use common::{open_collect, opts, Records};
use proptest::prelude::*;
use srdb_wal::{SyncPolicy, Wal};

#[derive(Debug, Clone)]
enum Op {
    Append(Vec<u8>),
    Rotate,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Op::Append),
        1 => proptest::collection::vec(any::<u8>(), 0..200_000).prop_map(Op::Append),
        1 => Just(Op::Rotate),
        1 => Just(Op::Reopen),
    ]
}

fn policy() -> impl Strategy<Value = SyncPolicy> {
    prop_oneof![
        Just(SyncPolicy::Never),
        Just(SyncPolicy::Periodic(std::time::Duration::from_millis(2)))
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn replay_yields_exactly_what_was_appended(ops in proptest::collection::vec(op(), 1..40), policy in policy()) {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _) = Wal::open(dir.path(), opts(policy), 0, 1, |_| Ok(())).unwrap();
        let mut model: Records = Vec::new();
        for op in ops {
            match op {
                Op::Append(p) => {
                    let lsn = wal.append(&p).unwrap();
                    prop_assert_eq!(lsn, model.len() as u64 + 1);
                    model.push((lsn, p));
                }
                Op::Rotate => {
                    let before = wal.current_segment();
                    prop_assert_eq!(wal.rotate().unwrap(), before + 1);
                }
                Op::Reopen => {
                    wal.close().unwrap();
                    let (result, got) = open_collect(dir.path(), opts(policy), 0);
                    let (reopened, report) = result.unwrap();
                    prop_assert!(report.torn_tail.is_none());
                    prop_assert_eq!(&got, &model);
                    wal = reopened;
                }
            }
        }
        wal.close().unwrap();
        let (result, got) = open_collect(dir.path(), opts(SyncPolicy::Never), 0);
        let (wal, report) = result.unwrap();
        prop_assert_eq!(report.records_replayed, model.len() as u64);
        prop_assert_eq!(&got, &model);
        prop_assert_eq!(wal.last_lsn(), model.len() as u64);
        wal.close().unwrap();
    }
}
