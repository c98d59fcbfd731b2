//! Fan-out of one event stream to several subscribers, each with its own bounded buffer and
//! a policy for when that buffer is full.
//!
//! **Driving: poll-driven, no task.** There is no background task and no runtime requirement:
//! a subscriber that finds its buffer empty pulls the next item from the source itself (under
//! a lock) and copies it into every subscriber's buffer. So the source advances at the pace of
//! the fastest subscriber that is polled — and not at all while nobody polls.
//!
//! Policies, when a subscriber's buffer is full and a new item arrives:
//! - [`Policy::Wait`]: the source is not pulled until that subscriber makes room — a slow
//!   subscriber slows everyone down, and the backpressure reaches the producer (for the CLI
//!   backend: its stdout pipe, so the CLI itself waits). Nothing is lost.
//! - [`Policy::DropOldest`]: the subscriber's oldest buffered item is discarded; the count of
//!   discarded items is [`Subscriber::lagged`].
//! - [`Policy::Error`]: the subscriber is detached: it still gets the items it had buffered,
//!   then one `cancelled` error, then the end. The others go on.
//!
//! Memory: at most `capacity` items per subscriber. An item is stored once and shared (`Arc`)
//! by the buffers holding it; each subscriber receives its own copy (the last taker gets the
//! original without a copy). Errors are not `Clone`: subscribers get
//! [`Error::duplicate`](claude_sdk_core::Error::duplicate)s (the last taker gets the original).
//!
//! Lifecycle:
//! - a subscriber sees the items pulled after it subscribed (no replay);
//! - dropping a subscriber detaches it (and unblocks the source if it was the one holding it);
//! - when the last subscriber is dropped, the source is dropped at once — cancelling the work
//!   underneath (the CLI backend kills its process). The same happens when every
//!   [`Broadcast`] handle is dropped before anyone subscribed. Subscribing to a broadcast
//!   cancelled that way yields one `cancelled` error; subscribing after the source ended
//!   yields nothing.
//!
//! Do not use the [`Broadcast`] from inside its own source (the source is polled under the
//! broadcast's lock).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use claude_sdk_stream::broadcast::{Broadcast, Policy};
//! use claude_sdk_stream::transform::{EventStreamExt, testing};
//! use futures_util::StreamExt;
//!
//! let source = futures_util::stream::iter(testing::streamed_turn(&["Hel", "lo"]));
//! let hub = Broadcast::new(source);
//! let ui = hub.subscribe(16, Policy::Wait);
//! let log = hub.subscribe(16, Policy::Wait);
//! drop(hub);
//! let (text, outcome) = tokio::join!(
//!     ui.text_only().map(|t| t.unwrap()).collect::<String>(),
//!     log.collect_outcome(),
//! );
//! assert_eq!(text, "Hello");
//! assert_eq!(outcome.unwrap().1.text, "Hello");
//! # });
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use claude_sdk_core::{BoxEventStream, Error, ErrorCode, Event, Result};
use futures_core::Stream;

/// What happens when a subscriber's buffer is full and the source has a new item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Stop pulling the source until the subscriber makes room (lossless backpressure).
    Wait,
    /// Discard the subscriber's oldest buffered item (counted in [`Subscriber::lagged`]).
    DropOldest,
    /// Detach the subscriber: it gets its buffered items, then a `cancelled` error.
    Error,
}

/// One item, stored once and shared by the buffers that hold it.
type Item = std::result::Result<Arc<Event>, Arc<Error>>;

/// A fan-out of one event stream. Cheap to clone (every clone is a handle to the same fan-out).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use claude_sdk_stream::broadcast::{Broadcast, Policy};
/// use claude_sdk_stream::transform::{EventStreamExt, testing};
/// use futures_util::StreamExt;
///
/// let hub = Broadcast::new(futures_util::stream::iter(testing::streamed_turn(&["a", "b", "c"])));
/// let mut lossy = hub.subscribe(1, Policy::DropOldest);
/// let full = hub.subscribe(64, Policy::Wait);
/// // `full` runs the whole turn while `lossy` is not polled: `lossy` keeps only the newest item.
/// let (_, outcome) = full.collect_outcome().await.unwrap();
/// assert_eq!(outcome.text, "abc");
/// assert!(matches!(lossy.next().await, Some(Ok(claude_sdk_core::Event::Result(_)))));
/// assert!(lossy.lagged() > 0);
/// # });
/// ```
#[derive(Clone)]
pub struct Broadcast {
    shared: Arc<Hub>,
    _handle: Arc<HandleGuard>,
}

/// Counts live [`Broadcast`] handles (all clones share one guard).
struct HandleGuard {
    hub: Arc<Hub>,
}

struct Hub {
    state: Mutex<State>,
    wakers: Arc<WakerList>,
}

struct State {
    source: Option<BoxEventStream>,
    phase: Phase,
    subs: Vec<Sub>,
    next_id: u64,
    handles_alive: bool,
    ever_subscribed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Open,
    /// The source ended.
    Finished,
    /// The source was dropped before it ended.
    Cancelled,
}

struct Sub {
    id: u64,
    capacity: usize,
    policy: Policy,
    queue: VecDeque<Item>,
    lagged: u64,
    /// Detached (`Policy::Error`): no more items; this error comes after the buffer.
    detached: Option<Error>,
}

impl Sub {
    fn is_full(&self) -> bool {
        self.queue.len() >= self.capacity
    }
}

/// Wakers of subscribers waiting for the source (or for room); also the waker the source is
/// polled with, so whoever is waiting is woken — not just the subscriber that polled last.
#[derive(Default)]
struct WakerList {
    list: Mutex<Vec<(u64, Waker)>>,
}

impl WakerList {
    fn lock(&self) -> MutexGuard<'_, Vec<(u64, Waker)>> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn register(&self, id: u64, waker: &Waker) {
        let mut list = self.lock();
        match list.iter_mut().find(|(i, _)| *i == id) {
            Some((_, w)) => w.clone_from(waker),
            None => list.push((id, waker.clone())),
        }
    }

    fn remove(&self, id: u64) {
        self.lock().retain(|(i, _)| *i != id);
    }

    fn wake_all(&self) {
        let woken = std::mem::take(&mut *self.lock());
        for (_, w) in woken {
            w.wake();
        }
    }
}

impl Wake for WakerList {
    fn wake(self: Arc<Self>) {
        self.wake_all();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wake_all();
    }
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn sub_mut(&mut self, id: u64) -> Option<&mut Sub> {
        self.subs.iter_mut().find(|s| s.id == id)
    }

    /// Whether a `Wait` subscriber has no room: then the source must not be pulled.
    fn blocked(&self) -> bool {
        self.subs
            .iter()
            .any(|s| s.policy == Policy::Wait && s.detached.is_none() && s.is_full())
    }

    /// Copies `item` into every attached subscriber's buffer.
    fn distribute(&mut self, item: Result<Event>) {
        let item: Item = match item {
            Ok(ev) => Ok(Arc::new(ev)),
            Err(e) => Err(Arc::new(e)),
        };
        for sub in self.subs.iter_mut().filter(|s| s.detached.is_none()) {
            if sub.is_full() {
                match sub.policy {
                    // Not reached: the source is not pulled while a `Wait` buffer is full.
                    Policy::Wait => {}
                    Policy::DropOldest => {
                        sub.queue.pop_front();
                        sub.lagged += 1;
                    }
                    Policy::Error => {
                        sub.detached = Some(Error::new(
                            ErrorCode::Cancelled,
                            format!(
                                "a broadcast subscriber fell behind: its buffer of {} items was full, so it was detached",
                                sub.capacity
                            ),
                        ));
                        continue;
                    }
                }
            }
            sub.queue.push_back(item.clone());
        }
    }

    /// Takes the source out if nobody can receive from it any more.
    fn take_orphaned_source(&mut self) -> Option<BoxEventStream> {
        let orphaned = self.subs.is_empty() && (self.ever_subscribed || !self.handles_alive);
        if orphaned && self.phase == Phase::Open {
            self.phase = Phase::Cancelled;
            return self.source.take();
        }
        None
    }
}

impl fmt::Debug for Broadcast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.lock();
        f.debug_struct("Broadcast")
            .field("subscribers", &st.subs.len())
            .field("phase", &st.phase)
            .finish_non_exhaustive()
    }
}

impl Broadcast {
    /// A fan-out of `source`. Nothing is pulled until a subscriber is polled.
    pub fn new(source: impl Stream<Item = Result<Event>> + Send + 'static) -> Self {
        let hub = Arc::new(Hub {
            state: Mutex::new(State {
                source: Some(Box::pin(source)),
                phase: Phase::Open,
                subs: Vec::new(),
                next_id: 0,
                handles_alive: true,
                ever_subscribed: false,
            }),
            wakers: Arc::new(WakerList::default()),
        });
        Broadcast {
            _handle: Arc::new(HandleGuard { hub: hub.clone() }),
            shared: hub,
        }
    }

    /// A new subscriber with a buffer of `capacity` items (at least 1) and `policy`. It
    /// receives the items pulled from now on.
    pub fn subscribe(&self, capacity: usize, policy: Policy) -> Subscriber {
        let mut st = self.shared.lock();
        let id = st.next_id;
        st.next_id += 1;
        st.ever_subscribed = true;
        let detached = (st.phase == Phase::Cancelled).then(|| {
            Error::new(
                ErrorCode::Cancelled,
                "the broadcast was cancelled: its source was dropped when its last subscriber left",
            )
        });
        st.subs.push(Sub {
            id,
            capacity: capacity.max(1),
            policy,
            queue: VecDeque::new(),
            lagged: 0,
            detached,
        });
        Subscriber {
            shared: self.shared.clone(),
            id,
            capacity: capacity.max(1),
            policy,
            done: false,
        }
    }

    /// How many subscribers are attached.
    pub fn subscriber_count(&self) -> usize {
        self.shared.lock().subs.len()
    }

    /// Whether the source is gone: it ended, or it was dropped because everyone left.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().phase != Phase::Open
    }
}

impl Drop for HandleGuard {
    fn drop(&mut self) {
        let orphan = {
            let mut st = self.hub.lock();
            st.handles_alive = false;
            st.take_orphaned_source()
        };
        drop(orphan);
    }
}

/// One consumer of a [`Broadcast`]: a stream of `Result<Event>` (so every
/// [`EventStreamExt`](crate::transform::EventStreamExt) combinator applies).
pub struct Subscriber {
    shared: Arc<Hub>,
    id: u64,
    capacity: usize,
    policy: Policy,
    done: bool,
}

impl fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscriber")
            .field("id", &self.id)
            .field("capacity", &self.capacity)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Subscriber {
    /// How many items this subscriber lost to [`Policy::DropOldest`] so far.
    pub fn lagged(&self) -> u64 {
        self.shared.lock().sub_mut(self.id).map_or(0, |s| s.lagged)
    }

    /// How many items wait in this subscriber's buffer (never more than its capacity).
    pub fn queued(&self) -> usize {
        self.shared
            .lock()
            .sub_mut(self.id)
            .map_or(0, |s| s.queue.len())
    }

    /// The buffer capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }
}

fn deliver(item: Item) -> Result<Event> {
    match item {
        Ok(ev) => Ok(Arc::unwrap_or_clone(ev)),
        Err(e) => Err(Arc::try_unwrap(e).unwrap_or_else(|e| e.duplicate())),
    }
}

impl Stream for Subscriber {
    type Item = Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let hub = self.shared.clone();
        let id = self.id;
        let mut st = hub.lock();
        loop {
            let Some(me) = st.sub_mut(id) else {
                self.done = true;
                return Poll::Ready(None);
            };
            if let Some(item) = me.queue.pop_front() {
                // A full `Wait` buffer holding the source back now has room.
                let made_room = me.policy == Policy::Wait && me.queue.len() + 1 >= me.capacity;
                drop(st);
                if made_room {
                    hub.wakers.wake_all();
                }
                return Poll::Ready(Some(deliver(item)));
            }
            if let Some(err) = me.detached.take() {
                self.done = true;
                return Poll::Ready(Some(Err(err)));
            }
            if st.phase != Phase::Open {
                self.done = true;
                return Poll::Ready(None);
            }
            // Our buffer is empty: pull the source ourselves. Register first, so that a wake
            // from the source (or from a subscriber making room) is never missed.
            hub.wakers.register(id, cx.waker());
            if st.blocked() {
                return Poll::Pending;
            }
            let Some(source) = st.source.as_mut() else {
                return Poll::Pending;
            };
            let waker = Waker::from(hub.wakers.clone());
            let polled = source.as_mut().poll_next(&mut Context::from_waker(&waker));
            match polled {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(item)) => {
                    hub.wakers.remove(id);
                    st.distribute(item);
                    // Others may have been waiting for this item.
                    hub.wakers.wake_all();
                }
                Poll::Ready(None) => {
                    hub.wakers.remove(id);
                    st.phase = Phase::Finished;
                    let source = st.source.take();
                    drop(st);
                    drop(source);
                    hub.wakers.wake_all();
                    st = hub.lock();
                }
            }
        }
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        let orphan = {
            let mut st = self.shared.lock();
            st.subs.retain(|s| s.id != self.id);
            st.take_orphaned_source()
        };
        self.shared.wakers.remove(self.id);
        // Dropped outside the lock: dropping a source may run arbitrary code.
        drop(orphan);
        // If we were the full `Wait` subscriber, the others can go on.
        self.shared.wakers.wake_all();
    }
}
