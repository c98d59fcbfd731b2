//! Naming a store with one string (`--store` in `claude-rs`): `sled:PATH`, `redis://…`,
//! `memory:`; and opening it.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use claude_sdk_core::{Error, Result};

use crate::store::SharedStore;

/// Which store to open.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreSpec {
    /// A sled store at this path (`sled:PATH`).
    Sled(PathBuf),
    /// A Redis store (`redis://…` or `rediss://…`), optionally with a key prefix
    /// (`redis://host:6379/0#prefix`).
    Redis(String),
    /// An in-memory store (`memory:`), gone when the process ends.
    Memory,
}

impl StoreSpec {
    /// The default: the sled store in the user's data directory.
    pub fn default_sled() -> Result<StoreSpec> {
        default_sled_path().map(StoreSpec::Sled)
    }
}

/// `<data dir>/claude-sdk-rs/sessions`, e.g. `~/.local/share/claude-sdk-rs/sessions` on Linux.
pub fn default_sled_path() -> Result<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|h| h.join(".local").join("share"))
        })
        .ok_or_else(|| {
            Error::config(
                "cannot find the user's data directory (set HOME or use --store sled:PATH)",
            )
        })?;
    Ok(base.join("claude-sdk-rs").join("sessions"))
}

impl FromStr for StoreSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        if s == "memory" || s == "memory:" {
            return Ok(StoreSpec::Memory);
        }
        if let Some(path) = s.strip_prefix("sled:") {
            if path.is_empty() {
                return Err(Error::config(
                    "`sled:` needs a path, e.g. sled:/var/lib/sessions",
                ));
            }
            return Ok(StoreSpec::Sled(PathBuf::from(path)));
        }
        if s.starts_with("redis://") || s.starts_with("rediss://") {
            return Ok(StoreSpec::Redis(s.to_owned()));
        }
        Err(Error::config(format!(
            "unknown store `{}`: use sled:PATH, redis://HOST[:PORT][/DB][#PREFIX] or memory:",
            redact_url(s)
        )))
    }
}

impl fmt::Display for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreSpec::Sled(p) => write!(f, "sled:{}", p.display()),
            StoreSpec::Redis(url) => f.write_str(&redact_url(url)),
            StoreSpec::Memory => f.write_str("memory:"),
        }
    }
}

impl fmt::Debug for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreSpec({self})")
    }
}

/// `url` with any user name and password replaced by `***` (`redis://***@host:6379/0`).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{path}"),
        None => url.to_owned(),
    }
}

/// Opens the store a spec names.
pub async fn open(spec: &StoreSpec) -> Result<SharedStore> {
    match spec {
        StoreSpec::Memory => Ok(Arc::new(crate::MemoryStore::new())),
        #[cfg(feature = "sled")]
        StoreSpec::Sled(path) => {
            let path = path.clone();
            let store = tokio::task::spawn_blocking(move || crate::sled::SledStore::open(path))
                .await
                .map_err(|e| Error::new(claude_sdk_core::ErrorCode::Storage, e.to_string()))??;
            Ok(Arc::new(store))
        }
        #[cfg(feature = "redis")]
        StoreSpec::Redis(url) => {
            let (url, prefix) = match url.split_once('#') {
                Some((u, p)) if !p.is_empty() => (u, Some(p)),
                _ => (url.as_str(), None),
            };
            let store = crate::redis::RedisStore::connect(url).await?;
            Ok(Arc::new(match prefix {
                Some(p) => store.with_prefix(format!("{p}:")),
                None => store,
            }))
        }
        #[allow(unreachable_patterns)]
        other => Err(Error::config(format!(
            "this build has no support for the store {other} (enable the cargo feature)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print_without_secrets() {
        assert_eq!("memory:".parse::<StoreSpec>().unwrap(), StoreSpec::Memory);
        assert_eq!(
            "sled:/tmp/x".parse::<StoreSpec>().unwrap(),
            StoreSpec::Sled("/tmp/x".into())
        );
        let r: StoreSpec = "redis://u:hunter2@h:6379/0#p".parse().unwrap();
        assert_eq!(r.to_string(), "redis://***@h:6379/0#p");
        assert!(!format!("{r:?}").contains("hunter2"));
        let e = "ftp://u:hunter2@h".parse::<StoreSpec>().unwrap_err();
        assert_eq!(e.code(), claude_sdk_core::ErrorCode::Config);
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!("sled:".parse::<StoreSpec>().is_err());
    }

    #[test]
    fn redaction_keeps_urls_without_passwords() {
        assert_eq!(redact_url("redis://h:1/2"), "redis://h:1/2");
        assert_eq!(redact_url("redis://:pw@h"), "redis://***@h");
    }

    #[tokio::test]
    async fn memory_opens() {
        let s = open(&StoreSpec::Memory).await.unwrap();
        assert_eq!(s.list(crate::ListQuery::new()).await.unwrap().total, 0);
    }
}
