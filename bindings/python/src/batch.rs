//! Deciding many items on several threads, results in input order.
//!
//! Threads take small chunks from a shared counter (so a slow chunk does not
//! hold the others back) and each item is decided under `catch_unwind`, so a
//! failure of one item becomes that item's error and never loses the rest.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::errors::ErrorInfo;

/// Items per chunk: small enough to balance, large enough that the counter
/// is not contended.
const CHUNK: usize = 32;

/// The number of threads to use: `requested`, or every available core;
/// never more than there are chunks to share.
pub fn threads_for(requested: Option<usize>, items: usize) -> usize {
    let wanted = requested.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(std::num::NonZeroUsize::get)
            .unwrap_or(1)
    });
    wanted.clamp(1, items.div_ceil(CHUNK).max(1))
}

/// `f` over every item on `threads` threads; `out[i]` is `f(&items[i])`, or
/// the `panic` error if `f` panicked on that item.
pub fn map_in_order<T, R, F>(items: &[T], threads: usize, f: F) -> Vec<Result<R, ErrorInfo>>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> Result<R, ErrorInfo> + Sync,
{
    let guarded = |item: &T| -> Result<R, ErrorInfo> {
        catch_unwind(AssertUnwindSafe(|| f(item))).unwrap_or_else(|p| Err(ErrorInfo::panic(&*p)))
    };
    if threads <= 1 || items.len() <= CHUNK {
        return items.iter().map(guarded).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<(usize, Vec<Result<R, ErrorInfo>>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(chunk) = items.chunks(CHUNK).nth(index) else {
                            break;
                        };
                        done.push((index, chunk.iter().map(guarded).collect::<Vec<_>>()));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap_or_default())
            .collect()
    });
    parts.sort_unstable_by_key(|(index, _)| *index);
    let mut out: Vec<Result<R, ErrorInfo>> = parts.into_iter().flat_map(|(_, r)| r).collect();
    // A worker thread can only be lost if it failed outside `catch_unwind`
    // (out of memory): its items are errors, never silently dropped.
    if out.len() != items.len() {
        out = (0..items.len())
            .map(|_| {
                Err(ErrorInfo::new(
                    "panic",
                    "a worker thread of the batch failed; the batch was not decided",
                ))
            })
            .collect();
    }
    out
}
