//! A file handed to the browser or a client as an attachment: the one response both doors give
//! for a dossier document.

use axum::response::{IntoResponse, Response};

/// `name`'s bytes as an attachment of `content_type`, the name encoded for any language.
pub fn attachment(name: &str, content_type: String, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename*=UTF-8''{}", urlencode(name));
    ([(axum::http::header::CONTENT_TYPE, content_type), (axum::http::header::CONTENT_DISPOSITION, disposition)], bytes).into_response()
}

/// Percent-encode a value for a URL or a header parameter.
pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|q| q.trim_start_matches('=').to_string()).unwrap_or_default()
}
