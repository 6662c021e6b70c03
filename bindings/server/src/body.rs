//! Reading a request body: its declared type, its size, its encoding.
//!
//! Accepted content types: none at all, `application/json` (with
//! `charset=utf-8` or no charset), any `application/*+json`, and
//! `application/x-www-form-urlencoded` — what `curl -d` sends by default —
//! whose body is read as JSON all the same. Anything else (`text/xml`,
//! `multipart/form-data`, `text/plain`, another charset) is 415.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use http_body_util::LengthLimitError;

use crate::error::ApiError;

/// What the service answers JSON requests with, for error messages.
const ACCEPTED: &str =
    "application/json (or no Content-Type, or curl's default application/x-www-form-urlencoded)";

/// Checks the declared content type of a JSON request.
pub(crate) fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let text = value.to_str().unwrap_or("(not ASCII)");
    if json_like(text) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("content type `{text}` is not accepted; send {ACCEPTED}"),
        ))
    }
}

fn json_like(content_type: &str) -> bool {
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let type_ok = essence == "application/json"
        || essence == "application/x-www-form-urlencoded"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    let charset_ok = parts.all(|param| {
        let param = param.trim().to_ascii_lowercase();
        match param.strip_prefix("charset=") {
            Some(charset) => matches!(charset.trim_matches('"'), "utf-8" | "utf8"),
            None => true,
        }
    });
    type_ok && charset_ok
}

/// Reads the whole body, refusing (413 `too_large`, field `(request)`) one
/// over `limit` bytes — by its Content-Length before reading when declared.
pub(crate) async fn read(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    // The library's own error for an oversized request, with status 413.
    let over = |what: String| {
        let error = pdao::RequestError::TooLarge {
            field: "(request)".into(),
            reason: format!("{what} exceeds the limit of {limit} bytes"),
        };
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            ..ApiError::request(&error)
        }
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = declared {
        if length > limit as u64 {
            return Err(over(format!("{length} bytes")));
        }
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => Ok(bytes),
        Err(error) => {
            if is_length_limit(&error) {
                Err(over("the body".to_string()))
            } else {
                Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "body",
                    format!("cannot read the request body: {error}"),
                ))
            }
        }
    }
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// The body as text; not UTF-8 is `invalid_utf8`, as in the CLI.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_utf8",
            format!("the body is not valid UTF-8 (byte {})", e.valid_up_to()),
        )
    })
}

/// Checks the type, reads within the limit, decodes: the request text.
pub(crate) async fn json_text(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<String, ApiError> {
    check_content_type(headers)?;
    let bytes = read(headers, body, limit).await?;
    utf8(&bytes).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::json_like;

    #[test]
    fn content_types() {
        for ok in [
            "application/json",
            "Application/JSON; charset=UTF-8",
            "application/json;charset=\"utf-8\"",
            "application/problem+json",
            "application/x-www-form-urlencoded",
        ] {
            assert!(json_like(ok), "{ok}");
        }
        for bad in [
            "text/xml",
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
            "application/xml",
            "",
        ] {
            assert!(!json_like(bad), "{bad}");
        }
    }
}
