//! The memtable's arena: memory handed out in 8-byte-aligned pieces from
//! large zeroed chunks, and returned all at once when the arena is dropped.
//!
//! A memtable never frees an entry before it is dropped as a whole, so a
//! general-purpose allocator buys nothing but cost: one `malloc` per node and
//! per record buffer, each with its own header and rounding, and a `free` per
//! entry at drop. Here an allocation is a pointer bump under an uncontended
//! lock, entries sit next to each other in the order they were inserted, and
//! dropping a memtable frees a few dozen chunks.
//!
//! Chunks start at [`MIN_CHUNK_BYTES`] and double up to [`MAX_CHUNK_BYTES`],
//! so the many small memtables of rarely written keyspaces stay small while a
//! busy one allocates rarely. An allocation larger than a quarter of the next
//! chunk gets a chunk of its own, so a large value never wastes the rest of
//! the current chunk. Chunks are zeroed ([`std::alloc::alloc_zeroed`]), so
//! every byte handed out is initialised.
//!
//! Concurrency: [`Arena::alloc`] may be called from many threads at once; the
//! lock is held for a bounds check and an addition (and, once per chunk, for
//! the chunk's allocation). Pieces never overlap, so threads write their own
//! pieces without synchronising with each other.

use std::alloc::{alloc_zeroed, dealloc, handle_alloc_error, Layout};
use std::ptr::NonNull;

use parking_lot::Mutex;

/// Alignment of every piece: enough for the `u32`s and atomic pointers of a
/// skiplist node.
pub(crate) const ALIGN: usize = 8;

/// The first chunk's size. An empty keyspace's memtable reserves nothing;
/// one that holds a few entries reserves 8 KiB.
pub(crate) const MIN_CHUNK_BYTES: usize = 8 << 10;

/// The largest regular chunk. 1 MiB is 1/24 of the default memtable budget,
/// so at most that much is reserved beyond what the entries use, and a full
/// memtable is a few dozen chunks.
pub(crate) const MAX_CHUNK_BYTES: usize = 1 << 20;

/// One chunk obtained from the global allocator.
struct Chunk {
    ptr: NonNull<u8>,
    layout: Layout,
}

struct State {
    /// Next free byte of the current chunk, and the end of that chunk
    /// (both dangling and equal before the first chunk).
    cursor: usize,
    end: usize,
    /// Size of the next regular chunk.
    next_chunk_bytes: usize,
    chunks: Vec<Chunk>,
    /// Bytes of all chunks.
    reserved_bytes: usize,
}

/// A bump allocator of 8-byte-aligned, zeroed pieces; see the module
/// documentation.
pub(crate) struct Arena {
    state: Mutex<State>,
}

// SAFETY: the chunks are plain heap memory owned by the arena; `State` holds
// raw pointers only to them, and every access to `State` goes through the
// mutex. Moving the arena to another thread moves that ownership with it.
unsafe impl Send for Arena {}
// SAFETY: `alloc` takes `&self` and touches `State` only under the mutex; the
// pieces it returns are disjoint, so threads holding different pieces never
// access the same bytes through the arena.
unsafe impl Sync for Arena {}

impl Arena {
    /// An arena that has reserved nothing yet.
    pub(crate) fn new() -> Self {
        Arena {
            state: Mutex::new(State {
                cursor: 0,
                end: 0,
                next_chunk_bytes: MIN_CHUNK_BYTES,
                chunks: Vec::new(),
                reserved_bytes: 0,
            }),
        }
    }

    /// A zeroed piece of `bytes` bytes (a positive multiple of [`ALIGN`]),
    /// aligned to [`ALIGN`], valid until the arena is dropped and never
    /// handed out again.
    ///
    /// # Panics
    /// If `bytes` is zero or not a multiple of [`ALIGN`] (a caller bug).
    pub(crate) fn alloc(&self, bytes: usize) -> NonNull<u8> {
        assert!(bytes > 0 && bytes.is_multiple_of(ALIGN), "arena piece of {bytes} bytes");
        let mut st = self.state.lock();
        if st.end - st.cursor >= bytes {
            let at = st.cursor;
            st.cursor += bytes;
            // SAFETY: `cursor` is the address of a byte inside the current
            // chunk (`cursor < end` since `bytes > 0`), which is non-null.
            return unsafe { NonNull::new_unchecked(at as *mut u8) };
        }
        if bytes > st.next_chunk_bytes / 4 {
            // Large: a chunk of its own, leaving the current one in use.
            return st.new_chunk(bytes);
        }
        let chunk_bytes = st.next_chunk_bytes;
        st.next_chunk_bytes = (chunk_bytes * 2).min(MAX_CHUNK_BYTES);
        let chunk = st.new_chunk(chunk_bytes);
        st.cursor = chunk.as_ptr() as usize + bytes;
        st.end = chunk.as_ptr() as usize + chunk_bytes;
        chunk
    }

    /// Like [`Arena::alloc`], but always in a chunk of its own of exactly
    /// `bytes`: for the skiplist's head, so that a memtable nobody writes to
    /// reserves a hundred bytes rather than a whole first chunk.
    pub(crate) fn alloc_alone(&self, bytes: usize) -> NonNull<u8> {
        assert!(bytes > 0 && bytes.is_multiple_of(ALIGN), "arena piece of {bytes} bytes");
        self.state.lock().new_chunk(bytes)
    }

    /// Bytes obtained from the global allocator so far: what the arena
    /// really holds, including the unused tail of its current chunk.
    pub(crate) fn reserved_bytes(&self) -> usize {
        self.state.lock().reserved_bytes
    }
}

impl State {
    fn new_chunk(&mut self, bytes: usize) -> NonNull<u8> {
        let layout = Layout::from_size_align(bytes, ALIGN).expect("arena chunk size overflows");
        // SAFETY: `layout` has a non-zero size (callers pass `bytes > 0`).
        let ptr = unsafe { alloc_zeroed(layout) };
        let Some(ptr) = NonNull::new(ptr) else { handle_alloc_error(layout) };
        self.chunks.push(Chunk { ptr, layout });
        self.reserved_bytes += bytes;
        ptr
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        for chunk in self.state.get_mut().chunks.drain(..) {
            // SAFETY: `chunk.ptr` was returned by `alloc_zeroed(chunk.layout)`
            // and is freed once, here. `&mut self` proves no piece is still
            // borrowed: pieces are only reachable through the owner of the
            // arena, which is being dropped.
            unsafe { dealloc(chunk.ptr.as_ptr(), chunk.layout) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_aligned_zeroed_and_disjoint() {
        let arena = Arena::new();
        let mut pieces = Vec::new();
        // Enough pieces to span several growing chunks, of varied sizes.
        for i in 0..5_000usize {
            let bytes = ALIGN * (1 + i % 37);
            let piece = arena.alloc(bytes);
            assert_eq!(piece.as_ptr() as usize % ALIGN, 0);
            pieces.push((piece.as_ptr() as usize, bytes));
        }
        pieces.sort_unstable();
        for pair in pieces.windows(2) {
            assert!(pair[0].0 + pair[0].1 <= pair[1].0, "pieces overlap: {pair:?}");
        }
        for &(at, bytes) in &pieces {
            // SAFETY: each piece is `bytes` long, initialised (zeroed) and
            // owned by `arena`, which outlives this borrow.
            let piece = unsafe { std::slice::from_raw_parts(at as *const u8, bytes) };
            assert!(piece.iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn chunks_grow_to_the_maximum_and_large_pieces_get_their_own() {
        let arena = Arena::new();
        assert_eq!(arena.reserved_bytes(), 0);
        arena.alloc_alone(4 * ALIGN);
        assert_eq!(arena.reserved_bytes(), 4 * ALIGN);
        arena.alloc(ALIGN);
        assert_eq!(arena.reserved_bytes(), 4 * ALIGN + MIN_CHUNK_BYTES);
        // A piece larger than a quarter of the next chunk: a chunk of its
        // own, and the current chunk stays in use for the next small piece.
        let big = MIN_CHUNK_BYTES * 3;
        let first_small = arena.alloc(ALIGN).as_ptr() as usize;
        arena.alloc(big);
        assert_eq!(arena.reserved_bytes(), 4 * ALIGN + MIN_CHUNK_BYTES + big);
        let second_small = arena.alloc(ALIGN).as_ptr() as usize;
        assert_eq!(second_small, first_small + ALIGN);
        // Filling chunk after chunk doubles their size up to the maximum.
        let before = arena.reserved_bytes();
        let mut filled = 0;
        while filled < 8 * MAX_CHUNK_BYTES {
            arena.alloc(1024);
            filled += 1024;
        }
        let grown = arena.reserved_bytes() - before;
        assert!(grown >= filled && grown <= filled + 2 * MAX_CHUNK_BYTES, "{grown} for {filled}");
        assert_eq!(arena.state.lock().next_chunk_bytes, MAX_CHUNK_BYTES);
        // A piece larger than a whole chunk.
        let huge = arena.alloc(3 * MAX_CHUNK_BYTES);
        assert_eq!(huge.as_ptr() as usize % ALIGN, 0);
    }
}
