//! Query options as kube-apiserver decodes and validates them, returning the exact 400/422 `Status`.
//!
//! - Parsing follows apimachinery's query conversions: integers use `strconv.ParseInt` (400 with Go's
//!   text on failure); booleans never fail (`"0"` and any-case `"false"` are false, everything else true).
//! - [`validate_list_options`] is `ValidateListOptions` after `SetListOptionsDefaults` (WatchList gate per
//!   version, [`watch_list_enabled`]).
//! - [`parse_write_options`] covers Create/Update/PatchOptions, [`parse_delete_options`] DeleteOptions
//!   from a body or the query.
//! - [`encode_continue`] / [`decode_continue`] implement the continue token (`pkg/storage/continue.go`),
//!   including the 1.36 leading-slash `start`.
//! - [`default_field_manager`] derives the manager from a User-Agent.
//!
//! One file a topic, all re-exported here: `list` (ListOptions, resourceVersion), `continue_token`,
//! `write` (Create/Update/PatchOptions, field manager), `delete` (DeleteOptions); `query` holds the query
//! reading and the causes they share.

mod continue_token;
mod delete;
mod list;
mod query;
mod write;

pub use crate::gotext::{NumError, go_parse_int, go_parse_uint};
pub use continue_token::{ContinueToken, decode_continue, encode_continue, path_clean};
pub use delete::{DeleteOptions, Propagation, parse_delete_options, parse_delete_options_protobuf};
pub use list::{
    ListOptions, ReadKind, apply_list_defaults, check_continue_with_resource_version,
    check_field_selector_fields, check_named_watch, list_options_causes, parse_list_options,
    parse_list_options_for, parse_resource_version, validate_list_options, watch_list_enabled,
};
pub use query::{QueryPairs, query_bool};
pub use write::{
    FieldValidation, WriteKind, WriteOptions, default_field_manager, parse_write_options,
};
