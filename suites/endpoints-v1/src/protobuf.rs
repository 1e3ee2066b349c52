//! Kubernetes protobuf (`application/vnd.kubernetes.protobuf`), as every Kubernetes component
//! speaks it to kube-apiserver: answers to get, list, create, replace, delete and deletecollection,
//! protobuf request bodies, errors in protobuf, the 415 for protobuf patches, content negotiation
//! and the length-prefixed watch frames (events, bookmarks and the in-stream 410).
//!
//! A protobuf answer is held against the same server's JSON answer to the same request: the
//! decoded object must be that JSON object, and its bytes must be what Go's marshalling writes for
//! it. Recorded from kube-apiserver v1.28.7 and v1.36.2 (`transcripts/protobuf/`).
//!
//! The check bodies are the harness's (`kconform_harness::kit::protobuf`), shared with the
//! EndpointSlice suite; this module declares the checks and what is Endpoints about them.

use kconform_harness::kit::protobuf::{self as pb, ProtoResource};
use kconform_harness::model::Level::Must;
use kconform_harness::runner::{Check, Ctx};
use serde_json::json;

use crate::support::*;

/// Endpoints for the shared protobuf check bodies.
static ENDPOINTS: ProtoResource = ProtoResource {
    prefix: "ep",
    // Without labels the object has none (an empty map would not come back).
    object: |name, labels| {
        if labels.is_empty() {
            endpoints(name)
        } else {
            endpoints_labelled(name, labels)
        }
    },
    invalid: |name| {
        let mut bad_ip = endpoints(name);
        bad_ip["subsets"][0]["addresses"][0]["ip"] = json!("999.1.2.3");
        bad_ip
    },
    patch: || json!({"subsets": [{"addresses": [{"ip": "10.1.2.4"}], "ports": [{"port": 81}]}]}),
    patched_field: "subsets",
    empty_object: || json!({}),
    expect_warnings,
    internal_group: "core",
};

/// The shared body `$body` run for Endpoints.
macro_rules! endpoints_body {
    ($name:ident, $body:ident) => {
        async fn $name(ctx: Ctx) -> Verdict {
            pb::$body(ctx, &ENDPOINTS).await
        }
    };
}

pub(crate) const EP_PROTO_001: Check = check!(
    CheckMeta {
        operations: &[op::READ],
        statuses: &[200],
        ..meta(
            "EP-PROTO-001",
            Must,
            "A GET with `Accept: application/vnd.kubernetes.protobuf` MUST answer 200 with Content-Type application/vnd.kubernetes.protobuf and the object in the `k8s\\0` envelope, byte for byte as Go marshals the object the JSON GET answers (empty non-pointer fields written).",
            "apimachinery runtime/serializer/protobuf; recorded in transcripts/protobuf (get-object)",
        )
    },
    protobuf_get
);

endpoints_body!(protobuf_get, get);

pub(crate) const EP_PROTO_002: Check = check!(
    CheckMeta {
        operations: &[op::LIST, op::LIST_ALL],
        params: &["limit", "continue", "labelSelector"],
        statuses: &[200],
        ..meta(
            "EP-PROTO-002",
            Must,
            "A LIST in protobuf MUST answer an EndpointsList envelope holding the items the JSON list holds; with limit its ListMeta MUST carry the continue token (remainingItemCount only without selectors), and the token MUST give the next page, in protobuf too.",
            "apimachinery meta/v1 ListMeta; recorded in transcripts/protobuf (list)",
        )
    },
    protobuf_list
);

endpoints_body!(protobuf_list, list);

pub(crate) const EP_PROTO_003: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        statuses: &[201],
        ..meta(
            "EP-PROTO-003",
            Must,
            "A POST with a protobuf body (Content-Type application/vnd.kubernetes.protobuf), written by Go's rules or with only the set fields, MUST create the object (201), answering in protobuf or JSON as Accept asks.",
            "apimachinery runtime/serializer/protobuf; recorded in transcripts/protobuf (create-protobuf-body)",
        )
    },
    protobuf_create
);

endpoints_body!(protobuf_create, create_from_protobuf);

pub(crate) const EP_PROTO_004: Check = check!(
    CheckMeta {
        operations: &[op::REPLACE],
        statuses: &[200, 409],
        ..meta(
            "EP-PROTO-004",
            Must,
            "A PUT with a protobuf body MUST replace the object (200, the new object in protobuf), and a stale resourceVersion in it MUST answer the 409 Conflict, in protobuf.",
            "apimachinery runtime/serializer/protobuf; recorded in transcripts/protobuf (replace-protobuf-body)",
        )
    },
    protobuf_replace
);

endpoints_body!(protobuf_replace, replace);

pub(crate) const EP_PROTO_005: Check = check!(
    CheckMeta {
        operations: &[op::DELETE],
        params: &["dryRun"],
        statuses: &[200, 409],
        ..meta(
            "EP-PROTO-005",
            Must,
            "A DELETE MUST honour a protobuf DeleteOptions body (as client-go sends on every delete): dryRun All keeps the object, a wrong preconditions.uid answers 409, and an empty one deletes it with a Status Success answered in protobuf.",
            "apimachinery meta/v1 DeleteOptions; kube-apiserver handlers/delete.go; recorded in transcripts/protobuf (delete)",
        )
    },
    protobuf_delete
);

endpoints_body!(protobuf_delete, delete);

pub(crate) const EP_PROTO_006: Check = check!(
    CheckMeta {
        operations: &[op::DELETE_COLLECTION],
        params: &["labelSelector"],
        statuses: &[200],
        ..meta(
            "EP-PROTO-006",
            Must,
            "A DELETE of the collection with Accept protobuf MUST answer 200 with the deleted objects as an EndpointsList in protobuf.",
            "kube-apiserver handlers/delete.go (DeleteCollection); recorded in transcripts/protobuf (delete)",
        )
    },
    protobuf_delete_collection
);

endpoints_body!(protobuf_delete_collection, delete_collection);

pub(crate) const EP_PROTO_007: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "resourceVersion", "timeoutSeconds"],
        statuses: &[200],
        ..meta(
            "EP-PROTO-007",
            Must,
            "A watch with `Accept: application/vnd.kubernetes.protobuf;stream=watch` MUST answer Content-Type application/vnd.kubernetes.protobuf;stream=watch and stream each event as a 4-byte big-endian length and a bare WatchEvent whose object is a whole envelope: ADDED, MODIFIED and DELETED carrying the objects the JSON watch carries.",
            "apimachinery runtime/serializer/protobuf (RawSerializer) and streaming framer; recorded in transcripts/protobuf (watch-protobuf)",
        )
    },
    protobuf_watch_events
);

endpoints_body!(protobuf_watch_events, watch_events);

pub(crate) const EP_PROTO_008: Check = check!(
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
            "EP-PROTO-008",
            Must,
            "A protobuf watch with allowWatchBookmarks=true MUST send the BOOKMARK events the JSON watch sends, as frames: where the WatchList gate is on (1.32, 1.34+) sendInitialEvents ends its ADDED events with the BOOKMARK annotated k8s.io/initial-events-end=true; elsewhere the bookmark kube-apiserver sends before timeoutSeconds after a change.",
            "kube-apiserver behaviour §6.3, §6.4; recorded in transcripts/protobuf (watch-protobuf)",
        )
    },
    protobuf_watch_bookmarks
);

endpoints_body!(protobuf_watch_bookmarks, watch_bookmarks);

pub(crate) const EP_PROTO_009: Check = check!(
    CheckMeta {
        operations: &[op::LIST],
        params: &["watch", "resourceVersion"],
        statuses: &[200, 410],
        features: &["compaction"],
        ..meta(
            "EP-PROTO-009",
            Must,
            "A protobuf watch from a compacted resourceVersion MUST answer 200 and send one ERROR frame whose object is a Status 410 Expired `too old resource version: <requested> (<oldest>)`, then end the stream.",
            "kube-apiserver behaviour §3.1 410 Expired (watch); recorded in transcripts/protobuf (watch-protobuf)",
        )
    },
    protobuf_watch_expired
);

endpoints_body!(protobuf_watch_expired, watch_expired);

pub(crate) const EP_PROTO_010: Check = check!(
    CheckMeta {
        operations: &[op::READ, op::CREATE],
        statuses: &[400, 404, 409, 422],
        ..meta(
            "EP-PROTO-010",
            Must,
            "With Accept protobuf every error of the handler (400 namespace mismatch, 404, 409, 422) MUST be a Status in protobuf, equal to the JSON Status of the same request, with the same warnings.",
            "kube-apiserver handlers/responsewriters (ErrorNegotiated); recorded in transcripts/protobuf (create-protobuf-body, delete, replace-protobuf-body)",
        )
    },
    protobuf_handler_errors
);

endpoints_body!(protobuf_handler_errors, handler_errors);

pub(crate) const EP_PROTO_011: Check = check!(
    CheckMeta {
        operations: &[op::READ, op::LIST],
        params: &["watch"],
        statuses: &[401, 403],
        ..meta(
            "EP-PROTO-011",
            Must,
            "With Accept protobuf the 401 of authentication and the 403 of authorization (get and watch) MUST be Status bodies in protobuf; the 401 is the 72 bytes of Status {Failure, Unauthorized, Unauthorized, 401}.",
            "kube-apiserver filters (authentication, authorization) with the negotiated serializer; recorded in transcripts/protobuf (errors-in-protobuf)",
        )
    },
    protobuf_filter_errors
);

endpoints_body!(protobuf_filter_errors, filter_errors);

pub(crate) const EP_PROTO_012: Check = check!(
    CheckMeta {
        operations: &[op::PATCH],
        statuses: &[415],
        ..meta(
            "EP-PROTO-012",
            Must,
            "A PATCH with Content-Type application/vnd.kubernetes.protobuf MUST answer 415 UnsupportedMediaType `415: Unsupported Media Type` with empty details (in protobuf when Accept asks for it), and leave the object unchanged.",
            "kube-apiserver endpoints/installer.go (PATCH consumes only the patch types); recorded in transcripts/protobuf (patch)",
        )
    },
    protobuf_patch_refused
);

endpoints_body!(protobuf_patch_refused, patch_refused);

pub(crate) const EP_PROTO_013: Check = check!(
    CheckMeta {
        operations: &[op::READ, op::LIST],
        params: &["watch"],
        statuses: &[200],
        ..meta(
            "EP-PROTO-013",
            Must,
            "Content negotiation MUST follow Accept with q-values: client-go's `application/vnd.kubernetes.protobuf,application/json` and `application/json;q=0.5,application/vnd.kubernetes.protobuf` get protobuf (on a watch, `;stream=watch` frames, also for plain `application/vnd.kubernetes.protobuf`), and `*/*` gets JSON.",
            "apimachinery runtime/serializer negotiation (NegotiateOutputMediaType); recorded in transcripts/protobuf (content-type-negotiation)",
        )
    },
    protobuf_negotiation
);

endpoints_body!(protobuf_negotiation, negotiation);

pub(crate) const EP_PROTO_014: Check = check!(
    CheckMeta {
        operations: &[op::CREATE],
        statuses: &[400],
        ..meta(
            "EP-PROTO-014",
            Must,
            "A POST whose protobuf body cannot be decoded MUST answer 400 BadRequest with kube-apiserver's decoder texts: no `k8s\\0` magic (`… expected prefix [107 56 115 0] (<hex>)`), bytes that are not the message (`proto: illegal wireType 7 (<hex>)`), and another kind (`EndpointsList in version \"v1\" cannot be handled as a Endpoints: …`).",
            "apimachinery runtime/serializer/protobuf and the codec's conversion; recorded in transcripts/protobuf (create-protobuf-body)",
        )
    },
    protobuf_undecodable
);

endpoints_body!(protobuf_undecodable, undecodable);
