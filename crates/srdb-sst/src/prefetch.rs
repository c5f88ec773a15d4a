//! Hints to the CPU to start loading bytes into its caches, so that the
//! cache misses of several reads overlap instead of following one another.
//!
//! The only other module of the crate that uses `unsafe`: a prefetch
//! instruction reads nothing the program can observe and never faults, on
//! any address, so the hint is safe for any slice.
#![allow(unsafe_code)]

/// Bytes per cache line on the CPUs srdb targets.
pub(crate) const LINE_BYTES: usize = 64;

/// Starts loading the cache line holding `bytes[at]`, if there is one.
#[inline(always)]
pub(crate) fn line(bytes: &[u8], at: usize) {
    if let Some(byte) = bytes.get(at) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `_mm_prefetch` needs SSE, which every x86-64 CPU has, and
        // does not dereference its pointer: it cannot fault, even on an
        // unmapped address, and here the address is inside `bytes`.
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(byte).cast::<i8>());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = byte;
    }
}

/// Starts loading every cache line of `bytes`.
#[inline]
pub(crate) fn all(bytes: &[u8]) {
    let mut at = 0;
    while at < bytes.len() {
        line(bytes, at);
        at += LINE_BYTES;
    }
    // The last line, which `bytes` may end inside of after a partial first.
    line(bytes, bytes.len().wrapping_sub(1));
}
