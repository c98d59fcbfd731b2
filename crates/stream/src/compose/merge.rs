//! [`merge`]: fair interleaving of tagged streams.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

/// Interleaves `streams`, yielding `(tag, item)` pairs. Polling is round-robin: after a
/// stream yields, the next poll starts with the stream after it, so a stream that is always
/// ready cannot starve the others. A stream is dropped as soon as it ends; the merge ends when
/// all have ended. Each stream is boxed once (no `Unpin` needed); nothing else is buffered.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use claude_sdk_stream::compose::merge;
/// use futures_util::StreamExt;
/// use futures_util::stream::iter;
/// let out: Vec<(u8, i32)> = merge([(1, iter(vec![10, 11, 12])), (2, iter(vec![20]))]).collect().await;
/// assert_eq!(out, [(1, 10), (2, 20), (1, 11), (1, 12)]);
/// # });
/// ```
pub fn merge<K, S, I>(streams: I) -> Merge<K, S>
where
    I: IntoIterator<Item = (K, S)>,
    K: Clone,
    S: Stream,
{
    let mut m = Merge {
        slots: Vec::new(),
        next: 0,
    };
    for (tag, stream) in streams {
        m.push(tag, stream);
    }
    m
}

/// The stream of [`merge`].
#[must_use = "streams do nothing unless polled"]
pub struct Merge<K, S> {
    slots: Vec<(K, Pin<Box<S>>)>,
    /// Where the next poll starts.
    next: usize,
}

impl<K: fmt::Debug, S> fmt::Debug for Merge<K, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Merge")
            .field(
                "live",
                &self.slots.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

// The streams are pinned in their boxes; tags are never pinned.
impl<K, S> Unpin for Merge<K, S> {}

impl<K, S> Merge<K, S> {
    /// Adds a stream (it takes part from the next poll on).
    pub fn push(&mut self, tag: K, stream: S) {
        self.slots.push((tag, Box::pin(stream)));
    }

    /// How many streams have not ended yet.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether every stream has ended (or none was given).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The tags of the streams that have not ended yet, in polling order.
    pub fn tags(&self) -> impl Iterator<Item = &K> {
        self.slots.iter().map(|(k, _)| k)
    }
}

impl<K, S> Stream for Merge<K, S>
where
    K: Clone,
    S: Stream,
{
    type Item = (K, S::Item);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let mut i = this.next;
        let mut checked = 0;
        while checked < this.slots.len() {
            if i >= this.slots.len() {
                i = 0;
            }
            let (tag, stream) = &mut this.slots[i];
            match stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    let tag = tag.clone();
                    this.next = i + 1;
                    return Poll::Ready(Some((tag, item)));
                }
                Poll::Ready(None) => {
                    // Dropped right away: whatever it holds is released now.
                    this.slots.remove(i);
                }
                Poll::Pending => {
                    i += 1;
                    checked += 1;
                }
            }
        }
        if this.slots.is_empty() {
            Poll::Ready(None)
        } else {
            this.next = i;
            Poll::Pending
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.slots.iter().fold((0, Some(0)), |(lo, hi), (_, s)| {
            let (l, h) = s.size_hint();
            (
                lo.saturating_add(l),
                hi.zip(h).and_then(|(a, b)| a.checked_add(b)),
            )
        })
    }
}
