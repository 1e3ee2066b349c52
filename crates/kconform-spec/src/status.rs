//! `metav1.Status` bodies exactly as kube-apiserver sends them (behaviour document §3, and the recordings).
//!
//! Every builder returns the whole body, with the HTTP code in [`Status::code`]. Serialising with
//! [`Status::to_json_bytes`] gives Go's bytes: field order `kind, apiVersion, metadata, status, message,
//! reason, details, code`, empty members omitted, `metadata: {}` always present.

use serde::{Deserialize, Serialize};

use crate::cause::Cause;
use crate::gotext::go_quote;
use crate::json;

/// The resource name used in NotFound/AlreadyExists/Conflict/Forbidden details for Endpoints.
pub const ENDPOINTS_RESOURCE: &str = "endpoints";

/// A served resource as its Status bodies name it: the group and plural resource in NotFound,
/// AlreadyExists, Conflict, Forbidden and DELETE success details (`endpointslices.discovery.k8s.io
/// "es-1" not found`), the kind in Invalid and DELETE precondition answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiResource {
    /// The API group; empty for the core group.
    pub group: &'static str,
    /// The plural resource, e.g. `endpoints`.
    pub resource: &'static str,
    /// The kind, e.g. `Endpoints`.
    pub kind: &'static str,
}

impl ApiResource {
    /// core/v1 Endpoints.
    pub const ENDPOINTS: ApiResource = ApiResource {
        group: "",
        resource: ENDPOINTS_RESOURCE,
        kind: "Endpoints",
    };

    /// core/v1 Namespace (the reference server's minimal namespaces API).
    pub const NAMESPACES: ApiResource = ApiResource {
        group: "",
        resource: NAMESPACES_RESOURCE,
        kind: "Namespace",
    };

    /// discovery.k8s.io/v1 EndpointSlice.
    pub const ENDPOINT_SLICES: ApiResource = ApiResource {
        group: "discovery.k8s.io",
        resource: "endpointslices",
        kind: "EndpointSlice",
    };

    /// `resource.group`, or `resource` in the core group, as Go's `GroupResource.String()`.
    pub fn qualified_resource(&self) -> String {
        if self.group.is_empty() {
            self.resource.to_owned()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }

    /// The group and kind, for 422 Invalid.
    pub fn group_kind(&self) -> GroupKind {
        GroupKind {
            group: self.group,
            kind: self.kind,
        }
    }

    fn details(&self, name: &str) -> StatusDetails {
        StatusDetails {
            name: name.to_owned(),
            group: self.group.to_owned(),
            kind: self.resource.to_owned(),
            ..StatusDetails::default()
        }
    }
}

/// The resource name used in the details of the namespaces API's NotFound, AlreadyExists and Forbidden.
pub const NAMESPACES_RESOURCE: &str = "namespaces";

/// A group and kind, as used by `errors.NewInvalid(qualifiedKind, name, errs)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupKind {
    /// The API group; empty for the core group.
    pub group: &'static str,
    /// The kind, e.g. `Endpoints`.
    pub kind: &'static str,
}

impl GroupKind {
    /// `Endpoints` in the core group.
    pub const ENDPOINTS: GroupKind = GroupKind {
        group: "",
        kind: "Endpoints",
    };

    /// An options kind in `meta.k8s.io`, e.g. `ListOptions`.
    pub const fn meta(kind: &'static str) -> GroupKind {
        GroupKind {
            group: "meta.k8s.io",
            kind,
        }
    }

    /// `Kind.group` or `Kind` for the core group, as Go's `GroupKind.String()`.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.kind.to_owned()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }
}

/// The `metadata` of a Status (a `ListMeta`); only `continue` is ever set by kube-apiserver for Endpoints errors.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusMetadata {
    /// `selfLink` (never set in 1.20+, kept so parsing foreign bodies round-trips).
    #[serde(rename = "selfLink", default, skip_serializing_if = "String::is_empty")]
    pub self_link: String,
    /// `resourceVersion`.
    #[serde(
        rename = "resourceVersion",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub resource_version: String,
    /// `continue`: the fresh token in the 410 inconsistent-continue answer.
    #[serde(rename = "continue", default, skip_serializing_if = "String::is_empty")]
    pub continue_token: String,
    /// `remainingItemCount`.
    #[serde(
        rename = "remainingItemCount",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub remaining_item_count: Option<i64>,
}

/// `metav1.StatusDetails`. Every member is `omitempty` in Go, so `details: {}` is `Some(StatusDetails::default())`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusDetails {
    /// The object name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The API group.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The kind (Invalid, DELETE preconditions) or the resource (NotFound etc.).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The object's uid (successful DELETE).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Field causes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<Cause>,
    /// Seconds a client should wait before retrying; also sent as `Retry-After`.
    #[serde(rename = "retryAfterSeconds", default, skip_serializing_if = "is_zero")]
    pub retry_after_seconds: i32,
}

fn is_zero(value: &i32) -> bool {
    *value == 0
}

/// A `metav1.Status` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Always `Status`.
    pub kind: String,
    /// Always `v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// Always present, usually `{}`.
    #[serde(default)]
    pub metadata: StatusMetadata,
    /// `Failure` or `Success`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Machine-readable reason; empty for 500s built from plain Go errors.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Extra detail; `None` is omitted, `Some(default)` is written `{}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<StatusDetails>,
    /// The HTTP status code; 0 (omitted) on the DELETE success body.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub code: i32,
}

/// Status reasons (`metav1.StatusReason`).
pub mod reason {
    /// 400.
    pub const BAD_REQUEST: &str = "BadRequest";
    /// 401.
    pub const UNAUTHORIZED: &str = "Unauthorized";
    /// 403.
    pub const FORBIDDEN: &str = "Forbidden";
    /// 404.
    pub const NOT_FOUND: &str = "NotFound";
    /// 405.
    pub const METHOD_NOT_ALLOWED: &str = "MethodNotAllowed";
    /// 406.
    pub const NOT_ACCEPTABLE: &str = "NotAcceptable";
    /// 409 on create.
    pub const ALREADY_EXISTS: &str = "AlreadyExists";
    /// 409.
    pub const CONFLICT: &str = "Conflict";
    /// 410.
    pub const EXPIRED: &str = "Expired";
    /// 413.
    pub const REQUEST_ENTITY_TOO_LARGE: &str = "RequestEntityTooLarge";
    /// 415.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "UnsupportedMediaType";
    /// 422.
    pub const INVALID: &str = "Invalid";
    /// 504.
    pub const TIMEOUT: &str = "Timeout";
}

/// The message of the 410 answer to a continue token whose resourceVersion was compacted, when a new token is given.
pub const EXPIRED_CONTINUE_WITH_TOKEN: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";
/// The message of the same 410 when no new token can be built.
pub const EXPIRED_CONTINUE_WITHOUT_TOKEN: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.";
/// The media types POST and PUT accept, in the order of the 415 and 406 texts.
pub const SERIALIZER_MEDIA_TYPES: [&str; 3] = [
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
];
/// The watch forms a list or watch route also produces (go-restful's `Produces`, after
/// [`SERIALIZER_MEDIA_TYPES`]).
pub const STREAM_MEDIA_TYPES: [&str; 2] = [
    "application/json;stream=watch",
    "application/vnd.kubernetes.protobuf;stream=watch",
];
/// The media types PATCH accepts (without the CBOR apply type, whose gate is off through 1.36).
pub const PATCH_MEDIA_TYPES: [&str; 4] = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

impl Status {
    /// A `Failure` status with a message, reason and code, no details.
    pub fn failure(code: u16, reason: &str, message: impl Into<String>) -> Status {
        Status {
            kind: "Status".to_owned(),
            api_version: "v1".to_owned(),
            metadata: StatusMetadata::default(),
            status: "Failure".to_owned(),
            message: message.into(),
            reason: reason.to_owned(),
            details: None,
            code: i32::from(code),
        }
    }

    fn with_details(mut self, details: StatusDetails) -> Status {
        self.details = Some(details);
        self
    }

    /// The HTTP status code to send (the DELETE success body carries none: 200).
    pub fn http_code(&self) -> u16 {
        u16::try_from(self.code)
            .ok()
            .filter(|code| (100..=599).contains(code))
            .unwrap_or(200)
    }

    /// The `Retry-After` header value kube-apiserver sends with this body, if any.
    pub fn retry_after(&self) -> Option<i32> {
        self.details
            .as_ref()
            .map(|d| d.retry_after_seconds)
            .filter(|s| *s > 0)
    }

    /// Go's compact encoding with the trailing `"\n"` of `json.Encoder.Encode`.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        // A Status only holds strings, integers and vectors of causes, so serialisation cannot fail.
        json::to_go_json(self).expect("a Status always serialises")
    }

    /// Go's `MarshalIndent` encoding used for `?pretty=true`.
    pub fn to_pretty_json_bytes(&self) -> Vec<u8> {
        // See `to_json_bytes`: serialising plain data cannot fail.
        json::to_go_json_pretty(self).expect("a Status always serialises")
    }

    /// 400 BadRequest with the given message and no details.
    pub fn bad_request(message: impl Into<String>) -> Status {
        Status::failure(400, reason::BAD_REQUEST, message)
    }

    /// 401 from the authentication filter.
    pub fn unauthorized() -> Status {
        Status::failure(401, reason::UNAUTHORIZED, "Unauthorized")
    }

    /// 403 from RBAC: `endpoints "ep1" is forbidden: User "alice" cannot get resource "endpoints" in API group "" in the namespace "ns1"`.
    ///
    /// `name` is `None` for collection verbs, `namespace` `None` for cluster-scope requests (all namespaces).
    pub fn forbidden(
        user: &str,
        verb: &str,
        name: Option<&str>,
        namespace: Option<&str>,
    ) -> Status {
        Status::forbidden_of(&ApiResource::ENDPOINTS, user, verb, name, namespace)
    }

    /// [`Status::forbidden`] for any resource.
    pub fn forbidden_of(
        res: &ApiResource,
        user: &str,
        verb: &str,
        name: Option<&str>,
        namespace: Option<&str>,
    ) -> Status {
        let scope = match namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_owned(),
        };
        let reason_text = format!(
            "User \"{user}\" cannot {verb} resource \"{}\" in API group \"{}\" {scope}",
            res.resource, res.group
        );
        Status::forbidden_with_reason_of(res, name, &reason_text)
    }

    /// 403 with an arbitrary reason text after `is forbidden: `.
    pub fn forbidden_with_reason(name: Option<&str>, reason_text: &str) -> Status {
        Status::forbidden_with_reason_of(&ApiResource::ENDPOINTS, name, reason_text)
    }

    /// [`Status::forbidden_with_reason`] for any resource.
    pub fn forbidden_with_reason_of(
        res: &ApiResource,
        name: Option<&str>,
        reason_text: &str,
    ) -> Status {
        let qualified = res.qualified_resource();
        let subject = match name {
            Some(n) => format!("{qualified} \"{n}\""),
            None => qualified,
        };
        Status::failure(
            403,
            reason::FORBIDDEN,
            format!("{subject} is forbidden: {reason_text}"),
        )
        .with_details(res.details(name.unwrap_or_default()))
    }

    /// 403 from NamespaceLifecycle admission when the namespace is terminating.
    pub fn namespace_terminating(name: &str, namespace: &str) -> Status {
        Status::namespace_terminating_of(&ApiResource::ENDPOINTS, name, namespace)
    }

    /// [`Status::namespace_terminating`] for any resource.
    /// An empty `name` (a generateName create, named only after admission) is left out, as Go's
    /// `NewForbidden` does.
    pub fn namespace_terminating_of(res: &ApiResource, name: &str, namespace: &str) -> Status {
        let mut status = Status::forbidden_with_reason_of(
            res,
            Some(name).filter(|n| !n.is_empty()),
            &format!(
                "unable to create new content in namespace {namespace} because it is being terminated"
            ),
        );
        if let Some(details) = status.details.as_mut() {
            details.causes.push(Cause::new(
                "NamespaceTerminating",
                format!("namespace {namespace} is being terminated"),
                "metadata.namespace",
            ));
        }
        status
    }

    /// 404 `<resource> "<name>" not found` (the name quoted as Go's `%q` does); `resource` is `endpoints`, or `namespaces` for a missing namespace on create.
    pub fn not_found(resource: &str, name: &str) -> Status {
        Status::failure(
            404,
            reason::NOT_FOUND,
            format!("{resource} {} not found", go_quote(name)),
        )
        .with_details(StatusDetails {
            name: name.to_owned(),
            kind: resource.to_owned(),
            ..StatusDetails::default()
        })
    }

    /// [`Status::not_found`] of an object of `res`: `endpointslices.discovery.k8s.io "es-1" not found`.
    pub fn not_found_of(res: &ApiResource, name: &str) -> Status {
        Status::failure(
            404,
            reason::NOT_FOUND,
            format!("{} {} not found", res.qualified_resource(), go_quote(name)),
        )
        .with_details(res.details(name))
    }

    /// 406 from a handler's own negotiation (`/apis` asked only for aggregated discovery versions
    /// it does not serve).
    pub fn not_acceptable_media_types() -> Status {
        Status::failure(
            406,
            reason::NOT_ACCEPTABLE,
            format!(
                "only the following media types are accepted: {}",
                SERIALIZER_MEDIA_TYPES.join(", ")
            ),
        )
    }

    /// 406 as the router writes it (recordings, "disagree" item 1): the handler-level text never reaches clients.
    pub fn not_acceptable() -> Status {
        Status::not_acceptable_from(&SERIALIZER_MEDIA_TYPES)
    }

    /// 406 from the router for a list or a watch route (go-restful's `Produces` of LIST, WATCH and
    /// WATCHLIST also names the [`STREAM_MEDIA_TYPES`]): the text of [`Status::not_acceptable`],
    /// then `, application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch`.
    pub fn not_acceptable_streaming() -> Status {
        let all: Vec<&str> = SERIALIZER_MEDIA_TYPES
            .iter()
            .chain(STREAM_MEDIA_TYPES.iter())
            .copied()
            .collect();
        Status::not_acceptable_from(&all)
    }

    fn not_acceptable_from(media_types: &[&str]) -> Status {
        let message = format!(
            "406: Not Acceptable\n\nAvailable representations: {}",
            media_types.join(", ")
        );
        Status::failure(406, reason::NOT_ACCEPTABLE, message).with_details(StatusDetails::default())
    }

    /// 400 from the namer for a name in the URL that cannot be a path segment
    /// (`Name parameter invalid: ".": may not be '.'`); `errors` are
    /// [`crate::names::path_segment_name`]'s, joined by `;`.
    pub fn name_parameter_invalid(name: &str, errors: &[String]) -> Status {
        Status::bad_request(format!(
            "Name parameter invalid: {}: {}",
            go_quote(name),
            errors.join(";")
        ))
    }

    /// 409 AlreadyExists on POST of an existing name.
    pub fn already_exists(name: &str) -> Status {
        Status::already_exists_of(&ApiResource::ENDPOINTS, name)
    }

    /// [`Status::already_exists`] for any resource.
    pub fn already_exists_of(res: &ApiResource, name: &str) -> Status {
        Status::failure(
            409,
            reason::ALREADY_EXISTS,
            format!("{} \"{name}\" already exists", res.qualified_resource()),
        )
        .with_details(res.details(name))
    }

    /// 409 AlreadyExists when the existing object is being deleted (has a deletionTimestamp).
    pub fn already_exists_being_deleted(name: &str) -> Status {
        Status::already_exists_being_deleted_of(&ApiResource::ENDPOINTS, name)
    }

    /// [`Status::already_exists_being_deleted`] for any resource.
    pub fn already_exists_being_deleted_of(res: &ApiResource, name: &str) -> Status {
        let mut status = Status::already_exists_of(res, name);
        status.message = format!("object is being deleted: {}", status.message);
        status
    }

    /// 409 AlreadyExists after generateName exhausted its retries.
    pub fn already_exists_generate_name(name: &str) -> Status {
        Status::already_exists_generate_name_of(&ApiResource::ENDPOINTS, name)
    }

    /// [`Status::already_exists_generate_name`] for any resource.
    pub fn already_exists_generate_name_of(res: &ApiResource, name: &str) -> Status {
        let mut status = Status::already_exists_of(res, name);
        status
            .message
            .push_str(", the server was not able to generate a unique name for the object");
        status
    }

    /// 409 Conflict for a stale `metadata.resourceVersion` on PUT or PATCH.
    pub fn conflict_modified(name: &str) -> Status {
        Status::conflict_modified_of(&ApiResource::ENDPOINTS, name)
    }

    /// [`Status::conflict_modified`] for any resource.
    pub fn conflict_modified_of(res: &ApiResource, name: &str) -> Status {
        Status::conflict_of(
            res,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 409 `Operation cannot be fulfilled on endpoints "<name>": <detail>`.
    pub fn conflict(name: &str, detail: &str) -> Status {
        Status::conflict_of(&ApiResource::ENDPOINTS, name, detail)
    }

    /// [`Status::conflict`] for any resource.
    pub fn conflict_of(res: &ApiResource, name: &str, detail: &str) -> Status {
        Status::failure(
            409,
            reason::CONFLICT,
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": {detail}",
                res.qualified_resource()
            ),
        )
        .with_details(res.details(name))
    }

    /// 409 for a PUT whose body uid differs from the stored uid (a storage precondition; `stored_uid`
    /// is empty when no object has the name). A dry run checks it in the registry's
    /// `DryRunnableStorage` with the registry key; a real write in the etcd store, whose key carries
    /// the `/registry` prefix.
    pub fn conflict_uid_mismatch(
        namespace: &str,
        name: &str,
        sent_uid: &str,
        stored_uid: &str,
        dry_run: bool,
    ) -> Status {
        let prefix = if dry_run { "" } else { "/registry" };
        Status::conflict(
            name,
            &format!(
                "StorageError: invalid object, Code: 4, Key: {prefix}/services/endpoints/{namespace}/{name}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: {sent_uid}, UID in object meta: {stored_uid}"
            ),
        )
    }

    /// [`Status::conflict_uid_mismatch`] for any resource, whose etcd key is `registry_key`
    /// (`services/endpoints` for Endpoints, `endpointslices` for EndpointSlice).
    pub fn conflict_uid_mismatch_of(
        res: &ApiResource,
        registry_key: &str,
        namespace: &str,
        name: &str,
        uids: (&str, &str),
        dry_run: bool,
    ) -> Status {
        let prefix = if dry_run { "" } else { "/registry" };
        let (sent_uid, stored_uid) = uids;
        Status::conflict_of(
            res,
            name,
            &format!(
                "StorageError: invalid object, Code: 4, Key: {prefix}/{registry_key}/{namespace}/{name}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: {sent_uid}, UID in object meta: {stored_uid}"
            ),
        )
    }

    /// 409 for DELETE with a `preconditions.uid` mismatch (details kind is the Kind, `Endpoints`).
    pub fn conflict_delete_uid_precondition(
        name: &str,
        precondition: &str,
        record: &str,
    ) -> Status {
        Status::conflict_delete_uid_precondition_of(
            &ApiResource::ENDPOINTS,
            name,
            precondition,
            record,
        )
    }

    /// [`Status::conflict_delete_uid_precondition`] for any resource.
    pub fn conflict_delete_uid_precondition_of(
        res: &ApiResource,
        name: &str,
        precondition: &str,
        record: &str,
    ) -> Status {
        Status::conflict_on_kind(
            res,
            name,
            &format!(
                "the UID in the precondition ({precondition}) does not match the UID in record ({record}). The object might have been deleted and then recreated"
            ),
        )
    }

    /// 409 for DELETE with a `preconditions.resourceVersion` mismatch.
    pub fn conflict_delete_rv_precondition(name: &str, precondition: &str, record: &str) -> Status {
        Status::conflict_delete_rv_precondition_of(
            &ApiResource::ENDPOINTS,
            name,
            precondition,
            record,
        )
    }

    /// [`Status::conflict_delete_rv_precondition`] for any resource.
    pub fn conflict_delete_rv_precondition_of(
        res: &ApiResource,
        name: &str,
        precondition: &str,
        record: &str,
    ) -> Status {
        Status::conflict_on_kind(
            res,
            name,
            &format!(
                "the ResourceVersion in the precondition ({precondition}) does not match the ResourceVersion in record ({record}). The object might have been modified"
            ),
        )
    }

    fn conflict_on_kind(res: &ApiResource, name: &str, detail: &str) -> Status {
        Status::failure(
            409,
            reason::CONFLICT,
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": {detail}",
                res.group_kind().qualified()
            ),
        )
        .with_details(StatusDetails {
            name: name.to_owned(),
            group: res.group.to_owned(),
            kind: res.kind.to_owned(),
            ..StatusDetails::default()
        })
    }

    /// 409 server-side apply conflict. Each conflict is `(manager, operation_is_update, field)`; the recordings show
    /// `conflict with "m"` against an Apply manager and `conflict with "m" using v1` against an Update manager, never a time.
    pub fn apply_conflict(conflicts: &[(String, bool, String)]) -> Status {
        let describe = |(manager, is_update, _): &(String, bool, String)| {
            if *is_update {
                format!("conflict with \"{manager}\" using v1")
            } else {
                format!("conflict with \"{manager}\"")
            }
        };
        let message = match conflicts {
            [single] => format!(
                "Apply failed with 1 conflict: {}: {}",
                describe(single),
                single.2
            ),
            many => {
                let mut text = format!("Apply failed with {} conflicts: ", many.len());
                // Grouped by manager in the order of the managers' identifiers (the JSON of their
                // entry without fields and time, apiVersion only for updaters), as
                // fieldmanager's getConflictMessage sorts them.
                let mut by_manager: Vec<(String, String, Vec<&str>)> = Vec::new();
                for conflict in many {
                    let head = describe(conflict).replacen("conflict with", "conflicts with", 1);
                    match by_manager.iter_mut().find(|(_, h, _)| *h == head) {
                        Some((_, _, fields)) => fields.push(&conflict.2),
                        None => {
                            let (manager, is_update, _) = conflict;
                            // A JSON string cannot fail to serialize.
                            let quoted = serde_json::to_string(manager).unwrap_or_default();
                            let identifier = if *is_update {
                                format!(
                                    r#"{{"manager":{},"operation":"Update","apiVersion":"v1"}}"#,
                                    quoted
                                )
                            } else {
                                format!(r#"{{"manager":{quoted},"operation":"Apply"}}"#)
                            };
                            by_manager.push((identifier, head, vec![&conflict.2]));
                        }
                    }
                }
                by_manager.sort_by(|a, b| a.0.cmp(&b.0));
                let parts: Vec<String> = by_manager
                    .iter()
                    .map(|(_, head, fields)| {
                        let lines: Vec<String> = fields.iter().map(|f| format!("- {f}")).collect();
                        format!("{head}:\n{}", lines.join("\n"))
                    })
                    .collect();
                text.push_str(&parts.join("\n"));
                text
            }
        };
        let causes = conflicts
            .iter()
            .map(|c| Cause::new("FieldManagerConflict", describe(c), c.2.clone()))
            .collect();
        Status::failure(409, reason::CONFLICT, message).with_details(StatusDetails {
            causes,
            ..StatusDetails::default()
        })
    }

    /// 410 for a continue token whose resourceVersion was compacted; with `Some(token)` the fresh `rv:-1`
    /// token is put in `metadata.continue`.
    pub fn expired_continue(new_token: Option<&str>) -> Status {
        match new_token {
            Some(token) => {
                let mut status = Status::failure(410, reason::EXPIRED, EXPIRED_CONTINUE_WITH_TOKEN);
                status.metadata.continue_token = token.to_owned();
                status
            }
            None => Status::failure(410, reason::EXPIRED, EXPIRED_CONTINUE_WITHOUT_TOKEN),
        }
    }

    /// 410 for a list at a compacted resourceVersion (Exact, or legacy limit+resourceVersion).
    pub fn expired_list() -> Status {
        Status::failure(
            410,
            reason::EXPIRED,
            "The resourceVersion for the provided list is too old.",
        )
    }

    /// The Status inside the watch `ERROR` event for a too-old resourceVersion served by the watch cache.
    pub fn watch_too_old(requested: u64, oldest: u64) -> Status {
        Status::failure(
            410,
            reason::EXPIRED,
            format!("too old resource version: {requested} ({oldest})"),
        )
    }

    /// The Status inside the watch `ERROR` event when the watch is served by etcd.
    pub fn watch_too_old_etcd() -> Status {
        Status::failure(
            410,
            reason::EXPIRED,
            "The resourceVersion for the provided watch is too old.",
        )
    }

    /// 413 for a body above the 3 MiB limit.
    pub fn request_entity_too_large() -> Status {
        Status::failure(
            413,
            reason::REQUEST_ENTITY_TOO_LARGE,
            "Request entity too large: limit is 3145728",
        )
    }

    /// 413 for a JSON patch with more than 10000 operations.
    pub fn json_patch_too_many_operations(count: usize) -> Status {
        Status::failure(
            413,
            reason::REQUEST_ENTITY_TOO_LARGE,
            format!(
                "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got {count}"
            ),
        )
    }

    /// 415 from the POST/PUT handler (or PATCH handler) listing the accepted types.
    pub fn unsupported_media_type(accepted: &[&str]) -> Status {
        Status::failure(
            415,
            reason::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "the body of the request was in an unknown format - accepted media types include: {}",
                accepted.join(", ")
            ),
        )
    }

    /// 415 as the router writes it for PATCH with an unknown Content-Type (recordings, "disagree" item 1).
    pub fn unsupported_media_type_router() -> Status {
        Status::failure(
            415,
            reason::UNSUPPORTED_MEDIA_TYPE,
            "415: Unsupported Media Type",
        )
        .with_details(StatusDetails::default())
    }

    /// 422 Invalid for an object: `<Kind> "<name>" is invalid: ...` with the causes.
    pub fn invalid(kind: GroupKind, name: &str, causes: Vec<Cause>) -> Status {
        let message = invalid_message(&kind.qualified(), name, &causes);
        Status::failure(422, reason::INVALID, message).with_details(StatusDetails {
            name: name.to_owned(),
            group: kind.group.to_owned(),
            kind: kind.kind.to_owned(),
            causes,
            ..StatusDetails::default()
        })
    }

    /// 422 Invalid for query options, e.g. `invalid_options("ListOptions", causes)`:
    /// `ListOptions.meta.k8s.io "" is invalid: ...`.
    pub fn invalid_options(options_kind: &'static str, causes: Vec<Cause>) -> Status {
        Status::invalid(GroupKind::meta(options_kind), "", causes)
    }

    /// 422 for a non-apply PATCH whose patched object fails strict decoding or type checks.
    /// `value` is what Go printed with `%q`-like quoting (the patched JSON, or `%+v` of the SMP map) and `error` the decoder text.
    pub fn invalid_patch(value: &str, error: &str) -> Status {
        let cause = Cause::new(
            crate::cause::reason::INVALID,
            format!("Invalid value: {}: {error}", crate::gotext::go_quote(value)),
            "patch",
        );
        let message = format!(" \"\" is invalid: {}", cause.error_text());
        Status::failure(422, reason::INVALID, message).with_details(StatusDetails {
            causes: vec![cause],
            ..StatusDetails::default()
        })
    }

    /// 422 with the generic text, for a JSON patch that cannot be applied (failed test, missing path, unknown op).
    pub fn json_patch_failed() -> Status {
        Status::failure(
            422,
            reason::INVALID,
            "the server rejected our request due to an error in our request",
        )
        .with_details(StatusDetails::default())
    }

    /// 500 from a plain Go error: no reason.
    pub fn internal(message: impl Into<String>) -> Status {
        Status::failure(500, "", message)
    }

    /// 504 for a GET or LIST at a resourceVersion newer than the cache can reach in 3 s.
    pub fn too_large_rv_timeout(requested: u64, current: u64, retry_after_seconds: i32) -> Status {
        Status::failure(
            504,
            reason::TIMEOUT,
            format!("Timeout: Too large resource version: {requested}, current: {current}"),
        )
        .with_details(StatusDetails {
            causes: vec![Cause::new(
                "ResourceVersionTooLarge",
                "Too large resource version",
                "",
            )],
            retry_after_seconds,
            ..StatusDetails::default()
        })
    }

    /// The 200 body of a DELETE that removed the object at once: status Success, no code.
    pub fn success_delete(name: &str, uid: &str) -> Status {
        Status::success_delete_of(&ApiResource::ENDPOINTS, name, uid)
    }

    /// [`Status::success_delete`] for any resource.
    pub fn success_delete_of(res: &ApiResource, name: &str, uid: &str) -> Status {
        Status {
            kind: "Status".to_owned(),
            api_version: "v1".to_owned(),
            metadata: StatusMetadata::default(),
            status: "Success".to_owned(),
            message: String::new(),
            reason: String::new(),
            details: Some(StatusDetails {
                uid: uid.to_owned(),
                ..res.details(name)
            }),
            code: 0,
        }
    }

    /// 400 for a GET with `export=true`, a parameter kube-apiserver no longer supports.
    pub fn export_unsupported() -> Status {
        Status::bad_request("the export parameter, deprecated since v1.14, is no longer supported")
    }

    /// 400 when the body's `metadata.namespace` differs from the request's namespace.
    pub fn namespace_mismatch() -> Status {
        Status::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )
    }

    /// 400 when the body's `metadata.name` differs from the name in the URL (PUT, PATCH, apply).
    pub fn name_mismatch(body_name: &str, url_name: &str) -> Status {
        Status::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({url_name})"
        ))
    }

    /// 400 for a PUT body without `metadata.name`.
    pub fn name_undeterminable(url_name: &str) -> Status {
        Status::bad_request(format!(
            "the name of the object ({url_name} based on URL) was undeterminable: name must be provided"
        ))
    }

    /// 500 for a create whose body carries a non-zero numeric `metadata.resourceVersion`.
    pub fn resource_version_on_create() -> Status {
        Status::internal("resourceVersion should not be set on objects to be created")
    }

    /// 500 from etcd (before 1.34) for a list at a resourceVersion the store has not reached.
    pub fn etcd_future_revision() -> Status {
        Status::internal("etcdserver: mvcc: required revision is a future revision")
    }

    /// 400 for a JSON or merge patch body that is not JSON (or not a list of operations);
    /// `error` is the decoder's text.
    pub fn patch_decode_failed(error: &str) -> Status {
        Status::bad_request(format!("error decoding patch: {error}"))
    }

    /// 400 for an apply body that `sigs.k8s.io/yaml.Unmarshal` cannot read into a map: `error` is its
    /// text, e.g. `error converting YAML to JSON: yaml: line 1: did not find expected node content`
    /// (not recorded: read from the apply patcher, `handlers/patch.go`).
    pub fn apply_yaml_decode_failed(error: &str) -> Status {
        Status::bad_request(format!("error decoding YAML: {error}"))
    }

    /// 400 for an apply body of another kind: `invalid object type: <group>/<version>, Kind=<kind>`,
    /// `api_version` as sent (`v1` has the empty group).
    pub fn apply_invalid_object_type(api_version: &str, kind: &str) -> Status {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        Status::bad_request(format!(
            "invalid object type: {group}/{version}, Kind={kind}"
        ))
    }

    /// 400 for an apply body that sets `metadata.managedFields`.
    pub fn apply_managed_fields_set() -> Status {
        Status::bad_request("metadata.managedFields must be nil")
    }

    /// 500 for an apply body with a field the Endpoints schema does not declare; `field` is the
    /// path without its leading dot, e.g. `spec` or `subsets.bogus`.
    pub fn apply_field_not_declared(name: &str, field: &str) -> Status {
        Status::apply_field_not_declared_of(&ApiResource::ENDPOINTS, name, field)
    }

    /// [`Status::apply_field_not_declared`] for any resource.
    pub fn apply_field_not_declared_of(res: &ApiResource, name: &str, field: &str) -> Status {
        Status::internal(format!(
            "failed to create typed patch object (/{name}; {}/v1, Kind={}): .{field}: field not declared in schema",
            res.group, res.kind
        ))
    }

    /// 404 as the router writes it for a path no route serves.
    pub fn not_found_path() -> Status {
        Status::failure(
            404,
            reason::NOT_FOUND,
            "the server could not find the requested resource",
        )
        .with_details(StatusDetails::default())
    }

    /// 405 as the router writes it for a method the path does not serve.
    pub fn method_not_allowed() -> Status {
        Status::failure(
            405,
            reason::METHOD_NOT_ALLOWED,
            "the server does not allow this method on the requested resource",
        )
        .with_details(StatusDetails::default())
    }

    /// 504 when a request body does not arrive within the request timeout.
    pub fn request_timeout() -> Status {
        Status::failure(
            504,
            reason::TIMEOUT,
            "Timeout: request did not complete within requested timeout - context deadline exceeded",
        )
        .with_details(StatusDetails::default())
    }

    /// 406 for a watch whose `Accept` picks a type without a stream form (`errNotAcceptable`).
    pub fn watch_not_acceptable() -> Status {
        Status::failure(
            406,
            reason::NOT_ACCEPTABLE,
            "only the following media types are accepted: application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch",
        )
    }

    /// 400 for a watch on a named path whose `fieldSelector` names another object.
    pub fn watch_name_mismatch() -> Status {
        Status::bad_request("fieldSelector metadata.name doesn't match requested name")
    }

    /// 403 from RBAC for the cluster-scoped namespaces resource: `namespaces "n" is forbidden: User "u"
    /// cannot delete resource "namespaces" in API group "" at the cluster scope` (`name` `None` for collection verbs).
    pub fn namespace_forbidden(user: &str, verb: &str, name: Option<&str>) -> Status {
        let subject = match name {
            Some(n) => format!("{NAMESPACES_RESOURCE} \"{n}\""),
            None => NAMESPACES_RESOURCE.to_owned(),
        };
        Status::failure(
            403,
            reason::FORBIDDEN,
            format!(
                "{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{NAMESPACES_RESOURCE}\" in API group \"\" at the cluster scope"
            ),
        )
        .with_details(StatusDetails {
            name: name.unwrap_or_default().to_owned(),
            kind: NAMESPACES_RESOURCE.to_owned(),
            ..StatusDetails::default()
        })
    }

    /// 409 AlreadyExists on POST of an existing namespace.
    pub fn namespace_already_exists(name: &str) -> Status {
        Status::failure(
            409,
            reason::ALREADY_EXISTS,
            format!("{NAMESPACES_RESOURCE} \"{name}\" already exists"),
        )
        .with_details(StatusDetails {
            name: name.to_owned(),
            kind: NAMESPACES_RESOURCE.to_owned(),
            ..StatusDetails::default()
        })
    }

    /// 422 for a namespace name that is empty or not a DNS-1123 label; `errors` are the label rule's texts.
    pub fn namespace_invalid_name(name: &str, errors: &[String]) -> Status {
        let cause = if name.is_empty() {
            Cause::new(
                crate::cause::reason::REQUIRED,
                "Required value: name or generateName is required",
                "metadata.name",
            )
        } else {
            Cause::new(
                crate::cause::reason::INVALID,
                format!(
                    "Invalid value: {}: {}",
                    crate::gotext::go_quote(name),
                    errors.join("; ")
                ),
                "metadata.name",
            )
        };
        let kind = GroupKind {
            group: "",
            kind: "Namespace",
        };
        Status::invalid(kind, name, vec![cause])
    }
}

/// The top-level message of a 422: `<Kind> "<name>" is invalid: <e>` or `... is invalid: [<e1>, <e2>]`.
///
/// Identical error texts are listed once, as Go's `ErrorList.ToAggregate` drops duplicates (the causes keep them).
pub fn invalid_message(qualified_kind: &str, name: &str, causes: &[Cause]) -> String {
    let mut texts: Vec<String> = Vec::new();
    for cause in causes {
        let text = cause.error_text();
        if !texts.contains(&text) {
            texts.push(text);
        }
    }
    let body = match texts.as_slice() {
        [] => String::new(),
        [single] => single.clone(),
        many => format!("[{}]", many.join(", ")),
    };
    format!("{qualified_kind} \"{name}\" is invalid: {body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(status: &Status) -> String {
        String::from_utf8(status.to_json_bytes()).unwrap()
    }

    #[test]
    fn not_found_matches_the_canonical_example() {
        assert_eq!(
            text(&Status::not_found("endpoints", "ep1")),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"endpoints \\\"ep1\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":\"ep1\",\"kind\":\"endpoints\"},\"code\":404}\n"
        );
    }

    #[test]
    fn delete_success_has_no_code_and_router_errors_have_empty_details() {
        assert_eq!(
            text(&Status::success_delete("ep-1", "u")),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\",\"details\":{\"name\":\"ep-1\",\"kind\":\"endpoints\",\"uid\":\"u\"}}\n"
        );
        assert!(text(&Status::not_acceptable()).contains("\"details\":{},\"code\":406"));
        assert!(
            text(&Status::unsupported_media_type_router()).contains("\"details\":{},\"code\":415")
        );
        assert_eq!(Status::success_delete("a", "b").http_code(), 200);
    }

    #[test]
    fn invalid_message_deduplicates_and_brackets() {
        let a = Cause::new("FieldValueInvalid", "Invalid value: 1: x", "f");
        let b = Cause::new("FieldValueInvalid", "Invalid value: 2: y", "g");
        assert_eq!(
            invalid_message("Endpoints", "e", std::slice::from_ref(&a)),
            "Endpoints \"e\" is invalid: f: Invalid value: 1: x"
        );
        assert_eq!(
            invalid_message("Endpoints", "e", &[a.clone(), a.clone(), b]),
            "Endpoints \"e\" is invalid: [f: Invalid value: 1: x, g: Invalid value: 2: y]"
        );
    }

    #[test]
    fn apply_conflict_texts_follow_the_recordings() {
        let one = Status::apply_conflict(&[("manager-a".into(), false, ".subsets".into())]);
        assert_eq!(
            one.message,
            "Apply failed with 1 conflict: conflict with \"manager-a\": .subsets"
        );
        let update = Status::apply_conflict(&[("updater".into(), true, ".subsets".into())]);
        assert_eq!(
            update.message,
            "Apply failed with 1 conflict: conflict with \"updater\" using v1: .subsets"
        );
        let two = Status::apply_conflict(&[
            ("m".into(), true, ".a".into()),
            ("m".into(), true, ".b".into()),
        ]);
        assert_eq!(
            two.message,
            "Apply failed with 2 conflicts: conflicts with \"m\" using v1:\n- .a\n- .b"
        );
    }

    #[test]
    fn timeout_carries_retry_after() {
        let status = Status::too_large_rv_timeout(999_999_999, 5, 1);
        assert_eq!(status.retry_after(), Some(1));
        assert!(text(&status).ends_with(
            "\"details\":{\"causes\":[{\"reason\":\"ResourceVersionTooLarge\",\"message\":\"Too large resource version\"}],\"retryAfterSeconds\":1},\"code\":504}\n"
        ));
    }

    /// `(code, reason, message)` of a body, for the one-line texts.
    fn head(status: &Status) -> (i32, &str, &str) {
        (status.code, status.reason.as_str(), status.message.as_str())
    }

    #[test]
    fn request_checks_of_the_handlers() {
        assert_eq!(
            head(&Status::export_unsupported()),
            (
                400,
                "BadRequest",
                "the export parameter, deprecated since v1.14, is no longer supported"
            )
        );
        assert_eq!(
            head(&Status::namespace_mismatch()),
            (
                400,
                "BadRequest",
                "the namespace of the provided object does not match the namespace sent on the request"
            )
        );
        assert_eq!(
            head(&Status::name_mismatch("other", "ep1")),
            (
                400,
                "BadRequest",
                "the name of the object (other) does not match the name on the URL (ep1)"
            )
        );
        assert_eq!(
            head(&Status::name_undeterminable("ep1")),
            (
                400,
                "BadRequest",
                "the name of the object (ep1 based on URL) was undeterminable: name must be provided"
            )
        );
        assert_eq!(
            text(&Status::resource_version_on_create()),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"resourceVersion should not be set on objects to be created\",\"code\":500}\n"
        );
        assert_eq!(
            head(&Status::etcd_future_revision()),
            (
                500,
                "",
                "etcdserver: mvcc: required revision is a future revision"
            )
        );
    }

    #[test]
    fn patch_and_apply_texts() {
        assert_eq!(
            head(&Status::patch_decode_failed(
                "invalid character 'x' looking for beginning of value"
            )),
            (
                400,
                "BadRequest",
                "error decoding patch: invalid character 'x' looking for beginning of value"
            )
        );
        assert_eq!(
            head(&Status::apply_invalid_object_type("apps/v1", "Deployment")),
            (
                400,
                "BadRequest",
                "invalid object type: apps/v1, Kind=Deployment"
            )
        );
        assert_eq!(
            Status::apply_invalid_object_type("v1", "Service").message,
            "invalid object type: /v1, Kind=Service"
        );
        assert_eq!(
            head(&Status::apply_managed_fields_set()),
            (400, "BadRequest", "metadata.managedFields must be nil")
        );
        assert_eq!(
            head(&Status::apply_field_not_declared("ep1", "spec")),
            (
                500,
                "",
                "failed to create typed patch object (/ep1; /v1, Kind=Endpoints): .spec: field not declared in schema"
            )
        );
    }

    #[test]
    fn router_texts_have_empty_details() {
        assert_eq!(
            text(&Status::not_found_path()),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"the server could not find the requested resource\",\"reason\":\"NotFound\",\"details\":{},\"code\":404}\n"
        );
        assert_eq!(
            text(&Status::method_not_allowed()),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"the server does not allow this method on the requested resource\",\"reason\":\"MethodNotAllowed\",\"details\":{},\"code\":405}\n"
        );
        assert_eq!(
            text(&Status::request_timeout()),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Timeout: request did not complete within requested timeout - context deadline exceeded\",\"reason\":\"Timeout\",\"details\":{},\"code\":504}\n"
        );
    }

    #[test]
    fn watch_texts() {
        assert_eq!(
            text(&Status::watch_not_acceptable()),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"only the following media types are accepted: application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch\",\"reason\":\"NotAcceptable\",\"code\":406}\n"
        );
        assert_eq!(
            head(&Status::watch_name_mismatch()),
            (
                400,
                "BadRequest",
                "fieldSelector metadata.name doesn't match requested name"
            )
        );
    }

    #[test]
    fn namespace_texts() {
        assert_eq!(
            text(&Status::namespace_forbidden("alice", "delete", Some("n1"))),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"namespaces \\\"n1\\\" is forbidden: User \\\"alice\\\" cannot delete resource \\\"namespaces\\\" in API group \\\"\\\" at the cluster scope\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"n1\",\"kind\":\"namespaces\"},\"code\":403}\n"
        );
        assert_eq!(
            Status::namespace_forbidden("alice", "create", None).message,
            "namespaces is forbidden: User \"alice\" cannot create resource \"namespaces\" in API group \"\" at the cluster scope"
        );
        assert_eq!(
            text(&Status::namespace_already_exists("n1")),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"namespaces \\\"n1\\\" already exists\",\"reason\":\"AlreadyExists\",\"details\":{\"name\":\"n1\",\"kind\":\"namespaces\"},\"code\":409}\n"
        );
        let required = Status::namespace_invalid_name("", &[]);
        assert_eq!(
            head(&required),
            (
                422,
                "Invalid",
                "Namespace \"\" is invalid: metadata.name: Required value: name or generateName is required"
            )
        );
        // Go's %q, not Rust's {:?}: U+200B is `\u200b`, not `\u{200b}`.
        let invalid = Status::namespace_invalid_name("a\u{200b}", &["must be a label".to_owned()]);
        assert_eq!(
            invalid.message,
            "Namespace \"a\u{200b}\" is invalid: metadata.name: Invalid value: \"a\\u200b\": must be a label"
        );
        let details = invalid.details.unwrap();
        assert_eq!(
            (details.kind.as_str(), details.causes[0].reason.as_str()),
            ("Namespace", "FieldValueInvalid")
        );
    }
}
