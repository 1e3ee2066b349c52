//! The messages kube-apiserver writes and reads for Endpoints, as data: field numbers from k8s.io/api
//! core/v1 and apimachinery meta/v1 and runtime `generated.proto`, the JSON names and `omitempty` of the
//! Go structs, and whether Go's `MarshalToSizedBuffer` writes a field when it is empty (non-pointer
//! fields are always written; pointers only when set; repeated fields and maps only when non-empty).

/// What a field holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Type {
    /// A string (JSON string).
    Str,
    /// An int32 varint (JSON number).
    Int32,
    /// An int64 varint (JSON number).
    Int64,
    /// A bool varint (JSON boolean).
    Bool,
    /// A nested message (JSON object).
    Message(&'static Message),
    /// `metav1.Time`: `{1 seconds, 2 nanos}`; a JSON RFC 3339 string, a zero Time being an empty message.
    Time,
    /// `metav1.FieldsV1`: `{1 Raw}` with the JSON text in `Raw`; a JSON object.
    FieldsV1,
    /// `runtime.RawExtension` whose `raw` is a whole envelope (`k8s\0` + Unknown); a JSON object with its
    /// own `kind` and `apiVersion`.
    Object,
}

/// When Go writes a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    /// A non-pointer Go field: written even when `""`, `0` or empty.
    Always,
    /// A pointer Go field: written only when set.
    IfSet,
    /// A slice: one field per element, none when empty.
    Repeated,
    /// A `map[string]string`: one `{1 key, 2 value}` entry per key, sorted by key.
    Map,
}

/// One field of a message.
#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) number: u32,
    /// The JSON name.
    pub(crate) json: &'static str,
    /// The Go field name, which the decoding errors name.
    pub(crate) go: &'static str,
    pub(crate) ty: Type,
    pub(crate) presence: Presence,
    /// Whether Go's JSON leaves the field out when it is empty (`omitempty`, or a nil pointer).
    pub(crate) omit_empty: bool,
    /// Whether an absent repeated field without `omitempty` is JSON `null` (a nil Go slice, as
    /// `EndpointSlice.endpoints` after decoding) rather than `[]`.
    pub(crate) null_when_empty: bool,
}

/// One message: its Go name (in decoding errors), its fields in field-number order, and the order of
/// the Go struct's fields (JSON order) where it differs.
#[derive(Debug)]
pub(crate) struct Message {
    pub(crate) name: &'static str,
    pub(crate) fields: &'static [Field],
    /// Indexes into `fields` in Go struct order; empty when it is field-number order.
    pub(crate) json_order: &'static [usize],
}

const fn field(
    number: u32,
    json: &'static str,
    go: &'static str,
    ty: Type,
    presence: Presence,
    omit_empty: bool,
) -> Field {
    Field {
        number,
        json,
        go,
        ty,
        presence,
        omit_empty,
        null_when_empty: false,
    }
}

/// A repeated field without `omitempty` whose absence decodes to a nil Go slice, JSON `null`.
const fn nil_slice(number: u32, json: &'static str, go: &'static str, ty: Type) -> Field {
    Field {
        null_when_empty: true,
        ..field(number, json, go, ty, Repeated, false)
    }
}

use Presence::{Always, IfSet, Map, Repeated};
use Type::{Bool, Int32, Int64, Str, Time};

pub(crate) static OBJECT_REFERENCE: Message = Message {
    name: "ObjectReference",
    fields: &[
        field(1, "kind", "Kind", Str, Always, true),
        field(2, "namespace", "Namespace", Str, Always, true),
        field(3, "name", "Name", Str, Always, true),
        field(4, "uid", "UID", Str, Always, true),
        field(5, "apiVersion", "APIVersion", Str, Always, true),
        field(6, "resourceVersion", "ResourceVersion", Str, Always, true),
        field(7, "fieldPath", "FieldPath", Str, Always, true),
    ],
    json_order: &[],
};

pub(crate) static ENDPOINT_ADDRESS: Message = Message {
    name: "EndpointAddress",
    fields: &[
        field(1, "ip", "IP", Str, Always, false),
        field(
            2,
            "targetRef",
            "TargetRef",
            Type::Message(&OBJECT_REFERENCE),
            IfSet,
            true,
        ),
        field(3, "hostname", "Hostname", Str, Always, true),
        field(4, "nodeName", "NodeName", Str, IfSet, true),
    ],
    // Go: IP, Hostname, NodeName, TargetRef.
    json_order: &[0, 2, 3, 1],
};

pub(crate) static ENDPOINT_PORT: Message = Message {
    name: "EndpointPort",
    fields: &[
        field(1, "name", "Name", Str, Always, true),
        field(2, "port", "Port", Int32, Always, false),
        field(3, "protocol", "Protocol", Str, Always, true),
        field(4, "appProtocol", "AppProtocol", Str, IfSet, true),
    ],
    json_order: &[],
};

pub(crate) static ENDPOINT_SUBSET: Message = Message {
    name: "EndpointSubset",
    fields: &[
        field(
            1,
            "addresses",
            "Addresses",
            Type::Message(&ENDPOINT_ADDRESS),
            Repeated,
            true,
        ),
        field(
            2,
            "notReadyAddresses",
            "NotReadyAddresses",
            Type::Message(&ENDPOINT_ADDRESS),
            Repeated,
            true,
        ),
        field(
            3,
            "ports",
            "Ports",
            Type::Message(&ENDPOINT_PORT),
            Repeated,
            true,
        ),
    ],
    json_order: &[],
};

pub(crate) static OWNER_REFERENCE: Message = Message {
    name: "OwnerReference",
    fields: &[
        field(1, "kind", "Kind", Str, Always, false),
        field(3, "name", "Name", Str, Always, false),
        field(4, "uid", "UID", Str, Always, false),
        field(5, "apiVersion", "APIVersion", Str, Always, false),
        field(6, "controller", "Controller", Bool, IfSet, true),
        field(
            7,
            "blockOwnerDeletion",
            "BlockOwnerDeletion",
            Bool,
            IfSet,
            true,
        ),
    ],
    // Go: APIVersion, Kind, Name, UID, Controller, BlockOwnerDeletion.
    json_order: &[3, 0, 1, 2, 4, 5],
};

pub(crate) static MANAGED_FIELDS_ENTRY: Message = Message {
    name: "ManagedFieldsEntry",
    fields: &[
        field(1, "manager", "Manager", Str, Always, true),
        field(2, "operation", "Operation", Str, Always, true),
        field(3, "apiVersion", "APIVersion", Str, Always, true),
        field(4, "time", "Time", Time, IfSet, true),
        field(6, "fieldsType", "FieldsType", Str, Always, true),
        field(7, "fieldsV1", "FieldsV1", Type::FieldsV1, IfSet, true),
        field(8, "subresource", "Subresource", Str, Always, true),
    ],
    json_order: &[],
};

pub(crate) static OBJECT_META: Message = Message {
    name: "ObjectMeta",
    fields: &[
        field(1, "name", "Name", Str, Always, true),
        field(2, "generateName", "GenerateName", Str, Always, true),
        field(3, "namespace", "Namespace", Str, Always, true),
        field(4, "selfLink", "SelfLink", Str, Always, true),
        field(5, "uid", "UID", Str, Always, true),
        field(6, "resourceVersion", "ResourceVersion", Str, Always, true),
        field(7, "generation", "Generation", Int64, Always, true),
        // A zero Time marshals to JSON `null`, which omitempty keeps.
        field(
            8,
            "creationTimestamp",
            "CreationTimestamp",
            Time,
            Always,
            false,
        ),
        field(
            9,
            "deletionTimestamp",
            "DeletionTimestamp",
            Time,
            IfSet,
            true,
        ),
        field(
            10,
            "deletionGracePeriodSeconds",
            "DeletionGracePeriodSeconds",
            Int64,
            IfSet,
            true,
        ),
        field(11, "labels", "Labels", Str, Map, true),
        field(12, "annotations", "Annotations", Str, Map, true),
        field(
            13,
            "ownerReferences",
            "OwnerReferences",
            Type::Message(&OWNER_REFERENCE),
            Repeated,
            true,
        ),
        field(14, "finalizers", "Finalizers", Str, Repeated, true),
        field(
            17,
            "managedFields",
            "ManagedFields",
            Type::Message(&MANAGED_FIELDS_ENTRY),
            Repeated,
            true,
        ),
    ],
    json_order: &[],
};

pub(crate) static LIST_META: Message = Message {
    name: "ListMeta",
    fields: &[
        field(1, "selfLink", "SelfLink", Str, Always, true),
        field(2, "resourceVersion", "ResourceVersion", Str, Always, true),
        field(3, "continue", "Continue", Str, Always, true),
        field(
            4,
            "remainingItemCount",
            "RemainingItemCount",
            Int64,
            IfSet,
            true,
        ),
    ],
    json_order: &[],
};

pub(crate) static ENDPOINTS: Message = Message {
    name: "Endpoints",
    fields: &[
        field(
            1,
            "metadata",
            "ObjectMeta",
            Type::Message(&OBJECT_META),
            Always,
            false,
        ),
        field(
            2,
            "subsets",
            "Subsets",
            Type::Message(&ENDPOINT_SUBSET),
            Repeated,
            true,
        ),
    ],
    json_order: &[],
};

pub(crate) static ENDPOINTS_LIST: Message = Message {
    name: "EndpointsList",
    fields: &[
        field(
            1,
            "metadata",
            "ListMeta",
            Type::Message(&LIST_META),
            Always,
            false,
        ),
        // `json:"items"` without omitempty.
        field(
            2,
            "items",
            "Items",
            Type::Message(&ENDPOINTS),
            Repeated,
            false,
        ),
    ],
    json_order: &[],
};

pub(crate) static STATUS_CAUSE: Message = Message {
    name: "StatusCause",
    fields: &[
        field(1, "reason", "Type", Str, Always, true),
        field(2, "message", "Message", Str, Always, true),
        field(3, "field", "Field", Str, Always, true),
    ],
    json_order: &[],
};

pub(crate) static STATUS_DETAILS: Message = Message {
    name: "StatusDetails",
    fields: &[
        field(1, "name", "Name", Str, Always, true),
        field(2, "group", "Group", Str, Always, true),
        field(3, "kind", "Kind", Str, Always, true),
        field(
            4,
            "causes",
            "Causes",
            Type::Message(&STATUS_CAUSE),
            Repeated,
            true,
        ),
        field(
            5,
            "retryAfterSeconds",
            "RetryAfterSeconds",
            Int32,
            Always,
            true,
        ),
        field(6, "uid", "UID", Str, Always, true),
    ],
    // Go: Name, Group, Kind, UID, Causes, RetryAfterSeconds.
    json_order: &[0, 1, 2, 5, 3, 4],
};

pub(crate) static STATUS: Message = Message {
    name: "Status",
    fields: &[
        field(
            1,
            "metadata",
            "ListMeta",
            Type::Message(&LIST_META),
            Always,
            false,
        ),
        field(2, "status", "Status", Str, Always, true),
        field(3, "message", "Message", Str, Always, true),
        field(4, "reason", "Reason", Str, Always, true),
        field(
            5,
            "details",
            "Details",
            Type::Message(&STATUS_DETAILS),
            IfSet,
            true,
        ),
        field(6, "code", "Code", Int32, Always, true),
    ],
    json_order: &[],
};

pub(crate) static PRECONDITIONS: Message = Message {
    name: "Preconditions",
    fields: &[
        field(1, "uid", "UID", Str, IfSet, true),
        field(2, "resourceVersion", "ResourceVersion", Str, IfSet, true),
    ],
    json_order: &[],
};

pub(crate) static DELETE_OPTIONS: Message = Message {
    name: "DeleteOptions",
    fields: &[
        field(
            1,
            "gracePeriodSeconds",
            "GracePeriodSeconds",
            Int64,
            IfSet,
            true,
        ),
        field(
            2,
            "preconditions",
            "Preconditions",
            Type::Message(&PRECONDITIONS),
            IfSet,
            true,
        ),
        field(3, "orphanDependents", "OrphanDependents", Bool, IfSet, true),
        field(
            4,
            "propagationPolicy",
            "PropagationPolicy",
            Str,
            IfSet,
            true,
        ),
        field(5, "dryRun", "DryRun", Str, Repeated, true),
        field(
            6,
            "ignoreStoreReadErrorWithClusterBreakingPotential",
            "IgnoreStoreReadErrorWithClusterBreakingPotential",
            Bool,
            IfSet,
            true,
        ),
    ],
    json_order: &[],
};

/// `metav1.WatchEvent`: `{1 type, 2 object: RawExtension}`, both always written.
pub(crate) static WATCH_EVENT: Message = Message {
    name: "WatchEvent",
    fields: &[
        field(1, "type", "Type", Str, Always, false),
        field(2, "object", "Object", Type::Object, Always, false),
    ],
    json_order: &[],
};

// discovery.k8s.io/v1 (k8s.io/api/discovery/v1 `generated.proto` and `generated.pb.go`). Unlike
// core/v1, almost every optional field of Endpoint and EndpointPort is a Go pointer, so it is written
// only when set (`name: ""` is written as `0a 00`, an absent name not at all); the non-pointer ones
// are `addressType`, `conditions` (a struct: `12 00` when empty) and ForZone/ForNode `name`.

pub(crate) static ENDPOINT_CONDITIONS: Message = Message {
    name: "EndpointConditions",
    fields: &[
        field(1, "ready", "Ready", Bool, IfSet, true),
        field(2, "serving", "Serving", Bool, IfSet, true),
        field(3, "terminating", "Terminating", Bool, IfSet, true),
    ],
    json_order: &[],
};

pub(crate) static FOR_ZONE: Message = Message {
    name: "ForZone",
    fields: &[field(1, "name", "Name", Str, Always, false)],
    json_order: &[],
};

pub(crate) static FOR_NODE: Message = Message {
    name: "ForNode",
    fields: &[field(1, "name", "Name", Str, Always, false)],
    json_order: &[],
};

/// `EndpointHints` with `forNodes` (Go structs from 1.33; an older server skips field 2 as unknown).
pub(crate) static ENDPOINT_HINTS: Message = Message {
    name: "EndpointHints",
    fields: &[
        field(
            1,
            "forZones",
            "ForZones",
            Type::Message(&FOR_ZONE),
            Repeated,
            true,
        ),
        field(
            2,
            "forNodes",
            "ForNodes",
            Type::Message(&FOR_NODE),
            Repeated,
            true,
        ),
    ],
    json_order: &[],
};

pub(crate) static ENDPOINT: Message = Message {
    name: "Endpoint",
    fields: &[
        nil_slice(1, "addresses", "Addresses", Str),
        // A non-pointer struct: always written, and `omitempty` never leaves a struct out of JSON.
        field(
            2,
            "conditions",
            "Conditions",
            Type::Message(&ENDPOINT_CONDITIONS),
            Always,
            false,
        ),
        field(3, "hostname", "Hostname", Str, IfSet, true),
        field(
            4,
            "targetRef",
            "TargetRef",
            Type::Message(&OBJECT_REFERENCE),
            IfSet,
            true,
        ),
        field(
            5,
            "deprecatedTopology",
            "DeprecatedTopology",
            Str,
            Map,
            true,
        ),
        field(6, "nodeName", "NodeName", Str, IfSet, true),
        field(7, "zone", "Zone", Str, IfSet, true),
        field(
            8,
            "hints",
            "Hints",
            Type::Message(&ENDPOINT_HINTS),
            IfSet,
            true,
        ),
    ],
    json_order: &[],
};

pub(crate) static ENDPOINT_SLICE_PORT: Message = Message {
    name: "EndpointPort",
    fields: &[
        field(1, "name", "Name", Str, IfSet, true),
        field(2, "protocol", "Protocol", Str, IfSet, true),
        field(3, "port", "Port", Int32, IfSet, true),
        field(4, "appProtocol", "AppProtocol", Str, IfSet, true),
    ],
    json_order: &[],
};

pub(crate) static ENDPOINT_SLICE: Message = Message {
    name: "EndpointSlice",
    fields: &[
        field(
            1,
            "metadata",
            "ObjectMeta",
            Type::Message(&OBJECT_META),
            Always,
            false,
        ),
        nil_slice(2, "endpoints", "Endpoints", Type::Message(&ENDPOINT)),
        nil_slice(3, "ports", "Ports", Type::Message(&ENDPOINT_SLICE_PORT)),
        // A non-pointer string (`AddressType`): always written, `22 00` when empty.
        field(4, "addressType", "AddressType", Str, Always, false),
    ],
    // Go: ObjectMeta, AddressType, Endpoints, Ports.
    json_order: &[0, 3, 1, 2],
};

pub(crate) static ENDPOINT_SLICE_LIST: Message = Message {
    name: "EndpointSliceList",
    fields: &[
        field(
            1,
            "metadata",
            "ListMeta",
            Type::Message(&LIST_META),
            Always,
            false,
        ),
        // `json:"items"` without omitempty; a list answer always carries `items: []` (as for
        // EndpointsList).
        field(
            2,
            "items",
            "Items",
            Type::Message(&ENDPOINT_SLICE),
            Repeated,
            false,
        ),
    ],
    json_order: &[],
};

// core/v1 Namespace, which clients write in protobuf (`kubectl create namespace` does) before they
// write any Endpoints; the reference server's namespaces API speaks it for them.

pub(crate) static NAMESPACE_SPEC: Message = Message {
    name: "NamespaceSpec",
    fields: &[field(1, "finalizers", "Finalizers", Str, Repeated, true)],
    json_order: &[],
};

pub(crate) static NAMESPACE_CONDITION: Message = Message {
    name: "NamespaceCondition",
    fields: &[
        field(1, "type", "Type", Str, Always, false),
        field(2, "status", "Status", Str, Always, false),
        // A non-pointer metav1.Time: always written, an empty message when zero.
        field(
            4,
            "lastTransitionTime",
            "LastTransitionTime",
            Time,
            Always,
            true,
        ),
        field(5, "reason", "Reason", Str, Always, true),
        field(6, "message", "Message", Str, Always, true),
    ],
    json_order: &[],
};

pub(crate) static NAMESPACE_STATUS: Message = Message {
    name: "NamespaceStatus",
    fields: &[
        field(1, "phase", "Phase", Str, Always, true),
        field(
            2,
            "conditions",
            "Conditions",
            Type::Message(&NAMESPACE_CONDITION),
            Repeated,
            true,
        ),
    ],
    json_order: &[],
};

pub(crate) static NAMESPACE: Message = Message {
    name: "Namespace",
    fields: &[
        field(
            1,
            "metadata",
            "ObjectMeta",
            Type::Message(&OBJECT_META),
            Always,
            false,
        ),
        // Non-pointer structs: always written, and always in Go's JSON (`omitempty` does not
        // apply to structs).
        field(
            2,
            "spec",
            "Spec",
            Type::Message(&NAMESPACE_SPEC),
            Always,
            false,
        ),
        field(
            3,
            "status",
            "Status",
            Type::Message(&NAMESPACE_STATUS),
            Always,
            false,
        ),
    ],
    json_order: &[],
};

pub(crate) static NAMESPACE_LIST: Message = Message {
    name: "NamespaceList",
    fields: &[
        field(
            1,
            "metadata",
            "ListMeta",
            Type::Message(&LIST_META),
            Always,
            false,
        ),
        field(
            2,
            "items",
            "Items",
            Type::Message(&NAMESPACE),
            Repeated,
            false,
        ),
    ],
    json_order: &[],
};

// authorization.k8s.io/v1 SelfSubjectAccessReview, which `kubectl auth can-i` writes in protobuf.

pub(crate) static RESOURCE_ATTRIBUTES: Message = Message {
    name: "ResourceAttributes",
    fields: &[
        field(1, "namespace", "Namespace", Str, Always, true),
        field(2, "verb", "Verb", Str, Always, true),
        field(3, "group", "Group", Str, Always, true),
        field(4, "version", "Version", Str, Always, true),
        field(5, "resource", "Resource", Str, Always, true),
        field(6, "subresource", "Subresource", Str, Always, true),
        field(7, "name", "Name", Str, Always, true),
    ],
    json_order: &[],
};

pub(crate) static NON_RESOURCE_ATTRIBUTES: Message = Message {
    name: "NonResourceAttributes",
    fields: &[
        field(1, "path", "Path", Str, Always, true),
        field(2, "verb", "Verb", Str, Always, true),
    ],
    json_order: &[],
};

pub(crate) static SELF_SUBJECT_ACCESS_REVIEW_SPEC: Message = Message {
    name: "SelfSubjectAccessReviewSpec",
    fields: &[
        field(
            1,
            "resourceAttributes",
            "ResourceAttributes",
            Type::Message(&RESOURCE_ATTRIBUTES),
            IfSet,
            true,
        ),
        field(
            2,
            "nonResourceAttributes",
            "NonResourceAttributes",
            Type::Message(&NON_RESOURCE_ATTRIBUTES),
            IfSet,
            true,
        ),
    ],
    json_order: &[],
};

pub(crate) static SUBJECT_ACCESS_REVIEW_STATUS: Message = Message {
    name: "SubjectAccessReviewStatus",
    fields: &[
        field(1, "allowed", "Allowed", Bool, Always, false),
        field(2, "reason", "Reason", Str, Always, true),
        field(3, "evaluationError", "EvaluationError", Str, Always, true),
        field(4, "denied", "Denied", Bool, Always, true),
    ],
    // Go: Allowed, Denied, Reason, EvaluationError.
    json_order: &[0, 3, 1, 2],
};

pub(crate) static SELF_SUBJECT_ACCESS_REVIEW: Message = Message {
    name: "SelfSubjectAccessReview",
    fields: &[
        field(
            1,
            "metadata",
            "ObjectMeta",
            Type::Message(&OBJECT_META),
            Always,
            false,
        ),
        // Non-pointer structs: always written.
        field(
            2,
            "spec",
            "Spec",
            Type::Message(&SELF_SUBJECT_ACCESS_REVIEW_SPEC),
            Always,
            false,
        ),
        field(
            3,
            "status",
            "Status",
            Type::Message(&SUBJECT_ACCESS_REVIEW_STATUS),
            Always,
            false,
        ),
    ],
    json_order: &[],
};

// authentication.k8s.io/v1 SelfSubjectReview, which `kubectl auth whoami` writes in protobuf.

pub(crate) static USER_INFO: Message = Message {
    name: "UserInfo",
    fields: &[
        field(1, "username", "Username", Str, Always, true),
        field(2, "uid", "UID", Str, Always, true),
        field(3, "groups", "Groups", Str, Repeated, true),
    ],
    json_order: &[],
};

pub(crate) static SELF_SUBJECT_REVIEW_STATUS: Message = Message {
    name: "SelfSubjectReviewStatus",
    // A non-pointer struct: always written.
    fields: &[field(
        1,
        "userInfo",
        "UserInfo",
        Type::Message(&USER_INFO),
        Always,
        false,
    )],
    json_order: &[],
};

pub(crate) static SELF_SUBJECT_REVIEW: Message = Message {
    name: "SelfSubjectReview",
    fields: &[
        field(
            1,
            "metadata",
            "ObjectMeta",
            Type::Message(&OBJECT_META),
            Always,
            false,
        ),
        field(
            2,
            "status",
            "Status",
            Type::Message(&SELF_SUBJECT_REVIEW_STATUS),
            Always,
            false,
        ),
    ],
    json_order: &[],
};

/// The message of a top-level kind, as the envelope's `typeMeta.kind` names it.
pub(crate) fn message_of_kind(kind: &str) -> Option<&'static Message> {
    match kind {
        "Endpoints" => Some(&ENDPOINTS),
        "EndpointsList" => Some(&ENDPOINTS_LIST),
        "EndpointSlice" => Some(&ENDPOINT_SLICE),
        "EndpointSliceList" => Some(&ENDPOINT_SLICE_LIST),
        "Status" => Some(&STATUS),
        "DeleteOptions" => Some(&DELETE_OPTIONS),
        "WatchEvent" => Some(&WATCH_EVENT),
        "Namespace" => Some(&NAMESPACE),
        "NamespaceList" => Some(&NAMESPACE_LIST),
        "SelfSubjectAccessReview" => Some(&SELF_SUBJECT_ACCESS_REVIEW),
        "SelfSubjectReview" => Some(&SELF_SUBJECT_REVIEW),
        _ => None,
    }
}
