//! A concurrent, insert-only skiplist whose nodes live in an [`Arena`], in
//! the manner of LevelDB's `SkipList` and RocksDB's `InlineSkipList`.
//!
//! # Node layout
//!
//! One arena piece per entry, 8-byte aligned:
//!
//! ```text
//! +--------+---------+-----------+--------+-----+-----------------+-----------------+-------+-----+
//! | prefix | key_len | value_len | height | pad | tower: height x | user key        | trail | val |
//! | u64    | u32     | u32       | u32    | u32 | AtomicPtr<Node> | (key_len bytes) | u64LE | ... |
//! +--------+---------+-----------+--------+-----+-----------------+-----------------+-------+-----+
//! ```
//!
//! `prefix` is [`crate::key::key_prefix`] of the user key: a search step
//! compares it and follows `tower[level]`, both in the node's first 64
//! bytes, and reads the key bytes only when prefixes tie. Without it,
//! random single inserts of 16-byte keys into a 200k-entry memtable were a
//! third slower than with crossbeam's skiplist before it (3.0 against 2.3 us,
//! run alternately on a loaded machine), although they took 35% fewer
//! instructions: the key often starts in the next cache line, a second miss
//! per step. With it the two are level.
//!
//! `tower[i]` is the next node at level `i`. The user key followed by the
//! trailer is exactly an encoded `srdb_key` internal key, so iterators hand
//! it out without copying. Key bytes follow the tower in the same piece, so
//! a comparison during a search touches one cache line or two, not a second
//! allocation. Heights are geometric with p = 1/4 (LevelDB's branching), so
//! a node holds 1.33 pointers on average.
//!
//! # Concurrency
//!
//! Any number of threads insert at once, without locks (besides the arena's,
//! held for a pointer bump), and readers never wait. Nodes are never
//! removed or moved, and their key, value and height never change after
//! they are published, so a pointer to a node stays valid for as long as
//! the list lives.
//!
//! Memory orderings: an inserter writes the node's contents and its own
//! `tower[i]` first, then publishes the node at level `i` with a
//! compare-and-swap of the predecessor's `tower[i]` that has `Release`
//! ordering; every load of a `tower` pointer that will be followed is
//! `Acquire`. A thread that reads a pointer to a node therefore sees the
//! node's contents as they were written before its publication. Levels are
//! linked bottom-up, so a node reachable at level `i` is reachable at every
//! level below it. `max_height` is only a hint of where searches start: a
//! search that reads a stale (lower) value starts lower and is still right,
//! and one that reads a new height finds null or published pointers in the
//! head's tower. It is `Relaxed`.
//!
//! # Splices
//!
//! An insert first finds, at every level, the last node before the new key
//! and the first one after it: a [`Splice`]. Searching from the head costs
//! O(log n) comparisons. A caller inserting several keys keeps the splice of
//! its previous insert and passes it back: when the next key is close after
//! the previous one (a table's rows, each batch's index entries sorted), the
//! splice found last time still brackets it at a low level, and the insert
//! costs a few comparisons whatever the size of the list. A splice that no
//! longer brackets the key is repaired from the lowest level that does, up
//! to a full search from the head.

use std::cell::Cell;
use std::marker::PhantomData;
use std::mem::size_of;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use srdb_key::TRAILER_BYTES;

use crate::arena::{Arena, ALIGN};
use crate::key::{key_prefix, read_trailer, SearchKey};

/// The tallest tower. With p = 1/4, 12 levels index 4^12 = 16M entries at
/// full speed, far beyond a memtable (a 24 MiB memtable of the smallest
/// entries holds under a million).
pub(crate) const MAX_HEIGHT: usize = 12;

/// The fixed part of a node; the tower and the bytes follow it in its arena
/// piece (see the module documentation).
#[repr(C)]
struct Node {
    prefix: u64,
    key_len: u32,
    value_len: u32,
    height: u32,
    _pad: u32,
}

const HEADER_BYTES: usize = size_of::<Node>();
const POINTER_BYTES: usize = size_of::<AtomicPtr<Node>>();

/// Bytes of the arena piece of a node of `height` holding a `key_len`-byte
/// user key and a `value_len`-byte value.
fn node_bytes(height: usize, key_len: usize, value_len: usize) -> usize {
    let raw = HEADER_BYTES + height * POINTER_BYTES + key_len + TRAILER_BYTES + value_len;
    raw.next_multiple_of(ALIGN)
}

/// `tower[level]` of `node`.
///
/// # Safety
/// `node` points at a node of a live list (initialised in an arena piece that
/// outlives `'a`) whose height is above `level`.
#[inline]
unsafe fn tower<'a>(node: *const Node, level: usize) -> &'a AtomicPtr<Node> {
    // SAFETY: the tower starts right after the 24-byte header, is aligned
    // (pieces are 8-aligned and the header is 24 bytes), and holds `height`
    // initialised `AtomicPtr`s, so `level < height` is in bounds. The pointer
    // is derived from `node`, which carries the provenance of the whole arena
    // piece. The caller guarantees the piece lives for `'a`.
    unsafe { &*node.cast::<u8>().add(HEADER_BYTES).cast::<AtomicPtr<Node>>().add(level) }
}

/// A published node, valid for `'a`, the borrow of its list.
#[derive(Clone, Copy)]
pub(crate) struct NodeRef<'a> {
    node: NonNull<Node>,
    _list: PhantomData<&'a SkipList>,
}

impl<'a> NodeRef<'a> {
    /// # Safety
    /// `node` is a node of a list borrowed for `'a`, reached through a
    /// published pointer (so its contents are visible to this thread).
    unsafe fn new(node: NonNull<Node>) -> Self {
        NodeRef { node, _list: PhantomData }
    }

    fn header(&self) -> &'a Node {
        // SAFETY: the header is initialised before the node is published and
        // never changes afterwards; the piece outlives `'a` (see `new`).
        unsafe { self.node.as_ref() }
    }

    /// The encoded internal key, then the value.
    fn bytes(&self) -> (&'a [u8], &'a [u8]) {
        let header = self.header();
        let key_bytes = header.key_len as usize + TRAILER_BYTES;
        let offset = HEADER_BYTES + header.height as usize * POINTER_BYTES;
        // SAFETY: the piece holds `key_bytes + value_len` initialised bytes
        // after the tower (see `node_bytes` and `SkipList::insert`), written
        // before publication and never changed; the piece outlives `'a`.
        unsafe {
            let at = self.node.as_ptr().cast::<u8>().add(offset);
            (
                std::slice::from_raw_parts(at, key_bytes),
                std::slice::from_raw_parts(at.add(key_bytes), header.value_len as usize),
            )
        }
    }

    /// The encoded internal key: user key, then the trailer.
    pub(crate) fn internal_key(&self) -> &'a [u8] {
        self.bytes().0
    }

    /// The user key.
    pub(crate) fn user_key(&self) -> &'a [u8] {
        let key = self.internal_key();
        &key[..key.len() - TRAILER_BYTES]
    }

    /// `seqno << 8 | kind`.
    pub(crate) fn trailer(&self) -> u64 {
        let key = self.internal_key();
        read_trailer(&key[key.len() - TRAILER_BYTES..])
    }

    /// The value (empty for tombstones).
    pub(crate) fn value(&self) -> &'a [u8] {
        self.bytes().1
    }

    /// The handle of this node, to keep a position without a borrow.
    pub(crate) fn handle(&self) -> NodeHandle {
        NodeHandle(self.node)
    }

    fn search_key(&self) -> SearchKey<'a> {
        SearchKey::new(self.user_key(), self.trailer())
    }
}

/// A position in a list without a borrow of it: kept by iterators beside
/// the `Arc` that keeps the list alive, and turned back into a [`NodeRef`]
/// with [`SkipList::node`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NodeHandle(NonNull<Node>);

impl NodeHandle {
    /// The node's address, to keep in an atomic.
    pub(crate) fn as_ptr(self) -> *mut () {
        self.0.as_ptr().cast()
    }

    /// A handle from an address [`NodeHandle::as_ptr`] gave; `None` for null.
    pub(crate) fn from_ptr(ptr: *mut ()) -> Option<NodeHandle> {
        NonNull::new(ptr.cast()).map(NodeHandle)
    }
}

// SAFETY: a handle is an address; it is only dereferenced through
// `SkipList::node`, whose contract requires the list it came from, and
// nodes are immutable once published and safe to read from any thread.
unsafe impl Send for NodeHandle {}
// SAFETY: as for `Send`: sharing the address shares nothing mutable.
unsafe impl Sync for NodeHandle {}

/// The neighbours of a key at every level: `prev[i]` is before the key and
/// `next[i]` at or after it (null: the end). Kept between inserts to make
/// nearby inserts cheap; see the module documentation.
///
/// A splice belongs to one list: [`SkipList::insert`] must only ever be
/// given splices it filled itself (the memtable's `Inserter` borrows its
/// memtable and owns its splice, which guarantees it).
pub(crate) struct Splice {
    /// Levels below `height` were computed for some earlier key; 0 means
    /// nothing is known.
    height: usize,
    prev: [*const Node; MAX_HEIGHT + 1],
    next: [*const Node; MAX_HEIGHT + 1],
}

impl Splice {
    /// A splice that knows nothing: the first insert searches from the head.
    pub(crate) fn new() -> Self {
        Splice {
            height: 0,
            prev: [ptr::null(); MAX_HEIGHT + 1],
            next: [ptr::null(); MAX_HEIGHT + 1],
        }
    }
}

/// What an insert did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Inserted {
    /// Bytes of arena the entry took (also when it was not linked).
    pub(crate) bytes: usize,
    /// The new node, published; `None` if an entry with the same user key
    /// and trailer was already in the list: the first one stays.
    pub(crate) linked: Option<NodeHandle>,
}

/// The skiplist; see the module documentation.
pub(crate) struct SkipList {
    /// The head: a node of `MAX_HEIGHT` with an empty key, before every
    /// entry. Never compared with a key.
    head: NonNull<Node>,
    /// Height of the tallest node so far, at least 1.
    max_height: AtomicUsize,
    arena: Arena,
}

// SAFETY: the list owns its arena and every node in it; nodes are immutable
// once published except for their towers, which are atomics. Moving the list
// to another thread moves that ownership.
unsafe impl Send for SkipList {}
// SAFETY: shared access only reads published nodes (immutable) and updates
// towers with atomic operations; inserters write only to the arena pieces
// they allocated themselves until they publish them. See the module
// documentation for the orderings.
unsafe impl Sync for SkipList {}

impl SkipList {
    pub(crate) fn new() -> Self {
        let arena = Arena::new();
        let head = arena.alloc_alone(node_bytes(MAX_HEIGHT, 0, 0)).cast::<Node>();
        // SAFETY: the piece is large enough for a header and MAX_HEIGHT tower
        // pointers, aligned, and ours alone. Its tower is zeroed by the arena,
        // which is the bit pattern of null `AtomicPtr`s; the key and value are
        // empty (the trailer bytes are zero and never read).
        unsafe {
            head.as_ptr().write(Node {
                prefix: 0,
                key_len: 0,
                value_len: 0,
                height: MAX_HEIGHT as u32,
                _pad: 0,
            });
        }
        SkipList { head, max_height: AtomicUsize::new(1), arena }
    }

    /// Bytes obtained from the allocator, including the head and the unused
    /// tail of the current chunk.
    pub(crate) fn reserved_bytes(&self) -> usize {
        self.arena.reserved_bytes()
    }

    /// Turns a handle back into a node.
    ///
    /// # Safety
    /// `handle` came from a [`NodeRef`] of this list.
    pub(crate) unsafe fn node(&self, handle: NodeHandle) -> NodeRef<'_> {
        // SAFETY: the handle's node is in this list (caller's contract), was
        // published before the handle was made, and lives as long as `self`.
        unsafe { NodeRef::new(handle.0) }
    }

    /// The node after `node` at `level`, or null.
    ///
    /// # Safety
    /// `node` is the head or a published node of this list of height above
    /// `level`.
    #[inline]
    unsafe fn next(&self, node: *const Node, level: usize) -> *const Node {
        // SAFETY: forwarded to the caller. Acquire pairs with the Release of
        // the CAS that published the loaded node.
        unsafe { tower(node, level).load(Ordering::Acquire) }
    }

    /// A non-null published node pointer loaded from a tower, as a `NodeRef`.
    #[inline]
    fn node_ref(&self, node: *const Node) -> NodeRef<'_> {
        debug_assert!(!node.is_null());
        // SAFETY: every caller passes a non-null pointer loaded (Acquire) from
        // a tower of this list, i.e. a published node living as long as it.
        unsafe { NodeRef::new(NonNull::new_unchecked(node.cast_mut())) }
    }

    fn is_head(&self, node: *const Node) -> bool {
        ptr::eq(node, self.head.as_ptr())
    }

    /// Whether `key` sorts after the (non-head) `node`.
    #[inline]
    fn key_is_after(&self, key: &SearchKey<'_>, node: *const Node) -> bool {
        self.compare(key, self.node_ref(node)).is_gt()
    }

    /// `key` against a node: the prefixes in the node's header first.
    #[inline]
    fn compare(&self, key: &SearchKey<'_>, node: NodeRef<'_>) -> std::cmp::Ordering {
        let prefix = node.header().prefix;
        if key.prefix() != prefix {
            return key.prefix().cmp(&prefix);
        }
        key.cmp_stored(node.user_key(), node.trailer())
    }

    /// The first node at or after `key`.
    pub(crate) fn seek_ge(&self, key: &SearchKey<'_>) -> Option<NodeRef<'_>> {
        let mut x: *const Node = self.head.as_ptr();
        let mut level = self.max_height.load(Ordering::Relaxed) - 1;
        loop {
            // SAFETY: `x` is the head or a node reached at `level` or above.
            let n = unsafe { self.next(x, level) };
            if !n.is_null() && self.key_is_after(key, n) {
                x = n;
            } else if level == 0 {
                return (!n.is_null()).then(|| self.node_ref(n));
            } else {
                level -= 1;
            }
        }
    }

    /// The last node before `key` (`or_equal`: at or before it).
    pub(crate) fn seek_before(&self, key: &SearchKey<'_>, or_equal: bool) -> Option<NodeRef<'_>> {
        let mut x: *const Node = self.head.as_ptr();
        let mut level = self.max_height.load(Ordering::Relaxed) - 1;
        loop {
            // SAFETY: `x` is the head or a node reached at `level` or above.
            let n = unsafe { self.next(x, level) };
            let advance = !n.is_null() && {
                let order = self.compare(key, self.node_ref(n));
                order.is_gt() || (or_equal && order.is_eq())
            };
            if advance {
                x = n;
            } else if level == 0 {
                return (!self.is_head(x)).then(|| self.node_ref(x));
            } else {
                level -= 1;
            }
        }
    }

    /// The first node, if any.
    pub(crate) fn first(&self) -> Option<NodeRef<'_>> {
        // SAFETY: the head has a tower of MAX_HEIGHT.
        let n = unsafe { self.next(self.head.as_ptr(), 0) };
        (!n.is_null()).then(|| self.node_ref(n))
    }

    /// The last node, if any.
    pub(crate) fn last(&self) -> Option<NodeRef<'_>> {
        let mut x: *const Node = self.head.as_ptr();
        let mut level = self.max_height.load(Ordering::Relaxed) - 1;
        loop {
            // SAFETY: `x` is the head or a node reached at `level` or above.
            let n = unsafe { self.next(x, level) };
            if !n.is_null() {
                x = n;
            } else if level == 0 {
                return (!self.is_head(x)).then(|| self.node_ref(x));
            } else {
                level -= 1;
            }
        }
    }

    /// The node after `node`, if any.
    pub(crate) fn after<'a>(&'a self, node: NodeRef<'a>) -> Option<NodeRef<'a>> {
        // SAFETY: `node` is a published node of this list (its lifetime ties
        // it to `self`), of height at least 1.
        let n = unsafe { self.next(node.node.as_ptr(), 0) };
        (!n.is_null()).then(|| self.node_ref(n))
    }

    /// The node before `node`, if any: a search, as in LevelDB, since nodes
    /// keep no backward links.
    pub(crate) fn before<'a>(&'a self, node: NodeRef<'a>) -> Option<NodeRef<'a>> {
        self.seek_before(&node.search_key(), false)
    }

    /// Inserts `user_key` with `trailer` and `value`, starting from `splice`
    /// (filled by earlier inserts into this list, or new) and leaving it
    /// around the new entry.
    ///
    /// # Panics
    /// If the key or value is 4 GiB or longer.
    pub(crate) fn insert(
        &self,
        splice: &mut Splice,
        user_key: &[u8],
        trailer: u64,
        value: &[u8],
    ) -> Inserted {
        let key_len = u32::try_from(user_key.len()).expect("user key of 4 GiB or more");
        let value_len = u32::try_from(value.len()).expect("value of 4 GiB or more");
        let height = random_height();
        let bytes = node_bytes(height, user_key.len(), value.len());
        let node = self.arena.alloc(bytes).cast::<Node>();
        // SAFETY: the piece is `bytes` long (room for the header, `height`
        // tower pointers and the key, trailer and value), aligned, zeroed
        // (so the tower holds null pointers) and ours alone until published
        // below.
        unsafe {
            node.as_ptr().write(Node {
                prefix: key_prefix(user_key),
                key_len,
                value_len,
                height: height as u32,
                _pad: 0,
            });
            let mut at = node.as_ptr().cast::<u8>().add(HEADER_BYTES + height * POINTER_BYTES);
            ptr::copy_nonoverlapping(user_key.as_ptr(), at, user_key.len());
            at = at.add(user_key.len());
            ptr::copy_nonoverlapping(trailer.to_le_bytes().as_ptr(), at, TRAILER_BYTES);
            at = at.add(TRAILER_BYTES);
            ptr::copy_nonoverlapping(value.as_ptr(), at, value.len());
        }
        let node = node.as_ptr().cast_const();
        let key = SearchKey::new(user_key, trailer);

        let mut max_height = self.max_height.load(Ordering::Relaxed);
        while height > max_height {
            match self.max_height.compare_exchange_weak(
                max_height,
                height,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => max_height = height,
                Err(seen) => max_height = seen,
            }
        }

        let from = self.usable_level(splice, &key, height, max_height);
        if from == max_height {
            splice.prev[max_height] = self.head.as_ptr();
            splice.next[max_height] = ptr::null();
            splice.height = max_height;
        }
        for level in (0..from).rev() {
            let (prev, next) =
                self.find_splice(&key, splice.prev[level + 1], splice.next[level + 1], level);
            splice.prev[level] = prev;
            splice.next[level] = next;
        }

        for level in 0..height {
            loop {
                let (prev, next) = (splice.prev[level], splice.next[level]);
                if level == 0 && !next.is_null() && !self.key_is_before(&key, next) {
                    // The same user key and trailer is already in the list
                    // (the splice puts `key <= next`, so this means equal).
                    // Nothing of the new node is linked; its piece stays
                    // unused in the arena.
                    return Inserted { bytes, linked: None };
                }
                // SAFETY: `node` is ours, of `height` > `level`. Relaxed: the
                // Release CAS below publishes this store with the node.
                unsafe { tower(node, level).store(next.cast_mut(), Ordering::Relaxed) };
                // SAFETY: `prev` is the head or a published node of this list
                // whose height is above `level` (it was found at `level`).
                let link = unsafe { tower(prev, level) };
                // Release: the node's contents and tower, written above,
                // become visible to whoever loads the new link (Acquire).
                if link
                    .compare_exchange(
                        next.cast_mut(),
                        node.cast_mut(),
                        Ordering::Release,
                        Ordering::Relaxed,
                    )
                    .is_ok()
                {
                    break;
                }
                // Another insert linked a node after `prev` at this level
                // since the splice was found: search again from `prev`, which
                // is still before the key (nodes never go away).
                let (prev, next) = self.find_splice(&key, prev, ptr::null(), level);
                splice.prev[level] = prev;
                splice.next[level] = next;
            }
        }
        for level in 0..height {
            splice.prev[level] = node;
        }
        // SAFETY: `node` is non-null (from the arena) and now published.
        let handle = NodeHandle(unsafe { NonNull::new_unchecked(node.cast_mut()) });
        Inserted { bytes, linked: Some(handle) }
    }

    /// Whether `key` sorts before the (non-head) `node`.
    #[inline]
    fn key_is_before(&self, key: &SearchKey<'_>, node: *const Node) -> bool {
        self.compare(key, self.node_ref(node)).is_lt()
    }

    /// Whether `splice` at `level` still holds `key` between its nodes, and
    /// they are adjacent (nothing was inserted between them since).
    fn splice_fits(&self, splice: &Splice, key: &SearchKey<'_>, level: usize) -> bool {
        let (prev, next) = (splice.prev[level], splice.next[level]);
        (self.is_head(prev) || self.key_is_after(key, prev))
            && (next.is_null() || self.key_is_before(key, next))
            // SAFETY: `prev` is the head or a node of this list found at `level`.
            && ptr::eq(unsafe { self.next(prev, level) }, next)
    }

    /// The lowest level from which the splice is usable for `key`: it fits
    /// there, and still brackets the key at every level above up to
    /// `height` (the levels the new node is linked at without a search).
    /// `max_height` if nothing is usable: search from the head.
    fn usable_level(
        &self,
        splice: &Splice,
        key: &SearchKey<'_>,
        height: usize,
        max_height: usize,
    ) -> usize {
        if splice.height < max_height {
            return max_height;
        }
        let Some(from) = (0..max_height).find(|&level| self.splice_fits(splice, key, level)) else {
            return max_height;
        };
        let brackets = |level: usize| {
            let (prev, next) = (splice.prev[level], splice.next[level]);
            (self.is_head(prev) || self.key_is_after(key, prev))
                && (next.is_null() || self.key_is_before(key, next))
        };
        if (from + 1..height).all(brackets) {
            from
        } else {
            max_height
        }
    }

    /// Walks `level` from `before` (the head, or a node before `key`) to the
    /// last node before `key`; returns it and its successor, stopping early
    /// at `after` (a node at or after `key`, or null).
    fn find_splice(
        &self,
        key: &SearchKey<'_>,
        before: *const Node,
        after: *const Node,
        level: usize,
    ) -> (*const Node, *const Node) {
        let mut x = before;
        loop {
            // SAFETY: `x` is the head or a node found at `level` or above.
            let n = unsafe { self.next(x, level) };
            if n.is_null() || ptr::eq(n, after) || !self.key_is_after(key, n) {
                return (x, n);
            }
            x = n;
        }
    }
}

thread_local! {
    /// State of the xorshift64* generator of tower heights, one per thread
    /// so inserting threads share no cache line. Seeded from std's
    /// per-process random hash keys and the thread's own address.
    static HEIGHT_RNG: Cell<u64> = Cell::new({
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(&h as *const _ as usize);
        h.finish() | 1
    });
}

/// A tower height: 1 with probability 3/4, 2 with 3/16, ..., at most
/// `MAX_HEIGHT`.
fn random_height() -> usize {
    HEIGHT_RNG.with(|state| {
        let mut x = state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        // Each pair of random bits is zero with probability 1/4.
        (1 + r.trailing_zeros() as usize / 2).min(MAX_HEIGHT)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(list: &SkipList, splice: &mut Splice, key: &[u8], seqno: u64) -> Inserted {
        list.insert(splice, key, crate::key::trailer(seqno, 1), key)
    }

    fn keys(list: &SkipList) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut at = list.first();
        while let Some(node) = at {
            out.push(node.user_key().to_vec());
            at = list.after(node);
        }
        out
    }

    #[test]
    fn heights_are_geometric() {
        let mut counts = [0usize; MAX_HEIGHT + 1];
        for _ in 0..100_000 {
            counts[random_height()] += 1;
        }
        assert_eq!(counts[0], 0);
        // 75% of height 1, 18.75% of height 2, within a wide margin.
        assert!((70_000..80_000).contains(&counts[1]), "{counts:?}");
        assert!((16_000..21_500).contains(&counts[2]), "{counts:?}");
        assert!(counts[5..].iter().sum::<usize>() > 0, "{counts:?}");
    }

    #[test]
    fn one_splice_serves_ascending_descending_and_scattered_keys() {
        let list = SkipList::new();
        let mut splice = Splice::new();
        let mut expected = Vec::new();
        // Ascending, then descending below them, then scattered between.
        for i in (0..2_000u32).map(|i| i * 4 + 2).chain((0..2_000).rev().map(|i| i * 4)) {
            let key = i.to_be_bytes();
            assert!(insert(&list, &mut splice, &key, 1).linked.is_some());
            expected.push(key.to_vec());
        }
        for i in 0..2_000u32 {
            let key = ((i * 7919) % 2_000 * 4 + 1).to_be_bytes();
            assert!(insert(&list, &mut splice, &key, 1).linked.is_some());
            expected.push(key.to_vec());
        }
        expected.sort();
        assert_eq!(keys(&list), expected);
    }

    #[test]
    fn duplicates_are_not_linked_and_the_first_value_stays() {
        let list = SkipList::new();
        let mut splice = Splice::new();
        assert!(list.insert(&mut splice, b"k", 0x105, b"first").linked.is_some());
        let again = list.insert(&mut Splice::new(), b"k", 0x105, b"second");
        assert!(again.linked.is_none());
        assert!(again.bytes >= HEADER_BYTES + 1 + 8 + 6);
        // Through the splice that sits right at the key, too.
        assert!(list.insert(&mut splice, b"k", 0x105, b"third").linked.is_none());
        assert!(list.insert(&mut splice, b"k", 0x104, b"other kind").linked.is_some());
        let first = list.first().unwrap();
        assert_eq!((first.trailer(), first.value()), (0x105, &b"first"[..]));
        assert_eq!(keys(&list).len(), 2);
    }

    #[test]
    fn entries_larger_than_a_chunk_and_empty_ones() {
        let list = SkipList::new();
        let mut splice = Splice::new();
        let big = vec![0xABu8; 3 * crate::arena::MAX_CHUNK_BYTES + 3];
        list.insert(&mut splice, b"big", 0x101, &big);
        list.insert(&mut splice, b"", 0x101, b"");
        list.insert(&mut splice, b"c", 0x101, b"odd length 13");
        let first = list.first().unwrap();
        assert_eq!((first.user_key(), first.value()), (&b""[..], &b""[..]));
        let second = list.after(first).unwrap();
        assert_eq!(second.user_key(), b"big");
        assert!(second.value() == &big[..]);
        let third = list.after(second).unwrap();
        assert_eq!(third.value(), b"odd length 13");
        assert_eq!(third.handle().0.as_ptr() as usize % ALIGN, 0);
        assert!(list.reserved_bytes() > big.len());
        assert!(list.last().unwrap().handle() == third.handle());
        assert!(list.before(third).unwrap().handle() == second.handle());
        assert!(list.before(first).is_none());
    }
}
