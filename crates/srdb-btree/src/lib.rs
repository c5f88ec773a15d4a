//! An on-disk B+Tree of 4 KiB pages.
//!
//! Owns: bulk building a tree bottom-up from a sorted stream of variable-length
//! keys and values, with no cap on its size; reading it in place from a byte
//! slice (an mmap) without copying: point lookup, lower-bound seek and
//! iteration both ways. Every page carries a checksum. It knows nothing of SST
//! files, which use it as their index.
//!
//! Keys are ordered only by the comparator the caller supplies, which need
//! not be bytewise (srdb's SST files order internal keys newest version
//! first). The byte format is specified in `docs/format/btree.md`.
//!
//! Memory: the writer holds one open page per level, so building a tree of
//! any size takes memory proportional to its height. Readers allocate
//! nothing, except [`BTree::verify`], which keeps one frame per level.
//!
//! ```
//! use srdb_btree::{bytewise, BTree, BTreeWriter};
//!
//! let mut writer = BTreeWriter::new(Vec::new(), bytewise);
//! for i in 0u32..10_000 {
//!     writer.push(format!("key{i:05}").as_bytes(), &i.to_le_bytes())?;
//! }
//! let (bytes, meta) = writer.finish()?;
//!
//! let tree = BTree::open(&bytes, meta, bytewise)?;
//! tree.verify()?;
//! assert_eq!(tree.get(b"key00042")?, Some(&42u32.to_le_bytes()[..]));
//!
//! // Iterate from the first key >= "key09998".
//! let mut cursor = tree.seek(b"key09998")?;
//! let mut seen = Vec::new();
//! while cursor.is_valid() {
//!     seen.push(cursor.key(&tree)?.to_vec());
//!     cursor.next(&tree)?;
//! }
//! assert_eq!(seen, [b"key09998".to_vec(), b"key09999".to_vec()]);
//! # Ok::<(), srdb_btree::BTreeError>(())
//! ```
#![forbid(unsafe_code)]

mod cursor;
mod error;
mod limits;
mod meta;
mod page;
mod tree;
mod verify;
mod writer;

pub use cursor::Cursor;
pub use error::BTreeError;
pub use limits::{MAX_HEIGHT, MAX_KEY_BYTES, MAX_VALUE_BYTES, PAGE_BYTES};
pub use meta::TreeMeta;
pub use tree::BTree;
pub use writer::BTreeWriter;

/// How the tree orders keys. It must be a total order, and the same one when
/// the tree is written and when it is read.
pub type KeyCmp = fn(&[u8], &[u8]) -> std::cmp::Ordering;

/// Bytewise (lexicographic) order: a [`KeyCmp`] for plain byte-string keys.
pub fn bytewise(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.cmp(b)
}
