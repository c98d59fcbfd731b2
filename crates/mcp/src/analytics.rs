//! Tool usage analytics: calls, errors, denials and latency (p50/p95) per tool, fed from two
//! sources that may see the same call:
//! - in-process handlers ([`crate::McpServerBuilder::analytics`]): exact execution time;
//! - the event stream ([`UsageRecorder::observe`]): `tool_use` / `tool_result` blocks and the
//!   result's `permission_denials`, for every tool (built-in, external MCP, in-process).
//!
//! A call seen by both (matched by its `tool_use_id`, which the CLI passes to in-process tools
//! in `_meta`) counts once; the handler's latency wins over the stream's.
//!
//! ```
//! use claude_sdk_mcp::UsageRecorder;
//! use std::time::Duration;
//! let usage = UsageRecorder::new();
//! usage.record_call("mcp__calc__add", false, Duration::from_millis(3));
//! usage.record_call("mcp__calc__add", true, Duration::from_millis(5));
//! let snap = usage.snapshot();
//! assert_eq!(snap.tools["mcp__calc__add"].calls, 2);
//! assert_eq!(snap.tools["mcp__calc__add"].errors, 1);
//! ```

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use claude_sdk_core::Event;
use claude_sdk_core::message::{ContentBlock, UserContent};

/// Latency samples kept per tool (the most recent ones).
const MAX_SAMPLES: usize = 1024;
/// Open tool_use ids remembered for matching the two sources.
const MAX_OPEN: usize = 4096;

/// Counters for one tool.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolStats {
    /// Calls seen (each tool_use id once).
    pub calls: u64,
    /// Calls that ended in an error result.
    pub errors: u64,
    /// Calls denied by permissions (not counted as errors).
    pub denials: u64,
    /// Median latency over the kept samples.
    pub p50: Option<Duration>,
    /// 95th percentile latency over the kept samples.
    pub p95: Option<Duration>,
    /// How many latency samples the percentiles use.
    pub samples: usize,
}

/// A point-in-time copy of every tool's counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageSnapshot {
    /// By full tool name (`mcp__calc__add`, `Bash`, …).
    pub tools: BTreeMap<String, ToolStats>,
}

impl UsageSnapshot {
    /// Total calls over all tools.
    pub fn total_calls(&self) -> u64 {
        self.tools.values().map(|t| t.calls).sum()
    }
}

impl fmt::Display for UsageSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<40} {:>6} {:>6} {:>7} {:>10} {:>10}",
            "tool", "calls", "errors", "denied", "p50 ms", "p95 ms"
        )?;
        let ms = |d: Option<Duration>| {
            d.map_or("-".to_owned(), |d| format!("{:.1}", d.as_secs_f64() * 1e3))
        };
        for (name, s) in &self.tools {
            writeln!(
                f,
                "{name:<40} {:>6} {:>6} {:>7} {:>10} {:>10}",
                s.calls,
                s.errors,
                s.denials,
                ms(s.p50),
                ms(s.p95)
            )?;
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
struct PerTool {
    calls: u64,
    errors: u64,
    denials: u64,
    latencies: VecDeque<Duration>,
}

impl PerTool {
    fn sample(&mut self, d: Duration) {
        if self.latencies.len() == MAX_SAMPLES {
            self.latencies.pop_front();
        }
        self.latencies.push_back(d);
    }
}

#[derive(Debug)]
struct Open {
    tool: String,
    seen_at: Option<Instant>,
    errored: bool,
    timed: bool,
    denied: bool,
}

#[derive(Debug, Default)]
struct State {
    tools: HashMap<String, PerTool>,
    open: HashMap<String, Open>,
    order: VecDeque<String>,
}

impl State {
    /// The open entry for `id`, created (and its call counted) on first sight.
    fn open_entry(&mut self, id: &str, tool: &str) -> &mut Open {
        if !self.open.contains_key(id) {
            if self.order.len() >= MAX_OPEN
                && let Some(old) = self.order.pop_front()
            {
                self.open.remove(&old);
            }
            self.order.push_back(id.to_owned());
            self.tools.entry(tool.to_owned()).or_default().calls += 1;
        }
        self.open.entry(id.to_owned()).or_insert_with(|| Open {
            tool: tool.to_owned(),
            seen_at: None,
            errored: false,
            timed: false,
            denied: false,
        })
    }
}

/// Collects tool usage. Cheap to clone (shared counters); thread-safe.
#[derive(Debug, Clone, Default)]
pub struct UsageRecorder {
    state: Arc<Mutex<State>>,
}

impl UsageRecorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a panic elsewhere mid-update; counters stay usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records one finished call without an id (an in-process handler, an adapter).
    pub fn record_call(&self, tool: &str, is_error: bool, latency: Duration) {
        let mut s = self.lock();
        let t = s.tools.entry(tool.to_owned()).or_default();
        t.calls += 1;
        if is_error {
            t.errors += 1;
        }
        t.sample(latency);
    }

    /// Records one finished call with its `tool_use_id` (matched against the event stream).
    pub fn record_call_with_id(&self, tool: &str, id: &str, is_error: bool, latency: Duration) {
        let mut s = self.lock();
        let e = s.open_entry(id, tool);
        let count_error = is_error && !e.errored && !e.denied;
        e.errored |= is_error;
        let sample = !e.timed;
        e.timed = true;
        let tool = e.tool.clone();
        let t = s.tools.entry(tool).or_default();
        if count_error {
            t.errors += 1;
        }
        if sample {
            t.sample(latency);
        }
    }

    /// Records a denial by name (e.g. from a permission callback).
    pub fn record_denial(&self, tool: &str) {
        self.lock()
            .tools
            .entry(tool.to_owned())
            .or_default()
            .denials += 1;
    }

    /// Feeds one event of a response stream: `tool_use` blocks open a call, `tool_result`
    /// blocks close it (error or not; latency measured between the two events unless a handler
    /// measured it), the result's `permission_denials` count as denials.
    pub fn observe(&self, event: &Event) {
        match event {
            Event::Assistant(a) => {
                for b in &a.message.content {
                    if let ContentBlock::ToolUse(t) = b {
                        let mut s = self.lock();
                        let e = s.open_entry(&t.id, &t.name);
                        e.seen_at.get_or_insert_with(Instant::now);
                    }
                }
            }
            Event::User(u) => {
                let UserContent::Blocks(blocks) = &u.message.content else {
                    return;
                };
                for b in blocks {
                    if let ContentBlock::ToolResult(r) = b {
                        let mut s = self.lock();
                        let Some(e) = s.open.get_mut(&r.tool_use_id) else {
                            continue;
                        };
                        let is_error = r.is_error == Some(true);
                        let count_error = is_error && !e.errored && !e.denied;
                        e.errored |= is_error;
                        let latency = (!e.timed).then(|| e.seen_at.map(|t| t.elapsed())).flatten();
                        e.timed = true;
                        let tool = e.tool.clone();
                        let t = s.tools.entry(tool).or_default();
                        if count_error {
                            t.errors += 1;
                        }
                        if let Some(d) = latency {
                            t.sample(d);
                        }
                    }
                }
            }
            Event::Result(r) => {
                for d in &r.permission_denials {
                    let mut s = self.lock();
                    match &d.tool_use_id {
                        Some(id) => {
                            let e = s.open_entry(id, &d.tool_name);
                            if e.denied {
                                continue;
                            }
                            e.denied = true;
                            let undo_error = e.errored;
                            let tool = e.tool.clone();
                            let t = s.tools.entry(tool).or_default();
                            t.denials += 1;
                            if undo_error {
                                t.errors = t.errors.saturating_sub(1);
                            }
                        }
                        None => {
                            s.tools.entry(d.tool_name.clone()).or_default().denials += 1;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// A copy of the counters with percentiles computed.
    pub fn snapshot(&self) -> UsageSnapshot {
        let s = self.lock();
        let tools = s
            .tools
            .iter()
            .map(|(name, t)| {
                let mut l: Vec<Duration> = t.latencies.iter().copied().collect();
                l.sort_unstable();
                (
                    name.clone(),
                    ToolStats {
                        calls: t.calls,
                        errors: t.errors,
                        denials: t.denials,
                        p50: percentile(&l, 50),
                        p95: percentile(&l, 95),
                        samples: l.len(),
                    },
                )
            })
            .collect();
        UsageSnapshot { tools }
    }

    /// Clears every counter.
    pub fn reset(&self) {
        *self.lock() = State::default();
    }
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: usize) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn ev(v: serde_json::Value) -> Event {
        let m = claude_sdk_core::message::Message::from_json_str(&v.to_string()).unwrap();
        Event::from_message(m).unwrap()
    }

    fn tool_use(id: &str, name: &str) -> Event {
        ev(
            json!({"type":"assistant","message":{"id":"m","role":"assistant","content":[{"type":"tool_use","id":id,"name":name,"input":{}}]},"parent_tool_use_id":null,"session_id":"s"}),
        )
    }

    fn tool_result(id: &str, is_error: bool) -> Event {
        ev(
            json!({"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":id,"content":"x","is_error":is_error}]},"parent_tool_use_id":null,"session_id":"s"}),
        )
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&v, 95), Some(Duration::from_millis(95)));
        assert_eq!(percentile(&v[..1], 95), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn stream_and_handler_count_a_call_once() {
        let u = UsageRecorder::new();
        // Stream first, then the handler, then the result.
        u.observe(&tool_use("t1", "mcp__calc__add"));
        u.record_call_with_id("mcp__calc__add", "t1", false, Duration::from_millis(7));
        u.observe(&tool_result("t1", false));
        // Handler first (the consumer lags), failing.
        u.record_call_with_id("mcp__calc__add", "t2", true, Duration::from_millis(9));
        u.observe(&tool_use("t2", "mcp__calc__add"));
        u.observe(&tool_result("t2", true));
        // A built-in, stream only, denied.
        u.observe(&tool_use("t3", "Write"));
        u.observe(&tool_result("t3", true));
        u.observe(&ev(json!({"type":"result","subtype":"success","is_error":false,"result":"x","session_id":"s",
            "permission_denials":[{"tool_name":"Write","tool_use_id":"t3","tool_input":{}}]})));
        let s = u.snapshot();
        let add = &s.tools["mcp__calc__add"];
        assert_eq!(
            (add.calls, add.errors, add.denials, add.samples),
            (2, 1, 0, 2)
        );
        assert_eq!(add.p50, Some(Duration::from_millis(7)));
        assert_eq!(add.p95, Some(Duration::from_millis(9)));
        let w = &s.tools["Write"];
        assert_eq!((w.calls, w.errors, w.denials), (1, 0, 1));
        assert_eq!(s.total_calls(), 3);
        assert!(s.to_string().contains("mcp__calc__add"));
    }
}
