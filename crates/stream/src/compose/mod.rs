//! Composing several event streams: [`merge`] (interleave, tagged by source), [`race`] /
//! [`race_ok`] (the first to finish wins, the others are dropped — cancelled), [`concat`](concat()) (one
//! after the other), and [`deferred`] (a stream that starts its work on first poll, e.g. a
//! backend call, so lists of them can be merged, raced or concatenated).
//!
//! Nothing here buffers beyond one item per source, except what [`race`] must keep: the events
//! of each contender's turn so far, exactly as `collect` would.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use claude_sdk_core::EventStream;
//! use claude_sdk_stream::compose::{concat, merge, race};
//! use claude_sdk_stream::transform::{EventStreamExt, testing};
//! use futures_util::StreamExt;
//! use futures_util::stream::{iter, pending};
//!
//! // Interleave two turns, knowing where each event came from.
//! let tagged: Vec<_> = merge([
//!     ("a", iter(testing::message_turn("from a"))),
//!     ("b", iter(testing::message_turn("from b"))),
//! ])
//! .collect()
//! .await;
//! assert_eq!(tagged.len(), 6);
//! assert_eq!(tagged[0].0, "a");
//! assert_eq!(tagged[1].0, "b");
//!
//! // The first stream to reach its result wins; the other is dropped.
//! let (winner, outcome) = race([
//!     EventStream::new(iter(vec![Ok(testing::system_init())]).chain(pending())), // never ends
//!     EventStream::new(iter(testing::message_turn("fast"))),
//! ])
//! .await;
//! assert_eq!((winner, outcome.unwrap().1.text.as_str()), (1, "fast"));
//!
//! // Two turns in a row.
//! let text: Vec<String> = concat([
//!     iter(testing::message_turn("one ")),
//!     iter(testing::message_turn("two")),
//! ])
//! .text_only()
//! .map(|t| t.unwrap())
//! .collect()
//! .await;
//! assert_eq!(text.concat(), "one two");
//! # });
//! ```

mod concat;
mod merge;
mod race;

pub use concat::{Concat, Deferred, concat, deferred};
pub use merge::{Merge, merge};
pub use race::{race, race_ok};
