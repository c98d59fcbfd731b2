//! Export and import of session files for `claude-rs session export|import`.

use std::path::Path;

use claude_sdk::Error;
use claude_sdk::session::export::{self, ExportOptions, ImportOptions};
use claude_sdk::session::{SessionId, SessionMeta, SharedStore};

/// Writes the export file of a session (with the CLI's transcript from `$HOME`).
pub async fn export(store: &SharedStore, id: SessionId, path: &Path) -> Result<(), Error> {
    export::write_export(store, id, &ExportOptions::new(), path).await
}

/// Imports an export file; the CLI transcript goes under `$HOME` for `cwd` (default: the
/// current directory).
pub async fn import(
    store: &SharedStore,
    path: &Path,
    cwd: Option<&Path>,
) -> Result<SessionMeta, Error> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let mut options = ImportOptions::new();
    if let Some(c) = cwd {
        options = options.cwd(c);
    }
    export::import(store, &bytes, &options).await
}
