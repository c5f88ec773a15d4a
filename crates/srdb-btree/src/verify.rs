//! The full check of a tree: every page, every link, every key.
//!
//! Two walks, both bounded by the tree's bytes and allocating only a few
//! words per level:
//!
//! 1. **In file order.** From offset 0, each page's length leads to the next,
//!    and the pages must tile the tree's bytes exactly, the root last. Each
//!    page's checksum, header and layout are checked, as are the links the
//!    readers' leaf-to-leaf walk relies on: each page's record of the length
//!    of the page before it, at most `height - 1` internal pages between two
//!    leaves and `2 * (height - 1)` after the last, as the writer emits them.
//!    Leaf keys must strictly increase under the comparator
//!    across the whole file, and the leaves must hold `meta.entries` entries.
//! 2. **Down from the root**, depth first. Children must lie before their
//!    parent and one level below it, each separator must be byte for byte the
//!    last key of its child's subtree, and the pages of each level must be
//!    met in exactly the order the file holds them: the `n`-th page the walk
//!    reaches on a level is the `n`-th page of that level in the file, and
//!    every page of the file is reached. So the tree that descents see and
//!    the chain of leaves that cursors walk are the same, and with the key
//!    order of walk 1 every separator sorts after the one before it.

use crate::error::{corruption, Result};
use crate::page::Page;
use crate::tree::MAX_RUN_FACTOR;
use crate::BTree;
use std::cmp::Ordering;

pub(crate) fn verify(tree: &BTree<'_>) -> Result<()> {
    if tree.meta().height == 0 {
        return Ok(());
    }
    check_file_order(tree)?;
    check_tree_order(tree)
}

/// Walk 1: every page in file order.
fn check_file_order(tree: &BTree<'_>) -> Result<()> {
    let meta = tree.meta();
    let cmp = tree.cmp();
    let (mut offset, mut last_units) = (0u64, 0u32);
    let mut internal_run = 0u32;
    let mut entries = 0u64;
    let mut last_key: Option<&[u8]> = None;
    let mut last_page_offset = 0;
    while offset < meta.bytes {
        let page = Page::read(tree.bytes(), offset, true)?;
        page.check_layout()?;
        if page.prev_units != last_units {
            return Err(corruption(
                offset,
                format!(
                    "the page says the page before it has {} units, but it has {last_units}",
                    page.prev_units
                ),
            ));
        }
        if u32::from(page.level) >= meta.height {
            return Err(corruption(
                offset,
                format!("the page is at level {} in a tree of height {}", page.level, meta.height),
            ));
        }
        if page.is_leaf() {
            if internal_run >= meta.height {
                return Err(corruption(
                    offset,
                    format!("{internal_run} internal pages precede this leaf, more than the writer puts between two leaves"),
                ));
            }
            internal_run = 0;
            for slot in 0..page.count {
                let key = page.key(slot)?;
                if let Some(last) = last_key {
                    if cmp(last, key) != Ordering::Less {
                        return Err(corruption(
                            offset,
                            format!("key {slot} of the leaf does not sort after the key before it"),
                        ));
                    }
                }
                last_key = Some(key);
            }
            entries += page.count as u64;
        } else {
            internal_run += 1;
            if entries == 0 || internal_run > MAX_RUN_FACTOR * (meta.height - 1) {
                return Err(corruption(
                    offset,
                    format!("{internal_run} internal pages in a row, more than the writer emits"),
                ));
            }
        }
        last_page_offset = offset;
        (offset, last_units) = (page.end(), page.units);
    }
    if last_page_offset != meta.root_offset {
        return Err(corruption(
            last_page_offset,
            format!("the last page is not the root at {}", meta.root_offset),
        ));
    }
    if entries != meta.entries {
        return Err(corruption(
            meta.root_offset,
            format!("the leaves hold {entries} entries but the metadata says {}", meta.entries),
        ));
    }
    Ok(())
}

/// Finds the first page of `level` at or after `from`, in file order. Walk 1
/// has checked that page lengths chain through the whole tree.
fn next_page_of_level(tree: &BTree<'_>, mut from: u64, level: u8) -> Result<Option<u64>> {
    while from < tree.meta().bytes {
        let page = Page::read(tree.bytes(), from, false)?;
        if page.level == level {
            return Ok(Some(from));
        }
        from = page.end();
    }
    Ok(None)
}

/// An internal page being walked, and the next child to visit.
struct Frame<'a> {
    page: Page<'a>,
    next_child: usize,
}

/// Walk 2: depth first from the root, after walk 1 succeeded.
fn check_tree_order(tree: &BTree<'_>) -> Result<()> {
    let height = tree.meta().height as usize;
    // For each level, where to look for the next page of that level in file
    // order. Walk 1 bounded height by MAX_HEIGHT through the metadata checks.
    let mut level_from = vec![0u64; height];
    let mut expect_next_in_level = |page: &Page<'_>| -> Result<()> {
        let level = usize::from(page.level);
        let expected = next_page_of_level(tree, level_from[level], page.level)?;
        if expected != Some(page.offset) {
            return Err(corruption(
                page.offset,
                format!("the tree reaches this level-{level} page out of the file's order of that level"),
            ));
        }
        level_from[level] = page.end();
        Ok(())
    };
    let mut stack: Vec<Frame<'_>> = Vec::with_capacity(height);
    let mut page = tree.root(false)?;
    loop {
        expect_next_in_level(&page)?;
        if !page.is_leaf() {
            let (_, child) = page.internal_entry(0)?;
            stack.push(Frame { page, next_child: 1 });
            page = tree.child(&page, child, false)?;
            continue;
        }
        // Climb while the finished subtree was its parent's last child.
        let mut subtree_last_key = page.key(page.count - 1)?;
        loop {
            let Some(frame) = stack.last_mut() else {
                return check_all_levels_reached(tree, &level_from);
            };
            let (separator, _) = frame.page.internal_entry(frame.next_child - 1)?;
            if separator != subtree_last_key {
                return Err(corruption(
                    frame.page.offset,
                    format!(
                        "separator {} is not the last key of its child's subtree",
                        frame.next_child - 1
                    ),
                ));
            }
            if frame.next_child < frame.page.count {
                let (_, child) = frame.page.internal_entry(frame.next_child)?;
                frame.next_child += 1;
                page = tree.child(&frame.page, child, false)?;
                break;
            }
            stack.pop();
            subtree_last_key = separator;
        }
    }
}

fn check_all_levels_reached(tree: &BTree<'_>, level_from: &[u64]) -> Result<()> {
    for (level, &from) in level_from.iter().enumerate() {
        let level_byte = u8::try_from(level).expect("height is bounded by MAX_HEIGHT");
        if let Some(missed) = next_page_of_level(tree, from, level_byte)? {
            return Err(corruption(missed, "no separator in the tree leads to this page"));
        }
    }
    Ok(())
}
