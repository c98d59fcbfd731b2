//! Collecting a stream of events into its outcome, incrementally (shared by
//! [`EventStreamExt::collect_outcome`](super::EventStreamExt::collect_outcome) and
//! [`race`](crate::compose::race)).

use std::future::poll_fn;
use std::pin::pin;

use claude_sdk_core::{Error, Event, Outcome, Result};
use futures_core::Stream;

/// Collects events until the first result, with the semantics of `EventStream::collect`.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    events: Vec<Event>,
}

impl Collector {
    /// Feeds the next item of the stream (`None`: the stream ended). Returns the final answer
    /// once there is one: on a result, an error, or the end of the stream.
    pub(crate) fn push(
        &mut self,
        item: Option<Result<Event>>,
    ) -> Option<Result<(Vec<Event>, Outcome)>> {
        match item {
            None => Some(Err(Error::protocol("the response ended without a result"))),
            Some(Err(e)) => Some(Err(e)),
            Some(Ok(Event::Result(r))) => {
                let outcome = Outcome::from_result(r.clone());
                Some(outcome.map(|o| {
                    self.events.push(Event::Result(r));
                    (std::mem::take(&mut self.events), o)
                }))
            }
            Some(Ok(ev)) => {
                self.events.push(ev);
                None
            }
        }
    }
}

/// Drains `stream` up to its first result.
pub(crate) async fn collect_outcome<S>(stream: S) -> Result<(Vec<Event>, Outcome)>
where
    S: Stream<Item = Result<Event>>,
{
    let mut stream = pin!(stream);
    let mut collector = Collector::default();
    loop {
        let item = poll_fn(|cx| stream.as_mut().poll_next(cx)).await;
        if let Some(done) = collector.push(item) {
            return done;
        }
    }
}
