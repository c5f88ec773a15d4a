//! Every limit of the SST format and its readers, with the reason for its
//! value. Readers check lengths read from disk against these before they
//! allocate, so a corrupt or hostile file can never make them allocate
//! without bound.

use srdb_key::{MAX_KEY_BYTES, TRAILER_BYTES};

/// The largest value an SST entry may hold, in bytes.
///
/// srdb stores values of "a few MiB" at most; 16 MiB leaves room for any
/// row or document the upper layers accept while keeping the largest block a
/// reader may have to decompress (see [`MAX_BLOCK_BYTES`]) small enough to
/// allocate without worry.
pub const MAX_VALUE_BYTES: usize = 16 * 1024 * 1024;

/// The largest internal key an SST entry may hold: the largest user key
/// plus its trailer.
pub const MAX_INTERNAL_KEY_BYTES: usize = MAX_KEY_BYTES + TRAILER_BYTES;

/// The largest uncompressed data block a reader accepts, in bytes.
///
/// A block is closed once it reaches the target size, so it holds at most one
/// entry past the target: the largest block is a target-sized block plus one
/// largest entry (key, value, three varint headers) plus its restart array.
/// The writer's target is capped by [`MAX_BLOCK_TARGET_BYTES`]. A reader
/// refuses to decompress a block that claims to be larger than this.
pub const MAX_BLOCK_BYTES: usize =
    MAX_BLOCK_TARGET_BYTES + MAX_INTERNAL_KEY_BYTES + MAX_VALUE_BYTES + 64 * 1024;

/// The largest block target size a writer accepts
/// ([`crate::WriterOptions::block_bytes`]), in bytes. Blocks are the unit of
/// reading and caching; past 1 MiB a point read decodes far more than it
/// returns.
pub const MAX_BLOCK_TARGET_BYTES: usize = 1024 * 1024;

/// The largest restart interval a writer accepts. A point read scans up to
/// one interval linearly and a backward step rescans one, so the interval is
/// bounded to keep both cheap.
pub const MAX_RESTART_INTERVAL: usize = 1024;

/// The largest bloom-filter density a writer accepts, in bits per key.
/// Past 30 bits per key the false-positive rate is already below one in a
/// million and more bits only waste memory.
pub const MAX_BLOOM_BITS_PER_KEY: u32 = 30;

/// The largest bloom-filter block a reader accepts, in bytes: one u32 count of
/// 64-byte lines is read from disk, and this bounds it. 512 MiB covers
/// 400 million keys at 10 bits per key, far beyond any SST srdb writes.
pub const MAX_BLOOM_BYTES: usize = 512 * 1024 * 1024;

/// The largest number of hash probes a bloom filter may use. The writer picks
/// `bits_per_key * ln 2`, at most 21 for [`MAX_BLOOM_BITS_PER_KEY`]; a file
/// claiming more is corrupt, and the bound keeps a probe cheap.
pub const MAX_BLOOM_PROBES: u8 = 30;

/// Largest [`crate::WriterOptions::properties`], in bytes. Properties describe
/// the file's owner (a keyspace's id, name and options), which is small; 64 KiB
/// bounds what a damaged summary can make a reader allocate.
pub const MAX_PROPERTIES_BYTES: usize = 64 * 1024;
