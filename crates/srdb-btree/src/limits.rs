//! Every limit of the B+Tree, in one place, each with the reason for its value.
//!
//! Readers enforce the same limits as the writer: a length or a count read
//! from disk that exceeds one of them is corruption, so no corrupt field can
//! make a reader walk, or a verifier allocate, without bound.

/// The unit of every page: a page is a whole number of these. 4 KiB is the
/// page size of the operating system and of the disks srdb runs on, so one
/// index lookup reads one OS page per tree level.
pub const PAGE_BYTES: usize = 4096;

/// The longest key the tree accepts. srdb user keys are at most 64 KiB and
/// internal keys add an 8-byte trailer; twice that leaves callers room for
/// their own framing while keeping an internal page that holds two such keys
/// (the most a page larger than [`PAGE_BYTES`] ever holds) near 256 KiB.
pub const MAX_KEY_BYTES: usize = 128 * 1024;

/// The longest value the tree accepts. The SST index stores block handles of
/// a few bytes, but the tree is general; 16 MiB bounds the one page the
/// writer buffers for an entry and the length a reader accepts from disk.
/// Larger objects belong in the data blocks the tree points to.
pub const MAX_VALUE_BYTES: usize = 16 * 1024 * 1024;

/// The tallest tree a reader accepts. Every internal page but the last of its
/// level holds at least two children, so a tree of `n` entries is at most
/// `log2(n) + 2` levels high: 64 covers any entry count a `u64` can hold, and
/// bounds the verifier's stack and every downward walk.
pub const MAX_HEIGHT: u32 = 64;

/// The smallest tree whose pages a lookup warms before searching them (see
/// `Page::warm`). Warming loads every cache line of a page at once, which
/// halves lookups in a tree too large to stay in the CPU caches (the crate's
/// benchmark, 1M entries, about 35 MiB) but is 64 wasted loads per level in one
/// that stays cached. An SST's index holds one entry per data block, about
/// 1% of its file, and its upper levels serve every lookup: below 8 MiB (the
/// order of a server's L2 plus L3 cache per core) the tree is assumed cached
/// and searched directly.
pub(crate) const WARM_TREE_BYTES_MIN: u64 = 8 * 1024 * 1024;

/// Bytes of the fixed page header (see `page.rs`).
pub(crate) const PAGE_HEADER_BYTES: usize = 16;

/// Bytes of one slot of a page's offset array.
pub(crate) const SLOT_BYTES: usize = 4;

/// Bytes of a child page offset in an internal entry.
pub(crate) const CHILD_BYTES: usize = 8;

/// The most bytes a LEB128 varint of a `u32` takes.
pub(crate) const MAX_VARINT_BYTES: usize = 5;

/// The largest page, in bytes, derived from the limits above: a leaf holding
/// one entry of the largest key and value, or an internal page holding two of
/// the largest keys (an internal page grows past [`PAGE_BYTES`] only to hold
/// its second child, so that every tree level at least halves the page count).
pub(crate) const MAX_PAGE_BYTES: usize = {
    let leaf =
        PAGE_HEADER_BYTES + SLOT_BYTES + 2 * MAX_VARINT_BYTES + MAX_KEY_BYTES + MAX_VALUE_BYTES;
    let internal =
        PAGE_HEADER_BYTES + 2 * (SLOT_BYTES + MAX_VARINT_BYTES + MAX_KEY_BYTES + CHILD_BYTES);
    let largest = if leaf > internal { leaf } else { internal };
    largest.div_ceil(PAGE_BYTES) * PAGE_BYTES
};

/// [`MAX_PAGE_BYTES`] in units of [`PAGE_BYTES`], as stored in page headers.
pub(crate) const MAX_PAGE_UNITS: u32 = (MAX_PAGE_BYTES / PAGE_BYTES) as u32;

/// The most entries a page holds: a 4 KiB page of empty keys and values.
/// Pages larger than [`PAGE_BYTES`] hold at most two entries.
pub(crate) const MAX_PAGE_ENTRIES: usize = (PAGE_BYTES - PAGE_HEADER_BYTES) / (SLOT_BYTES + 2);
