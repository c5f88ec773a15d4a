//! A hash index of user keys beside the skiplist, for keyspaces read mostly
//! by key (see [`crate::Memtable::with_point_index`]).
//!
//! A skiplist search for one key in a memtable of 100,000 entries follows
//! about 17 pointers, most of them to nodes no cache holds: measured behind
//! the Redis protocol, a third of the server's time for GETs went to those
//! comparisons. The index answers the same question with one probe of a slot
//! array and one node read: slot `hash(key) & mask` and the slots after it
//! (linear probing) hold the newest version of each user key inserted so far.
//!
//! # Invariants
//!
//! - A slot, once set, only ever changes to a newer version (higher seqno)
//!   of the same user key: slots are never cleared, and keys never move.
//! - Every key of the list is in the index, unless `complete` is false: a
//!   new key that would take the index past `limit` slots (3/4 of them, so
//!   probes stay short and always end at an empty slot) is left out, and
//!   `complete` is cleared before the insert returns. Keys already indexed
//!   go on being updated, so a key found is always its newest version.
//! - An insert updates the index after it has linked the node, before it
//!   returns. The engine makes a write visible only once its inserts have
//!   returned, so a reader whose snapshot includes a write sees its slot (or
//!   `complete` cleared): the release that publishes the write's seqno
//!   orders these stores before the reader's loads.
//!
//! A lookup therefore answers "absent" only when it reaches an empty slot
//! while the index is complete, and answers with a version only if that is
//! the newest one; otherwise (a version newer than the reader's snapshot, or
//! an incomplete index) the caller searches the skiplist as before.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

use crate::skiplist::{NodeHandle, NodeRef, SkipList};

/// Fewest slots an index has.
const MIN_SLOTS: usize = 1 << 10;

/// Most slots an index has: 4M slots, 32 MiB.
const MAX_SLOTS: usize = 1 << 22;

/// What a lookup found.
pub(crate) enum Probe<'a> {
    /// The newest version of the key inserted so far.
    Newest(NodeRef<'a>),
    /// The memtable holds no version of the key.
    Absent,
    /// The index cannot tell (it is full): search the skiplist.
    Unknown,
}

/// The index; see the module documentation.
pub(crate) struct PointIndex {
    /// Node addresses (see [`NodeHandle::as_ptr`]), null while free.
    slots: Box<[AtomicPtr<()>]>,
    mask: usize,
    /// Slots taken; at most `limit`.
    used: AtomicUsize,
    limit: usize,
    /// Whether every key inserted is indexed.
    complete: AtomicBool,
}

impl PointIndex {
    /// An index of at least `slots` slots (rounded up to a power of two and
    /// clamped to between 1,024 and 4M), of which 3/4 may be taken.
    pub(crate) fn new(slots: usize) -> Self {
        let len = slots.clamp(MIN_SLOTS, MAX_SLOTS).next_power_of_two();
        PointIndex {
            slots: (0..len).map(|_| AtomicPtr::new(std::ptr::null_mut())).collect(),
            mask: len - 1,
            used: AtomicUsize::new(0),
            limit: len / 4 * 3,
            complete: AtomicBool::new(true),
        }
    }

    /// Number of slots.
    pub(crate) fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Bytes the slot array takes.
    pub(crate) fn bytes(&self) -> usize {
        self.slots.len() * size_of::<AtomicPtr<()>>()
    }

    /// Records `node`, just linked into `list`, as the newest version of its
    /// user key unless a newer one is recorded already.
    pub(crate) fn insert(&self, list: &SkipList, node: NodeHandle) {
        // SAFETY: `node` was just published in `list`, which outlives this
        // call.
        let new = unsafe { list.node(node) };
        let (key, seqno) = (new.user_key(), new.trailer() >> 8);
        let mut at = hash(key) as usize & self.mask;
        loop {
            let mut current = self.slots[at].load(Ordering::Acquire);
            if current.is_null() {
                if self.used.fetch_add(1, Ordering::Relaxed) >= self.limit {
                    self.used.fetch_sub(1, Ordering::Relaxed);
                    self.complete.store(false, Ordering::Release);
                    return;
                }
                match self.slots[at].compare_exchange(
                    std::ptr::null_mut(),
                    node.as_ptr(),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => return,
                    Err(taken) => {
                        // Another insert took the slot first; it may be for
                        // this key, so look at it like any other.
                        self.used.fetch_sub(1, Ordering::Relaxed);
                        current = taken;
                    }
                }
            }
            let old = self.node(list, current);
            if old.user_key() == key {
                // Keep the newer version; retry while others replace it.
                let mut old = old;
                loop {
                    if old.trailer() >> 8 >= seqno {
                        return;
                    }
                    match self.slots[at].compare_exchange(
                        current,
                        node.as_ptr(),
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => return,
                        Err(newer) => {
                            current = newer;
                            old = self.node(list, current);
                        }
                    }
                }
            }
            at = (at + 1) & self.mask;
        }
    }

    /// The newest version of `key` recorded, if the index can tell.
    pub(crate) fn get<'a>(&self, list: &'a SkipList, key: &[u8]) -> Probe<'a> {
        let mut at = hash(key) as usize & self.mask;
        loop {
            let current = self.slots[at].load(Ordering::Acquire);
            if current.is_null() {
                return if self.complete.load(Ordering::Acquire) {
                    Probe::Absent
                } else {
                    Probe::Unknown
                };
            }
            let node = self.node(list, current);
            if node.user_key() == key {
                return Probe::Newest(node);
            }
            at = (at + 1) & self.mask;
        }
    }

    /// The node at a non-null slot address.
    fn node<'a>(&self, list: &'a SkipList, ptr: *mut ()) -> NodeRef<'a> {
        let handle = NodeHandle::from_ptr(ptr).expect("only non-null slots are read");
        // SAFETY: slots only ever hold handles of nodes published in the list
        // this index belongs to (`insert` is given them by `Memtable`), and
        // the Acquire load of the slot pairs with the Release of the store,
        // which follows the node's publication.
        unsafe { list.node(handle) }
    }
}

/// A 64-bit hash of `key`: eight bytes at a time through a multiply and a
/// rotation, then splitmix64's finaliser, so keys that differ in their last
/// digits (`key:000123`, `key:000124`) land far apart.
fn hash(key: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (key.len() as u64).wrapping_mul(K);
    let mut chunks = key.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("chunks of eight"));
        h = (h ^ word).wrapping_mul(K).rotate_left(29);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skiplist::Splice;

    fn put(list: &SkipList, index: &PointIndex, key: &[u8], seqno: u64) {
        let inserted = list.insert(&mut Splice::new(), key, seqno << 8 | 1, b"v");
        index.insert(list, inserted.linked.expect("a new entry"));
    }

    fn newest(list: &SkipList, index: &PointIndex, key: &[u8]) -> Option<u64> {
        match index.get(list, key) {
            Probe::Newest(node) => Some(node.trailer() >> 8),
            Probe::Absent => None,
            Probe::Unknown => panic!("the index is complete"),
        }
    }

    #[test]
    fn keeps_the_newest_version_in_any_insert_order() {
        let list = SkipList::new();
        let index = PointIndex::new(0);
        put(&list, &index, b"a", 5);
        put(&list, &index, b"a", 3);
        put(&list, &index, b"a", 9);
        put(&list, &index, b"b", 1);
        assert_eq!(newest(&list, &index, b"a"), Some(9));
        assert_eq!(newest(&list, &index, b"b"), Some(1));
        assert_eq!(newest(&list, &index, b"c"), None);
        assert_eq!(newest(&list, &index, b""), None);
    }

    #[test]
    fn a_full_index_keeps_updating_its_keys_and_sends_others_to_the_list() {
        let list = SkipList::new();
        let index = PointIndex::new(0);
        assert_eq!(index.slots(), MIN_SLOTS);
        let indexed = MIN_SLOTS / 4 * 3;
        for i in 0..indexed as u32 {
            put(&list, &index, &i.to_be_bytes(), 1);
        }
        assert!(index.complete.load(Ordering::Relaxed));
        put(&list, &index, b"one too many", 1);
        assert!(!index.complete.load(Ordering::Relaxed));
        assert!(matches!(index.get(&list, b"one too many"), Probe::Unknown));
        assert!(matches!(index.get(&list, b"never inserted"), Probe::Unknown));
        put(&list, &index, &7u32.to_be_bytes(), 2);
        assert_eq!(newest(&list, &index, &7u32.to_be_bytes()), Some(2));
        assert_eq!(index.used.load(Ordering::Relaxed), indexed);
    }

    #[test]
    fn similar_keys_spread_over_the_slots() {
        // Keys like redis-benchmark's: a shared prefix, then digits.
        let index = PointIndex::new(1 << 16);
        let mut taken = vec![false; index.slots()];
        let mut collisions = 0;
        for i in 0..30_000 {
            let slot = hash(format!("key:{i:012}").as_bytes()) as usize & index.mask;
            collisions += usize::from(std::mem::replace(&mut taken[slot], true));
        }
        // Uniform hashing of 30,000 keys into 65,536 slots collides about
        // 5,900 times; a weak hash collides far more.
        assert!(collisions < 7_000, "{collisions} collisions");
    }
}
