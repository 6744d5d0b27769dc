//! Concord's OpenAPI document: generated from the API's handlers, committed as
//! `openapi/openapi.json`, and checked for drift so that the committed document is always the
//! one the code serves.

use std::path::PathBuf;

/// Where the committed document lives.
pub fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

/// The document the code describes, as committed (pretty JSON and a final newline).
pub fn generate() -> String {
    api::openapi::document_json()
}

/// `Ok` when the committed document matches the code; `Err` says how to fix it.
pub fn check() -> Result<(), String> {
    let path = committed_path();
    let committed = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if committed == generate() {
        Ok(())
    } else {
        Err(format!(
            "{} is out of date with the code: run `cargo run -p openapi -- --write` and commit it",
            path.display()
        ))
    }
}
