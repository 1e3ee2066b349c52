//! Query and body options of each operation, parsed and validated into what the handlers need.
//!
//! The rules and their texts live in `kconform_spec::options`; this module calls it and turns the
//! result into handler-friendly types (parsed selectors, where a list reads from).

use kconform_spec::K8sVersion;
use kconform_spec::options::{self as spec, ReadKind, WriteKind};

pub(crate) use kconform_spec::options::{
    DeleteOptions as DeleteOpts, FieldValidation, WriteOptions as WriteOpts,
};

use crate::http::{ApiError, Query};
use crate::selector::{FieldSelector, LabelSelector};

/// Where a list reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadAt {
    /// The newest state (resourceVersion "" or "0").
    Latest,
    /// Not older than this revision (waits for it).
    NotOlderThan(u64),
    /// Exactly this revision (410 if compacted).
    Exact(u64),
    /// A continue token: its revision (-1: latest) and start key (relative, NUL-terminated).
    Continue { rv: i64, start: String },
}

/// List (and deletecollection) options.
#[derive(Debug, Clone)]
pub(crate) struct ListOpts {
    pub(crate) labels: LabelSelector,
    pub(crate) fields: FieldSelector,
    pub(crate) limit: Option<usize>,
    pub(crate) read_at: ReadAt,
}

/// Go's query-to-bool conversion: only `0` and `false` (any case) are false.
pub(crate) fn lenient_bool(value: &str) -> bool {
    spec::query_bool(value)
}

/// Parse and validate list options in kube-apiserver's order: value conversion (400), selectors (400),
/// ListOptions validation (422), continue token (400), resourceVersion (400/500).
pub(crate) fn list_options(
    query: &Query,
    v: K8sVersion,
    api: crate::Api,
    faults: &crate::FaultSet,
) -> Result<ListOpts, ApiError> {
    let mut opts = spec::parse_list_options(query.pairs()).map_err(ApiError::status)?;
    let labels = LabelSelector::parse_for(opts.label_selector.as_deref().unwrap_or(""), v)
        .map_err(ApiError::bad_request)?;
    let fields =
        FieldSelector::parse_for(api, opts.field_selector.as_deref().unwrap_or(""), faults)
            .map_err(ApiError::bad_request)?;
    opts.watch = false;
    spec::validate_list_options(&mut opts, v).map_err(ApiError::status)?;
    let limit = usize::try_from(opts.limit).ok().filter(|limit| *limit > 0);
    if !opts.continue_token.is_empty() {
        let token = spec::decode_continue(&opts.continue_token).map_err(ApiError::status)?;
        spec::check_continue_with_resource_version(&opts).map_err(ApiError::status)?;
        let read_at = ReadAt::Continue {
            rv: token.resource_version,
            start: token.start,
        };
        return Ok(ListOpts {
            labels,
            fields,
            limit,
            read_at,
        });
    }
    let read_at = match spec::parse_resource_version(&opts.resource_version, ReadKind::List, v)
        .map_err(ApiError::status)?
    {
        None | Some(0) => ReadAt::Latest,
        Some(n) if opts.resource_version_match == "Exact" => ReadAt::Exact(n),
        Some(n) if opts.resource_version_match == "NotOlderThan" => ReadAt::NotOlderThan(n),
        Some(n) if limit.is_some() => ReadAt::Exact(n),
        Some(n) => ReadAt::NotOlderThan(n),
    };
    // resourceVersion=0 is served from the cache, where the limit is ignored.
    let limit = if opts.resource_version == "0" {
        None
    } else {
        limit
    };
    Ok(ListOpts {
        labels,
        fields,
        limit,
        read_at,
    })
}

/// Encode a continue token after `last_key` (relative to the list prefix).
pub(crate) fn encode_continue(rv: i64, last_key: &str, v: K8sVersion) -> String {
    spec::encode_continue(rv, last_key, v)
}

/// `CreateOptions`.
pub(crate) fn create_options(query: &Query, v: K8sVersion) -> Result<WriteOpts, ApiError> {
    spec::parse_write_options(query.pairs(), WriteKind::Create, v).map_err(ApiError::status)
}

/// `UpdateOptions`.
pub(crate) fn update_options(query: &Query, v: K8sVersion) -> Result<WriteOpts, ApiError> {
    spec::parse_write_options(query.pairs(), WriteKind::Update, v).map_err(ApiError::status)
}

/// `PatchOptions` (`apply`: the patch is server-side apply).
pub(crate) fn patch_options(
    query: &Query,
    v: K8sVersion,
    apply: bool,
) -> Result<WriteOpts, ApiError> {
    spec::parse_write_options(query.pairs(), WriteKind::Patch { apply }, v)
        .map_err(ApiError::status)
}

/// `DeleteOptions` from the body when there is one, else from the query.
pub(crate) fn delete_options(
    query: &Query,
    body: &[u8],
    v: K8sVersion,
) -> Result<DeleteOpts, ApiError> {
    spec::parse_delete_options(body, query.pairs(), v).map_err(ApiError::status)
}

/// `DeleteOptions` from a protobuf body when there is one, else from the query.
pub(crate) fn delete_options_protobuf(
    query: &Query,
    body: &[u8],
    v: K8sVersion,
) -> Result<DeleteOpts, ApiError> {
    spec::parse_delete_options_protobuf(body, query.pairs(), v).map_err(ApiError::status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_options_choose_where_to_read() {
        let v = K8sVersion::new(36);
        let read = |q: &str| {
            list_options(
                &Query::parse(Some(q)),
                v,
                crate::Api::Endpoints,
                &crate::FaultSet::default(),
            )
            .map(|o| (o.read_at, o.limit))
        };
        assert_eq!(read("").unwrap(), (ReadAt::Latest, None));
        assert_eq!(
            read("resourceVersion=0&limit=1").unwrap(),
            (ReadAt::Latest, None)
        );
        assert_eq!(
            read("resourceVersion=5&limit=1").unwrap(),
            (ReadAt::Exact(5), Some(1))
        );
        assert_eq!(
            read("resourceVersion=5").unwrap(),
            (ReadAt::NotOlderThan(5), None)
        );
        assert_eq!(
            read("resourceVersion=5&resourceVersionMatch=Exact").unwrap(),
            (ReadAt::Exact(5), None)
        );
        assert!(read("limit=abc").is_err());
        assert!(read("labelSelector=a%20b").is_err());
    }
}
