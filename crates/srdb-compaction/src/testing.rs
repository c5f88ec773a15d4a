//! Helpers shared by the unit tests: internal keys from small parts, and a
//! model checker that drives an iterator and a sorted vector with the same
//! operations and compares them after each one.

use std::cmp::Ordering;

use proptest::prelude::*;
use srdb_key::{compare_internal, seek_key, BoxError, InternalIterator, InternalKey, Kind};

pub(crate) type Entry = (Vec<u8>, Vec<u8>);

pub(crate) fn ikey(user_key: &[u8], seqno: u64, kind: Kind) -> Vec<u8> {
    InternalKey::new(user_key, seqno, kind).as_bytes().to_vec()
}

/// One operation on an iterator.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    SeekToFirst,
    SeekToLast,
    Seek(Vec<u8>),
    SeekForPrev(Vec<u8>),
    Next,
    Prev,
}

/// User keys from a small alphabet so that sources share keys often.
pub(crate) fn user_key() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(b'a'..=b'd', 1..=2)
}

/// Seek targets: real keys of either kind, and seek keys.
pub(crate) fn target() -> impl Strategy<Value = Vec<u8>> {
    (user_key(), 0u64..12, 0u8..3).prop_map(|(k, s, kind)| match kind {
        0 => ikey(&k, s, Kind::Put),
        1 => ikey(&k, s, Kind::Delete),
        _ => seek_key(&k, s).as_bytes().to_vec(),
    })
}

pub(crate) fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        1 => Just(Op::SeekToFirst),
        1 => Just(Op::SeekToLast),
        2 => target().prop_map(Op::Seek),
        2 => target().prop_map(Op::SeekForPrev),
        5 => Just(Op::Next),
        5 => Just(Op::Prev),
    ];
    prop::collection::vec(op, 1..60)
}

/// Applies `ops` to `iter` and to `model` (the entries `iter` must yield, in
/// order; ties of identical keys already in the intended order) and checks
/// that both agree after each step. `Next` and `Prev` on an invalid iterator
/// are skipped, as the trait forbids them.
pub(crate) fn check_against_model(
    iter: &mut dyn InternalIterator,
    model: &[Entry],
    ops: &[Op],
) -> Result<(), TestCaseError> {
    let mut pos: Option<usize> = None;
    for (step, op) in ops.iter().enumerate() {
        let result: Result<(), BoxError> = match op {
            Op::SeekToFirst => {
                pos = (!model.is_empty()).then_some(0);
                iter.seek_to_first()
            }
            Op::SeekToLast => {
                pos = model.len().checked_sub(1);
                iter.seek_to_last()
            }
            Op::Seek(t) => {
                let p = model.partition_point(|(k, _)| compare_internal(k, t) == Ordering::Less);
                pos = (p < model.len()).then_some(p);
                iter.seek(t)
            }
            Op::SeekForPrev(t) => {
                pos = model
                    .partition_point(|(k, _)| compare_internal(k, t) != Ordering::Greater)
                    .checked_sub(1);
                iter.seek_for_prev(t)
            }
            Op::Next => match pos {
                None => continue,
                Some(p) => {
                    pos = (p + 1 < model.len()).then_some(p + 1);
                    iter.next()
                }
            },
            Op::Prev => match pos {
                None => continue,
                Some(p) => {
                    pos = p.checked_sub(1);
                    iter.prev()
                }
            },
        };
        prop_assert!(result.is_ok(), "step {step} {op:?} failed: {result:?}");
        prop_assert_eq!(iter.valid(), pos.is_some(), "validity after step {} {:?}", step, op);
        if let Some(p) = pos {
            prop_assert_eq!(iter.key(), &model[p].0[..], "key after step {} {:?}", step, op);
            prop_assert_eq!(iter.value(), &model[p].1[..], "value after step {} {:?}", step, op);
        }
    }
    Ok(())
}

/// An iterator that yields its entries as given (no sorting, so it can be
/// out of order) and fails with an error on the `fail_at`-th step
/// (positioning calls included), counting from 0.
pub(crate) struct ScriptedIterator {
    pub(crate) entries: Vec<Entry>,
    pub(crate) pos: usize,
    pub(crate) steps: usize,
    pub(crate) fail_at: Option<usize>,
}

impl ScriptedIterator {
    pub(crate) fn new(entries: Vec<Entry>, fail_at: Option<usize>) -> Self {
        let pos = entries.len();
        ScriptedIterator { entries, pos, steps: 0, fail_at }
    }

    fn step(&mut self, to: usize) -> Result<(), BoxError> {
        let step = self.steps;
        self.steps += 1;
        if self.fail_at == Some(step) {
            self.pos = self.entries.len();
            return Err("injected read failure".into());
        }
        self.pos = to;
        Ok(())
    }
}

impl InternalIterator for ScriptedIterator {
    fn valid(&self) -> bool {
        self.pos < self.entries.len()
    }
    fn key(&self) -> &[u8] {
        &self.entries[self.pos].0
    }
    fn value(&self) -> &[u8] {
        &self.entries[self.pos].1
    }
    fn seek_to_first(&mut self) -> Result<(), BoxError> {
        self.step(0)
    }
    fn seek_to_last(&mut self) -> Result<(), BoxError> {
        self.step(self.entries.len().saturating_sub(1))
    }
    fn seek(&mut self, target: &[u8]) -> Result<(), BoxError> {
        let p = self.entries.partition_point(|(k, _)| compare_internal(k, target).is_lt());
        self.step(p)
    }
    fn seek_for_prev(&mut self, target: &[u8]) -> Result<(), BoxError> {
        let p = self.entries.partition_point(|(k, _)| compare_internal(k, target).is_le());
        self.step(p.checked_sub(1).unwrap_or(self.entries.len()))
    }
    fn next(&mut self) -> Result<(), BoxError> {
        self.step(self.pos + 1)
    }
    fn prev(&mut self) -> Result<(), BoxError> {
        self.step(self.pos.checked_sub(1).unwrap_or(self.entries.len()))
    }
}
