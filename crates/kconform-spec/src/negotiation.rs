//! Request and response media types, and pretty printing (behaviour document §3, §3.3, "disagree" item 1).

use crate::decode::BodyFormat;
use crate::patch::PatchFormat;
use crate::status::{SERIALIZER_MEDIA_TYPES, Status};

/// A response media type the server can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/json`.
    Json,
    /// `application/yaml`.
    Yaml,
    /// `application/vnd.kubernetes.protobuf` ([`crate::protobuf`]).
    Protobuf,
}

/// Chooses the response type for an `Accept` header as the negotiator does: the client's preference order
/// (by `q`, then position), `*/*` and `application/*` meaning JSON; none acceptable gives the router's 406.
///
/// # Errors
/// [`Status::not_acceptable`] when no listed type can be served.
pub fn negotiate_accept(accept: Option<&str>) -> Result<MediaType, Status> {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(MediaType::Json);
    };
    let mut candidates: Vec<(f32, usize, MediaType)> = Vec::new();
    for (position, clause) in accept.split(',').enumerate() {
        let mut parts = clause.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = 1.0f32;
        for param in parts {
            if let Some((name, value)) = param.split_once('=')
                && name.trim() == "q"
            {
                q = value.trim().parse().unwrap_or(0.0);
            }
        }
        let kind = match media.as_str() {
            "application/json" | "*/*" | "application/*" => MediaType::Json,
            "application/yaml" => MediaType::Yaml,
            "application/vnd.kubernetes.protobuf" => MediaType::Protobuf,
            _ => continue,
        };
        if q > 0.0 {
            candidates.push((q, position, kind));
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    candidates
        .first()
        .map(|c| c.2)
        .ok_or_else(Status::not_acceptable)
}

/// The router's 406 for one operation, by its `x-kubernetes-action` ([`crate::ops::Operation::action`]).
///
/// go-restful lists the media types of the route it matched: list, watch and watchlist routes also
/// produce the two `;stream=watch` types ([`Status::not_acceptable_streaming`]), every other route
/// the serializers' three ([`Status::not_acceptable`]). A `?watch=true` request is served by the
/// list route, so it gets the list's text (recorded for get, create, list and watch).
pub fn not_acceptable_for(action: &str) -> Status {
    match action {
        "list" | "watch" | "watchlist" => Status::not_acceptable_streaming(),
        _ => Status::not_acceptable(),
    }
}

/// The body format of a POST or PUT from its `Content-Type` (parameters ignored; empty means JSON).
///
/// # Errors
/// The handler's 415 listing JSON, YAML and protobuf for any other type.
pub fn write_body_format(content_type: Option<&str>) -> Result<BodyFormat, Status> {
    match content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .as_deref()
    {
        None | Some("") | Some("application/json") => Ok(BodyFormat::Json),
        Some("application/yaml") => Ok(BodyFormat::Yaml),
        Some(crate::protobuf::MEDIA_TYPE) => Ok(BodyFormat::Protobuf),
        Some(_) => Err(Status::unsupported_media_type(&SERIALIZER_MEDIA_TYPES)),
    }
}

/// What a PATCH body is, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    /// JSON, merge or strategic merge patch.
    Patch(PatchFormat),
    /// Server-side apply (`application/apply-patch+yaml`).
    Apply,
}

/// The PATCH kind for a `Content-Type`.
///
/// # Errors
/// The router's `415: Unsupported Media Type` for any other type (recordings, "disagree" item 1).
pub fn patch_kind(content_type: Option<&str>) -> Result<PatchKind, Status> {
    let media = content_type
        .map(|c| c.split(';').next().unwrap_or("").trim().to_owned())
        .unwrap_or_default();
    if media == "application/apply-patch+yaml" {
        return Ok(PatchKind::Apply);
    }
    PatchFormat::from_content_type(&media)
        .map(PatchKind::Patch)
        .ok_or_else(Status::unsupported_media_type_router)
}

/// `isPrettyPrint`: a non-empty `pretty` query value decides (Go `strconv.ParseBool`, invalid meaning
/// false); otherwise a User-Agent starting with `curl`, `Wget` or `Mozilla/5.0` gets indented JSON.
pub fn wants_pretty(pretty: Option<&str>, user_agent: &str) -> bool {
    if let Some(value) = pretty.filter(|p| !p.is_empty()) {
        return crate::gotext::go_parse_bool(value) == Some(true);
    }
    ["curl", "Wget", "Mozilla/5.0"]
        .iter()
        .any(|prefix| user_agent.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation() {
        assert_eq!(negotiate_accept(None), Ok(MediaType::Json));
        assert_eq!(
            negotiate_accept(Some("application/vnd.kubernetes.protobuf,application/json")),
            Ok(MediaType::Protobuf)
        );
        assert_eq!(
            negotiate_accept(Some("application/yaml;q=0.5, application/json")),
            Ok(MediaType::Json)
        );
        assert_eq!(negotiate_accept(Some("*/*")), Ok(MediaType::Json));
        let refused = negotiate_accept(Some("text/html")).unwrap_err();
        assert_eq!(refused, Status::not_acceptable());
    }

    #[test]
    fn not_acceptable_texts_per_operation() {
        const SHORT: &str = "406: Not Acceptable\n\nAvailable representations: application/json, application/yaml, application/vnd.kubernetes.protobuf";
        const STREAMING: &str = "406: Not Acceptable\n\nAvailable representations: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch";
        let texts: Vec<(&str, String)> = crate::ops::operations()
            .iter()
            .map(|op| (op.id, not_acceptable_for(op.action).message))
            .collect();
        let want = |id: &str| match id {
            "listCoreV1EndpointsForAllNamespaces"
            | "listCoreV1NamespacedEndpoints"
            | "watchCoreV1EndpointsListForAllNamespaces"
            | "watchCoreV1NamespacedEndpoints"
            | "watchCoreV1NamespacedEndpointsList" => STREAMING,
            _ => SHORT,
        };
        assert_eq!(texts.len(), 11);
        for (id, text) in &texts {
            assert_eq!(text, want(id), "{id}");
        }
        let streaming = not_acceptable_for("list");
        assert_eq!(
            String::from_utf8(streaming.to_json_bytes()).unwrap(),
            format!(
                "{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Failure\",\"message\":{},\"reason\":\"NotAcceptable\",\"details\":{{}},\"code\":406}}\n",
                serde_json::to_string(STREAMING).unwrap()
            )
        );
        assert_eq!(not_acceptable_for("get"), Status::not_acceptable());
    }

    #[test]
    fn content_types() {
        assert_eq!(write_body_format(None), Ok(BodyFormat::Json));
        assert_eq!(
            write_body_format(Some("application/yaml; charset=utf-8")),
            Ok(BodyFormat::Yaml)
        );
        assert_eq!(write_body_format(Some("text/plain")).unwrap_err().code, 415);
        assert_eq!(
            write_body_format(Some("application/vnd.kubernetes.protobuf")),
            Ok(BodyFormat::Protobuf)
        );
        assert_eq!(
            patch_kind(Some("application/apply-patch+yaml")),
            Ok(PatchKind::Apply)
        );
        assert_eq!(
            patch_kind(Some("application/json-patch+json")),
            Ok(PatchKind::Patch(PatchFormat::Json))
        );
        assert_eq!(
            patch_kind(Some("application/json")).unwrap_err(),
            Status::unsupported_media_type_router()
        );
    }

    #[test]
    fn pretty_printing() {
        assert!(wants_pretty(Some("true"), ""));
        assert!(!wants_pretty(Some("false"), "curl/8"));
        assert!(!wants_pretty(Some("yes"), ""));
        assert!(wants_pretty(Some(""), "curl/8.0"));
        assert!(wants_pretty(None, "Mozilla/5.0 (X11)"));
        assert!(!wants_pretty(None, "kubectl/v1.36"));
    }
}
