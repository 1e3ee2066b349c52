//! discovery.k8s.io/v1 EndpointSlice in Kubernetes protobuf (`application/vnd.kubernetes.protobuf`),
//! as kube-proxy and the EndpointSlice controller speak it: answers to get, list, create, replace,
//! delete and deletecollection, protobuf request bodies, errors in protobuf, the 415 for protobuf
//! patches, content negotiation and the length-prefixed watch frames.
//!
//! kube-apiserver serves every resource through the same protobuf serializer and REST handlers, so
//! the check bodies are the harness's (`kconform_harness::kit::protobuf`), shared with the
//! Endpoints suite's `EP-PROTO-*` checks, whose expectations are recorded for core/v1
//! (`transcripts/protobuf/`). What is EndpointSlice about them is here: the objects, the message of
//! k8s.io/api `discovery/v1/generated.proto` (its pointer fields are written only when set, so the
//! bytes are checked against Go's marshalling of the JSON answer), and the decoder's texts.
//! No EndpointSlice protobuf exchange is recorded.

use kconform_harness::check;
use kconform_harness::client::Response;
use kconform_harness::kit::protobuf::{self as pb, ProtoResource};
use kconform_harness::kit::*;
use kconform_harness::model::Level::Must;
use kconform_harness::runner::{Check, Ctx};
use serde_json::{Value, json};

use crate::op;

/// A valid slice as kube-apiserver stores it (port protocol given, the endpoint's `conditions`
/// struct written, no labels map when there are none), so that what is sent is what is created.
fn stored_slice(name: &str, labels: &[(&str, &str)]) -> Value {
    let mut slice = json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": name},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.1.2.3"], "conditions": {"ready": true}}],
        "ports": [{"name": "http", "protocol": "TCP", "port": 80}],
    });
    if !labels.is_empty() {
        slice["metadata"]["labels"] = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect::<serde_json::Map<String, Value>>()
            .into();
    }
    slice
}

/// An EndpointSlice answer carries no Warning of its own (an IPv4 slice is not deprecated).
fn expect_warnings(ctx: &Ctx, resp: &Response, extra: &[&str]) -> Verdict {
    let want: Vec<String> = extra.iter().map(|w| (*w).to_owned()).collect();
    expect_eq(ctx, "Warning headers", want, resp.warnings())
}

/// EndpointSlice for the shared protobuf check bodies.
static ENDPOINT_SLICE: ProtoResource = ProtoResource {
    prefix: "es",
    object: stored_slice,
    // An endpoint without addresses: 422 `endpoints[0].addresses: Required value`.
    invalid: |name| {
        let mut slice = stored_slice(name, &[]);
        slice["endpoints"][0]["addresses"] = json!([]);
        slice
    },
    patch: || json!({"endpoints": [{"addresses": ["10.1.2.4"], "zone": "z1"}]}),
    patched_field: "endpoints",
    // `addressType` is a non-pointer string and `endpoints`, `ports` have no omitempty.
    empty_object: || json!({"addressType": "", "endpoints": null, "ports": null}),
    expect_warnings,
    internal_group: "discovery",
};

/// The shared body `$body` run for EndpointSlice.
macro_rules! slice_body {
    ($name:ident, $body:ident) => {
        async fn $name(ctx: Ctx) -> Verdict {
            pb::$body(ctx, &ENDPOINT_SLICE).await
        }
    };
}

/// Where every ES-PROTO expectation comes from.
macro_rules! spec_ref {
    ($what:literal) => {
        concat!(
            $what,
            "; k8s.io/api discovery/v1 generated.proto; the Endpoints exchanges of transcripts/protobuf show the shared serializer"
        )
    };
}

pub(crate) const ES_PROTO_001: Check = check!(
    CheckMeta {
        operations: &[op::READ],
        statuses: &[200],
        ..meta(
            "ES-PROTO-001",
            Must,
            "A GET of an EndpointSlice with `Accept: application/vnd.kubernetes.protobuf` MUST answer 200 with Content-Type application/vnd.kubernetes.protobuf and the slice in the `k8s\\0` envelope (typeMeta discovery.k8s.io/v1 EndpointSlice), byte for byte as Go marshals the slice the JSON GET answers: non-pointer fields (metadata, addressType, each endpoint's conditions) always written, pointer fields only when set.",
            spec_ref!("apimachinery runtime/serializer/protobuf"),
        )
    },
    protobuf_get
);
slice_body!(protobuf_get, get);

pub(crate) const ES_PROTO_002: Check = check!(
    CheckMeta {
        operations: &[op::LIST, op::LIST_ALL],
        params: &["limit", "continue", "labelSelector"],
        statuses: &[200],
        ..meta(
            "ES-PROTO-002",
            Must,
            "A LIST in protobuf MUST answer an EndpointSliceList envelope holding the items the JSON list holds; with limit its ListMeta MUST carry the continue token (remainingItemCount only without selectors), and the token MUST give the next page, in protobuf too.",
            spec_ref!("apimachinery meta/v1 ListMeta"),
        )
    },
    protobuf_list
);
slice_body!(protobuf_list, list);

pub(crate) const ES_PROTO_003: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        statuses: &[201],
        ..meta(
            "ES-PROTO-003",
            Must,
            "A POST with a protobuf EndpointSlice body, written by Go's rules or with only the set fields, MUST create the slice (201), answering in protobuf or JSON as Accept asks.",
            spec_ref!("apimachinery runtime/serializer/protobuf"),
        )
    },
    protobuf_create
);
slice_body!(protobuf_create, create_from_protobuf);

pub(crate) const ES_PROTO_004: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        statuses: &[200, 409],
        ..meta(
            "ES-PROTO-004",
            Must,
            "A PUT with a protobuf EndpointSlice body MUST replace the slice (200, the new slice in protobuf), and a stale resourceVersion in it MUST answer the 409 Conflict on endpointslices.discovery.k8s.io, in protobuf.",
            spec_ref!("apimachinery runtime/serializer/protobuf"),
        )
    },
    protobuf_replace
);
slice_body!(protobuf_replace, replace);

pub(crate) const ES_PROTO_005: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        params: &["dryRun"],
        statuses: &[200, 409],
        ..meta(
            "ES-PROTO-005",
            Must,
            "A DELETE of an EndpointSlice MUST honour a protobuf DeleteOptions body: dryRun All keeps the slice, a wrong preconditions.uid answers 409, and an empty one deletes it with a Status Success (details group discovery.k8s.io, kind endpointslices) answered in protobuf.",
            spec_ref!("apimachinery meta/v1 DeleteOptions; kube-apiserver handlers/delete.go"),
        )
    },
    protobuf_delete
);
slice_body!(protobuf_delete, delete);

pub(crate) const ES_PROTO_006: Check = check!(
    CheckMeta {
        operations: &[op::DELETE_COLLECTION],
        params: &["labelSelector"],
        statuses: &[200],
        ..meta(
            "ES-PROTO-006",
            Must,
            "A DELETE of the EndpointSlice collection with Accept protobuf MUST answer 200 with the deleted slices as an EndpointSliceList in protobuf.",
            spec_ref!("kube-apiserver handlers/delete.go (DeleteCollection)"),
        )
    },
    protobuf_delete_collection
);
slice_body!(protobuf_delete_collection, delete_collection);

pub(crate) const ES_PROTO_007: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "resourceVersion", "timeoutSeconds"],
        statuses: &[200],
        ..meta(
            "ES-PROTO-007",
            Must,
            "A watch of EndpointSlices with `Accept: application/vnd.kubernetes.protobuf;stream=watch` MUST answer Content-Type application/vnd.kubernetes.protobuf;stream=watch and stream each event as a 4-byte big-endian length and a bare WatchEvent whose object is a whole envelope: ADDED, MODIFIED and DELETED carrying the slices the JSON watch carries.",
            spec_ref!(
                "apimachinery runtime/serializer/protobuf (RawSerializer) and streaming framer"
            ),
        )
    },
    protobuf_watch_events
);
slice_body!(protobuf_watch_events, watch_events);

pub(crate) const ES_PROTO_008: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &[
            "watch",
            "allowWatchBookmarks",
            "sendInitialEvents",
            "resourceVersionMatch"
        ],
        statuses: &[200],
        ..meta(
            "ES-PROTO-008",
            Must,
            "A protobuf watch of EndpointSlices with allowWatchBookmarks=true MUST send the BOOKMARK events the JSON watch sends, as frames whose EndpointSlice carries only metadata.resourceVersion and Go's empty fields (addressType \"\"): where the WatchList gate is on (1.32, 1.34+) sendInitialEvents ends its ADDED events with the BOOKMARK annotated k8s.io/initial-events-end=true; elsewhere the bookmark sent before timeoutSeconds after a change.",
            spec_ref!("kube-apiserver behaviour §6.3, §6.4"),
        )
    },
    protobuf_watch_bookmarks
);
slice_body!(protobuf_watch_bookmarks, watch_bookmarks);

pub(crate) const ES_PROTO_009: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "resourceVersion"],
        statuses: &[200, 410],
        features: &["compaction"],
        ..meta(
            "ES-PROTO-009",
            Must,
            "A protobuf watch of EndpointSlices from a compacted resourceVersion MUST answer 200 and send one ERROR frame whose object is a Status 410 Expired `too old resource version: <requested> (<oldest>)`, then end the stream.",
            spec_ref!("kube-apiserver behaviour §3.1 410 Expired (watch)"),
        )
    },
    protobuf_watch_expired
);
slice_body!(protobuf_watch_expired, watch_expired);

pub(crate) const ES_PROTO_010: Check = check!(
    CheckMeta {
        operations: &[op::READ, op::CREATE],
        statuses: &[400, 404, 409, 422],
        ..meta(
            "ES-PROTO-010",
            Must,
            "With Accept protobuf every error of the EndpointSlice handler (400 namespace mismatch, 404, 409, 422) MUST be a Status in protobuf, equal to the JSON Status of the same request, with the same warnings.",
            spec_ref!("kube-apiserver handlers/responsewriters (ErrorNegotiated)"),
        )
    },
    protobuf_handler_errors
);
slice_body!(protobuf_handler_errors, handler_errors);

pub(crate) const ES_PROTO_011: Check = check!(
    CheckMeta {
        operations: &[op::READ, op::LIST],
        params: &["watch"],
        statuses: &[401, 403],
        ..meta(
            "ES-PROTO-011",
            Must,
            "With Accept protobuf the 401 of authentication and the 403 of authorization (get and watch of EndpointSlices) MUST be Status bodies in protobuf; the 401 is the 72 bytes of Status {Failure, Unauthorized, Unauthorized, 401}.",
            spec_ref!(
                "kube-apiserver filters (authentication, authorization) with the negotiated serializer"
            ),
        )
    },
    protobuf_filter_errors
);
slice_body!(protobuf_filter_errors, filter_errors);

pub(crate) const ES_PROTO_012: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        statuses: &[415],
        ..meta(
            "ES-PROTO-012",
            Must,
            "A PATCH of an EndpointSlice with Content-Type application/vnd.kubernetes.protobuf MUST answer 415 UnsupportedMediaType `415: Unsupported Media Type` with empty details (in protobuf when Accept asks for it), and leave the slice unchanged.",
            spec_ref!(
                "kube-apiserver endpoints/installer.go (PATCH consumes only the patch types)"
            ),
        )
    },
    protobuf_patch_refused
);
slice_body!(protobuf_patch_refused, patch_refused);

pub(crate) const ES_PROTO_013: Check = check!(
    CheckMeta {
        operations: &[op::READ, op::LIST],
        params: &["watch"],
        statuses: &[200],
        ..meta(
            "ES-PROTO-013",
            Must,
            "Content negotiation on EndpointSlice routes MUST follow Accept with q-values: client-go's `application/vnd.kubernetes.protobuf,application/json` and `application/json;q=0.5,application/vnd.kubernetes.protobuf` get protobuf (on a watch, `;stream=watch` frames, also for plain `application/vnd.kubernetes.protobuf`), and `*/*` gets JSON.",
            spec_ref!("apimachinery runtime/serializer negotiation (NegotiateOutputMediaType)"),
        )
    },
    protobuf_negotiation
);
slice_body!(protobuf_negotiation, negotiation);

pub(crate) const ES_PROTO_014: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        statuses: &[400],
        ..meta(
            "ES-PROTO-014",
            Must,
            "A POST whose protobuf body cannot be decoded as an EndpointSlice MUST answer 400 BadRequest with kube-apiserver's decoder texts: no `k8s\\0` magic (`the object provided is unrecognized (must be of type EndpointSlice): … expected prefix [107 56 115 0] (<hex>)`), bytes that are not the message (`proto: illegal wireType 7 (<hex>)`), and the list kind (`EndpointSliceList in version \"v1\" cannot be handled as a EndpointSlice: converting (v1.EndpointSliceList) to (discovery.EndpointSlice): unknown conversion`).",
            spec_ref!("apimachinery runtime/serializer/protobuf and the codec's conversion"),
        )
    },
    protobuf_undecodable
);
slice_body!(protobuf_undecodable, undecodable);

/// The protobuf checks, in id order.
pub(crate) const CHECKS: &[Check] = &[
    ES_PROTO_001,
    ES_PROTO_002,
    ES_PROTO_003,
    ES_PROTO_004,
    ES_PROTO_005,
    ES_PROTO_006,
    ES_PROTO_007,
    ES_PROTO_008,
    ES_PROTO_009,
    ES_PROTO_010,
    ES_PROTO_011,
    ES_PROTO_012,
    ES_PROTO_013,
    ES_PROTO_014,
];
