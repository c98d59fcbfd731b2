//! Listing and search queries, and the pages they return.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::{Millis, SessionMeta};

/// The default page size.
pub const DEFAULT_LIMIT: usize = 20;
/// The largest page a store returns.
pub const MAX_LIMIT: usize = 1000;

/// A page of a list or search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items match in all.
    pub total: usize,
    /// Where this page starts.
    pub offset: usize,
}

impl<T> Page<T> {
    /// A page from its parts.
    pub fn new(items: Vec<T>, total: usize, offset: usize) -> Self {
        Page {
            items,
            total,
            offset,
        }
    }

    /// Whether there are items after this page.
    pub fn has_more(&self) -> bool {
        self.offset + self.items.len() < self.total
    }
}

/// Listing sessions, newest change first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListQuery {
    /// Page size (capped at [`MAX_LIMIT`]).
    pub limit: usize,
    /// Items to skip.
    pub offset: usize,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

impl ListQuery {
    /// The first page of the default size.
    pub fn new() -> Self {
        ListQuery::default()
    }

    /// Sets the page size.
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = n;
        self
    }

    /// Sets the offset.
    pub fn offset(mut self, n: usize) -> Self {
        self.offset = n;
        self
    }

    /// The page size a store uses.
    pub fn effective_limit(&self) -> usize {
        self.limit.clamp(1, MAX_LIMIT)
    }
}

/// A search: metadata filters (all must hold) plus optional words that must all occur in the
/// session's prompts or answers. With words, hits are ranked by relevance (BM25 over the words);
/// without, newest change first.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct SearchQuery {
    /// Words to find (tokenized like the index; every word must occur).
    pub text: Option<String>,
    /// Tags the session must all have.
    pub tags: BTreeSet<String>,
    /// The model must equal this.
    pub model: Option<String>,
    /// The working directory must equal this.
    pub cwd: Option<String>,
    /// Created at or after this time.
    pub created_from: Option<Millis>,
    /// Created before this time.
    pub created_to: Option<Millis>,
    /// Total cost at least this.
    pub min_cost_usd: Option<f64>,
    /// Total cost at most this.
    pub max_cost_usd: Option<f64>,
    /// Page size (capped at [`MAX_LIMIT`]).
    pub limit: usize,
    /// Items to skip.
    pub offset: usize,
}

impl SearchQuery {
    /// An empty query (matches everything), first page.
    pub fn new() -> Self {
        SearchQuery {
            limit: DEFAULT_LIMIT,
            ..SearchQuery::default()
        }
    }

    /// Words that must occur.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// A tag the session must have.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.insert(tag.into());
        self
    }

    /// The model.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// The working directory.
    pub fn cwd(mut self, cwd: impl Into<String>) -> Self {
        self.cwd = Some(cwd.into());
        self
    }

    /// Created within `[from, to)`.
    pub fn created_between(mut self, from: Option<Millis>, to: Option<Millis>) -> Self {
        self.created_from = from;
        self.created_to = to;
        self
    }

    /// Total cost within `[min, max]`.
    pub fn cost_between(mut self, min: Option<f64>, max: Option<f64>) -> Self {
        self.min_cost_usd = min;
        self.max_cost_usd = max;
        self
    }

    /// Page size.
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = n;
        self
    }

    /// Offset.
    pub fn offset(mut self, n: usize) -> Self {
        self.offset = n;
        self
    }

    /// The page size a store uses.
    pub fn effective_limit(&self) -> usize {
        self.limit.clamp(1, MAX_LIMIT)
    }

    /// The distinct index terms of [`text`](Self::text) (none without text).
    pub(crate) fn words(&self) -> Vec<String> {
        self.text
            .as_deref()
            .map(crate::text::query_terms)
            .unwrap_or_default()
    }

    /// Whether the metadata filters hold for `meta` (the words are checked against the index).
    pub fn matches_meta(&self, meta: &SessionMeta) -> bool {
        self.tags.iter().all(|t| meta.tags.contains(t))
            && self
                .model
                .as_ref()
                .is_none_or(|m| meta.model.as_deref() == Some(m.as_str()))
            && self
                .cwd
                .as_ref()
                .is_none_or(|c| meta.cwd.as_deref() == Some(c.as_str()))
            && self.created_from.is_none_or(|t| meta.created_at >= t)
            && self.created_to.is_none_or(|t| meta.created_at < t)
            && self.min_cost_usd.is_none_or(|c| meta.totals.cost_usd >= c)
            && self.max_cost_usd.is_none_or(|c| meta.totals.cost_usd <= c)
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SearchHit {
    /// The session.
    pub meta: SessionMeta,
    /// Relevance (0 when the query has no words).
    pub score: f64,
}

impl SearchHit {
    /// A hit from its parts.
    pub fn new(meta: SessionMeta, score: f64) -> Self {
        SearchHit { meta, score }
    }
}

/// Sorts hits the way every store returns them: score descending, then newest change, then id.
pub fn sort_hits(hits: &mut [SearchHit]) {
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.meta.updated_at.cmp(&a.meta.updated_at))
            .then(a.meta.id.cmp(&b.meta.id))
    });
}

/// Sorts metadata newest change first, then by id (the list order).
pub fn sort_metas(metas: &mut [SessionMeta]) {
    metas.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
}

/// Cuts one page out of sorted items.
pub fn paginate<T>(mut items: Vec<T>, offset: usize, limit: usize) -> Page<T> {
    let total = items.len();
    let start = offset.min(total);
    let end = start.saturating_add(limit).min(total);
    items.truncate(end);
    let page = items.split_off(start);
    Page::new(page, total, offset)
}
