//! One check per scenario recorded from real kube-apiservers (`transcripts/endpointslice/`): the
//! scenario is replayed whole against the target, with the replay engine's bindings and
//! normalization, and every answer must be the one kube-apiserver gave at the check's version.
//!
//! Each row is a check's declaration: id, scenario, level, which recording applies at which
//! version, the operations, parameters and statuses it exercises, and the requirement.

use kconform_harness::kit::recorded::{self, Recording, Scenario, Versions};
use kconform_harness::kit::{CheckMeta, meta, verdict};
use kconform_harness::model::Level::{Must, Should};
use kconform_harness::runner::Check;

use crate::op;

macro_rules! recording {
    ($path:literal) => {
        Recording {
            v136: include_str!(concat!(
                "../../../transcripts/endpointslice/kube-apiserver-v1.36.2/",
                $path,
                ".json"
            )),
            v128: include_str!(concat!(
                "../../../transcripts/endpointslice/kube-apiserver-v1.28.7/",
                $path,
                ".json"
            )),
        }
    };
}

/// A check per recorded scenario.
macro_rules! recorded_checks {
    ($( $id:literal, $path:literal, $level:expr, $versions:expr,
        [$($op:expr),*], [$($param:literal),*], [$($status:literal),*], $req:literal; )*) => {
        &[$(
            Check {
                meta: CheckMeta {
                    operations: &[$($op),*],
                    params: &[$($param),*],
                    statuses: &[$($status),*],
                    ..meta(
                        $id,
                        $level,
                        $req,
                        concat!("recorded scenario ", $path, " (transcripts/endpointslice)"),
                    )
                },
                run: |ctx| {
                    Box::pin(verdict(recorded::replay_scenario(
                        ctx,
                        Scenario { recording: recording!($path), versions: $versions },
                    )))
                },
            },
        )*]
    };
}

/// The table: one row per recorded scenario, each row its check's declaration.
pub(crate) const RECORDED: &[Check] = recorded_checks![
    "ES-CREATE-001", "create/ok", Must, Versions::Same,
        [op::CREATE, op::READ], ["body"], [200, 201],
        "A POST of a minimal valid EndpointSlice MUST answer 201 with the stored slice: protocol defaulted to TCP, generation 1, server-set metadata; a GET MUST return it.";
    "ES-CREATE-002", "create/ipv6", Must, Versions::Same,
        [op::CREATE], ["body"], [201],
        "addressType IPv6 with an IPv6 address MUST be accepted (201).";
    "ES-CREATE-003", "create/fqdn", Must, Versions::Same,
        [op::CREATE], ["body"], [201],
        "addressType FQDN with DNS names MUST be accepted (201) with the Warning `spec.addressType: FQDN endpoints are deprecated`.";
    "ES-CREATE-004", "create/conditions", Must, Versions::Same,
        [op::CREATE], ["body"], [201],
        "Endpoint conditions ready, serving and terminating MUST be stored as sent, in every combination and when absent (201).";
    "ES-CREATE-005", "create/endpoint-fields", Must, Versions::Same,
        [op::CREATE], ["body"], [201],
        "An endpoint's hostname, nodeName, zone and targetRef MUST be stored as sent; targetRef MUST NOT be resolved (201 for a Pod that does not exist).";
    "ES-CREATE-006", "create/hints-for-zones", Must, Versions::Same,
        [op::CREATE], ["body"], [201],
        "hints.forZones MUST be stored as sent (201).";
    "ES-CREATE-007", "create/ports", Must, Versions::Same,
        [op::CREATE], ["body"], [201],
        "Ports with name, protocol (TCP, UDP, SCTP) and appProtocol, a port without a number and a single unnamed port MUST be stored as sent, protocol defaulted to TCP (201).";
    "ES-CREATE-008", "create/empty", Must, Versions::Same,
        [op::CREATE], ["body"], [201],
        "A slice with endpoints [] and no ports, or with no endpoints at all, MUST be accepted (201), and endpoints [] MUST be stored as absent.";
    "ES-CREATE-009", "create/service-labels", Must, Versions::Same,
        [op::CREATE], ["body"], [201],
        "The labels kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by MUST be stored as sent (201).";
    "ES-CREATE-010", "create/deprecated-topology", Must, Versions::Same,
        [op::CREATE], ["body"], [201],
        "On v1, deprecatedTopology MUST be dropped silently: 201 without the field and without a Warning.";
    "ES-CREATE-011", "create/hints-for-nodes", Must, Versions::ChangedIn(33),
        [op::CREATE], ["body", "fieldValidation"], [201, 400],
        "hints.forNodes MUST be stored from 1.33 and, before it, dropped with the Warning `unknown field \"endpoints[0].hints.forNodes\"` (400 under fieldValidation=Strict).";
    "ES-CREATE-012", "create/generate-name", Must, Versions::Same,
        [op::CREATE, op::READ], ["body"], [200, 201],
        "A POST with generateName and no name MUST answer 201 with a name made of the prefix and five random characters, readable by that name.";
    "ES-CREATE-013", "create/dry-run", Must, Versions::Same,
        [op::CREATE, op::READ], ["dryRun", "body"], [201, 404],
        "A POST with dryRun=All MUST answer 201 with the object as it would be stored, without a resourceVersion, and store nothing (GET 404).";
    "ES-CREATE-014", "create/field-validation-strict", Must, Versions::Same,
        [op::CREATE, op::READ], ["fieldValidation", "body"], [400, 404],
        "With fieldValidation=Strict, unknown fields at the top level and inside endpoints MUST be rejected with 400 naming each of them, and nothing stored.";
    "ES-CREATE-015", "create/field-validation-warn", Should, Versions::Same,
        [op::CREATE], ["fieldValidation", "body"], [201],
        "With fieldValidation=Warn, and by default, each unknown field MUST produce one Warning header and the slice be stored (201); with Ignore it MUST be stored silently.";
    "ES-CREATE-016", "create/already-exists", Must, Versions::Same,
        [op::CREATE], ["body"], [201, 409],
        "A second POST of an existing name MUST answer 409 AlreadyExists with details of the endpointslices resource.";
    "ES-CREATE-017", "create/missing-namespace", Must, Versions::Same,
        [op::CREATE], ["body"], [404],
        "A POST into a namespace that does not exist MUST answer 404 `namespaces \"<ns>\" not found`.";
    "ES-CREATE-018", "create/wrong-kind", Must, Versions::ChangedIn(29),
        [op::CREATE], ["body"], [201, 400],
        "A body of another kind (Endpoints), another group-version (v1, discovery.k8s.io/v1beta1) MUST be rejected with 400 with kube-apiserver's decoder message; a body without kind MUST be accepted as an EndpointSlice (201).";
    "ES-CREATE-019", "create/namespace-mismatch", Must, Versions::Same,
        [op::CREATE], ["body"], [400],
        "A POST whose metadata.namespace differs from the namespace of the URL MUST be rejected with 400 `the namespace of the provided object does not match the namespace sent on the request`.";
    "ES-VALID-001", "validation/address-type-missing", Must, Versions::Same,
        [op::CREATE], ["body"], [422],
        "A slice without addressType MUST be rejected with 422 `addressType: Required value`.";
    "ES-VALID-002", "validation/address-type-invalid", Must, Versions::Same,
        [op::CREATE], ["body"], [422],
        "An addressType other than IPv4, IPv6 or FQDN (lowercase ipv4, Bogus, and the deprecated IP on create) MUST be rejected with 422 NotSupported.";
    "ES-VALID-003", "validation/ipv4-given-ipv6", Must, Versions::ChangedIn(33),
        [op::CREATE], ["body"], [422],
        "An IPv6 address in an IPv4 slice MUST be rejected with 422 (`must be an IPv4 address`, on the addresses list from 1.33).";
    "ES-VALID-004", "validation/ipv6-given-ipv4", Must, Versions::ChangedIn(33),
        [op::CREATE], ["body"], [422],
        "An IPv4 address in an IPv6 slice MUST be rejected with 422 (`must be an IPv6 address`, on the addresses list from 1.33).";
    "ES-VALID-005", "validation/ip-unparseable", Must, Versions::ChangedIn(33),
        [op::CREATE], ["body"], [422],
        "An IPv4 address that is not an IP (\"\", foo, a CIDR) MUST be rejected with 422, with one cause from 1.33 and two before.";
    "ES-VALID-006", "validation/ip-special", Must, Versions::Same,
        [op::CREATE], ["body"], [422],
        "Unspecified, loopback, link-local and link-local multicast addresses (IPv4 and IPv6) MUST be rejected with 422.";
    "ES-VALID-007", "validation/ip-leading-zeros", Must, Versions::ChangedIn(36),
        [op::CREATE], ["body"], [201, 422],
        "An IPv4 address with leading zeros MUST be rejected with 422 `must not have leading 0s` from 1.36 and accepted before.";
    "ES-VALID-008", "validation/ip-ipv4-mapped", Must, Versions::Between { old_until: 32, new_since: 36 },
        [op::CREATE], ["body"], [201, 422],
        "An IPv4-mapped IPv6 address MUST be rejected as IPv6 and, from 1.36, as IPv4 too (`must not be an IPv4-mapped IPv6 address`); 1.28 accepts it as IPv4.";
    "ES-VALID-009", "validation/fqdn-invalid", Must, Versions::Same,
        [op::CREATE], ["body"], [201, 422],
        "FQDN addresses that are not DNS-1123 subdomains (localhost is one label and fine; a_b, -a, uppercase are not) MUST be rejected with 422, while an IP in an FQDN slice MUST be accepted.";
    "ES-VALID-010", "validation/addresses-empty", Must, Versions::Same,
        [op::CREATE], ["body"], [422],
        "An endpoint with addresses [] or without addresses MUST be rejected with 422 `must contain at least 1 address`.";
    "ES-VALID-011", "validation/addresses-too-many", Must, Versions::Same,
        [op::CREATE], ["body"], [201, 422],
        "An endpoint with 101 addresses MUST be rejected with 422 TooMany, and 100 addresses MUST be accepted.";
    "ES-VALID-012", "validation/endpoints-too-many", Must, Versions::Same,
        [op::CREATE], ["body"], [201, 422],
        "A slice with 1001 endpoints MUST be rejected with 422 TooMany, and 1000 endpoints MUST be accepted.";
    "ES-VALID-013", "validation/ports-too-many", Must, Versions::Same,
        [op::CREATE], ["body"], [201],
        "101 ports MUST be accepted (201), as kube-apiserver does despite the documented limit.";
    "ES-VALID-014", "validation/port-name-duplicate", Must, Versions::Same,
        [op::CREATE], ["body"], [422],
        "Two ports with the same name, or two unnamed ports, MUST be rejected with 422 Duplicate.";
    "ES-VALID-015", "validation/port-name-invalid", Must, Versions::Same,
        [op::CREATE], ["body"], [422],
        "A port name that is not a DNS-1123 label MUST be rejected with 422.";
    "ES-VALID-016", "validation/port-number-range", Must, Versions::Same,
        [op::CREATE], ["body"], [201],
        "Port numbers 0, 65536 and -1 MUST be accepted (201): EndpointSlice does not validate the port range.";
    "ES-VALID-017", "validation/protocol-invalid", Must, Versions::Same,
        [op::CREATE], ["body"], [422],
        "A protocol other than TCP, UDP or SCTP (case-sensitive) MUST be rejected with 422 NotSupported.";
    "ES-VALID-018", "validation/app-protocol-invalid", Must, Versions::ChangedIn(35),
        [op::CREATE], ["body"], [422],
        "An appProtocol that is not a qualified name (bad characters, empty, two slashes) MUST be rejected with 422, worded per version (`a valid label key` from 1.35).";
    "ES-VALID-019", "validation/hostname-invalid", Must, Versions::Same,
        [op::CREATE], ["body"], [422],
        "An endpoint hostname that is not a DNS-1123 label (uppercase, dots, 64 characters) MUST be rejected with 422.";
    "ES-VALID-020", "validation/node-name-invalid", Must, Versions::Same,
        [op::CREATE], ["body"], [422],
        "An endpoint nodeName that is not a DNS-1123 subdomain (underscore, empty, 254 characters) MUST be rejected with 422.";
    "ES-VALID-021", "validation/zone-invalid", Must, Versions::Same,
        [op::CREATE], ["body"], [201],
        "An endpoint zone MUST NOT be validated: a space, `zone!` and 64 characters are accepted (201).";
    "ES-VALID-022", "validation/hints-too-many-zones", Must, Versions::Same,
        [op::CREATE], ["body"], [201, 422],
        "hints.forZones MUST allow 8 entries and reject 9 with 422 TooMany.";
    "ES-VALID-023", "validation/hints-zone-name-invalid", Must, Versions::Same,
        [op::CREATE], ["body"], [422],
        "hints.forZones with an invalid or a duplicate zone name MUST be rejected with 422.";
    "ES-VALID-024", "validation/hints-too-many-nodes", Must, Versions::ChangedIn(33),
        [op::CREATE], ["body"], [201, 422],
        "From 1.33, hints.forNodes with more than 8 entries or an invalid node name MUST be rejected with 422; before 1.33 the field MUST be dropped as unknown.";
    "ES-VALID-025", "validation/service-name-label-invalid", Must, Versions::ChangedIn(35),
        [op::CREATE], ["body"], [422],
        "A kubernetes.io/service-name label value that is not a label value MUST be rejected with 422 (worded in bytes from 1.35).";
    "ES-VALID-026", "validation/metadata-name-invalid", Must, Versions::Same,
        [op::CREATE], ["body"], [422],
        "A metadata.name that is not a DNS-1123 subdomain, missing without generateName, or longer than 253 characters MUST be rejected with 422.";
    "ES-VALID-027", "validation/multiple-errors", Must, Versions::ChangedIn(33),
        [op::CREATE], ["body"], [422],
        "A slice with several problems MUST be rejected with one 422 listing every cause in kube-apiserver's order for the version.";
    "ES-READ-001", "get/ok", Must, Versions::Same,
        [op::CREATE, op::READ], ["body"], [200, 201],
        "A GET of an existing slice MUST answer 200 with the stored object.";
    "ES-READ-002", "get/not-found", Must, Versions::Same,
        [op::READ], [], [404],
        "A GET of a missing slice, also in a namespace that does not exist, MUST answer 404 NotFound for endpointslices.discovery.k8s.io.";
    "ES-READ-003", "get/resource-version-0", Must, Versions::Same,
        [op::CREATE, op::READ], ["body", "resourceVersion"], [200, 201],
        "A GET with resourceVersion=0 MUST answer 200 with the object (served from the watch cache).";
    "ES-REPLACE-001", "replace/ok", Must, Versions::Same,
        [op::CREATE, op::REPLACE], ["body"], [200, 201],
        "A PUT with the current resourceVersion MUST answer 200 with a new resourceVersion and generation 2.";
    "ES-REPLACE-002", "replace/stale-resource-version", Must, Versions::Same,
        [op::CREATE, op::REPLACE], ["body"], [200, 201, 409],
        "A PUT with an outdated resourceVersion MUST answer 409 Conflict `the object has been modified`.";
    "ES-REPLACE-003", "replace/address-type-immutable", Must, Versions::Same,
        [op::CREATE, op::REPLACE], ["body"], [201, 422],
        "A PUT changing addressType (to IPv6, FQDN or the deprecated IP) MUST be rejected with 422 `field is immutable`.";
    "ES-REPLACE-004", "replace/ports", Must, Versions::Same,
        [op::CREATE, op::REPLACE], ["body"], [200, 201],
        "A PUT replacing the ports MUST answer 200 and increment generation, a label-only change MUST increment it too, and an annotation-only change MUST NOT.";
    "ES-REPLACE-005", "replace/create-missing", Must, Versions::Same,
        [op::REPLACE, op::READ], ["body"], [404],
        "A PUT to a name that does not exist MUST answer 404 and create nothing: EndpointSlice does not allow create on update.";
    "ES-PATCH-001", "patch/merge", Must, Versions::Same,
        [op::CREATE, op::PATCH], ["body"], [200, 201],
        "A JSON merge patch MUST merge labels and replace endpoints as a whole (200).";
    "ES-PATCH-002", "patch/json-patch", Must, Versions::Same,
        [op::CREATE, op::PATCH], ["body"], [200, 201],
        "A JSON patch adding an endpoint, replacing a port number and removing a label MUST be applied (200).";
    "ES-PATCH-003", "patch/strategic-merge", Must, Versions::Same,
        [op::CREATE, op::PATCH], ["body"], [200, 201],
        "A strategic merge patch MUST merge labels by key and replace endpoints and ports whole (atomic lists); `$patch: delete` inside endpoints MUST only give an unknown-field Warning.";
    "ES-PATCH-004", "patch/address-type-immutable", Must, Versions::Same,
        [op::CREATE, op::PATCH], ["body"], [201, 422],
        "A patch changing addressType MUST be rejected with 422 `field is immutable`.";
    "ES-APPLY-001", "patch/apply-create", Must, Versions::Same,
        [op::PATCH], ["fieldManager", "body"], [200, 201],
        "A server-side apply of a missing slice MUST create it (201) and a second apply MUST answer 200, with the manager's managedFields.";
    "ES-APPLY-002", "patch/apply-conflict", Must, Versions::Same,
        [op::PATCH], ["fieldManager", "body", "force"], [200, 201, 409],
        "A second manager applying other endpoints and ports MUST get 409 with one conflict cause per field, and force=true MUST take them over (200).";
    "ES-PATCH-005", "patch/dry-run", Must, Versions::Same,
        [op::CREATE, op::PATCH, op::READ], ["body", "dryRun"], [200, 201],
        "A patch with dryRun=All MUST answer 200 with the patched object and change nothing.";
    "ES-PATCH-006", "patch/not-found", Must, Versions::Same,
        [op::PATCH], ["body"], [404],
        "Merge, JSON and strategic patches of a missing slice MUST answer 404.";
    "ES-PATCH-007", "patch/invalid-result", Must, Versions::ChangedIn(33),
        [op::CREATE, op::PATCH], ["body"], [201, 422],
        "A patch whose result is invalid MUST be rejected with 422 and the causes of the resulting object.";
    "ES-DELETE-001", "delete/ok", Must, Versions::Same,
        [op::CREATE, op::DELETE, op::READ], ["body"], [200, 201, 404],
        "A DELETE MUST answer 200 with a Success Status (not the object), and a GET then 404.";
    "ES-DELETE-002", "delete/not-found", Must, Versions::Same,
        [op::DELETE], [], [404],
        "A DELETE of a missing slice MUST answer 404.";
    "ES-DELETE-003", "delete/preconditions", Must, Versions::Same,
        [op::CREATE, op::DELETE], ["body"], [200, 201, 409],
        "A DELETE with a uid or resourceVersion precondition that does not match MUST answer 409, and with matching preconditions 200.";
    "ES-DELETE-004", "delete/dry-run", Must, Versions::Same,
        [op::CREATE, op::DELETE, op::READ], ["body", "dryRun"], [200, 201],
        "A DELETE with dryRun=All MUST answer 200 and leave the slice in place.";
    "ES-DELETE-005", "delete/finalizer-hold", Must, Versions::Same,
        [op::CREATE, op::LIST, op::DELETE, op::READ, op::PATCH], ["body", "watch", "resourceVersion", "timeoutSeconds"], [200, 201, 404],
        "A DELETE of a slice with a finalizer MUST answer 200 with the object carrying deletionTimestamp; removing the finalizer MUST delete it, and a watch MUST see MODIFIED then DELETED.";
    "ES-DELCOL-001", "deletecollection/label-selector", Must, Versions::Same,
        [op::CREATE, op::DELETE_COLLECTION, op::LIST], ["body", "labelSelector"], [200, 201],
        "A DELETE of the collection with a labelSelector MUST delete exactly the matching slices and answer 200 with them as an EndpointSliceList.";
    "ES-DELCOL-002", "deletecollection/dry-run", Must, Versions::Same,
        [op::CREATE, op::DELETE_COLLECTION, op::LIST], ["body", "dryRun"], [200, 201],
        "A DELETE of the collection with dryRun=All MUST answer 200 with the list and delete nothing.";
    "ES-LIST-001", "list/namespaced", Must, Versions::Same,
        [op::CREATE, op::LIST], ["body"], [200, 201],
        "A LIST of a namespace MUST answer 200 with an EndpointSliceList of its slices in name order.";
    "ES-LIST-002", "list/all-namespaces", Must, Versions::Same,
        [op::CREATE, op::LIST_ALL], ["body", "labelSelector"], [200, 201],
        "A LIST across all namespaces MUST answer 200 with the slices of every namespace, ordered by namespace then name.";
    "ES-LIST-003", "list/limit-continue", Must, Versions::ChangedIn(36),
        [op::CREATE, op::LIST], ["body", "limit", "continue"], [200, 201],
        "A LIST with limit=1 MUST page with continue tokens to the end, with remainingItemCount 2, 1 and none, and tokens shaped as kube-apiserver's for the version.";
    "ES-LIST-004", "list/label-selector-service-name", Must, Versions::Same,
        [op::CREATE, op::LIST], ["body", "labelSelector"], [200, 201],
        "Label selectors on kubernetes.io/service-name (=, !=, in, exists) MUST select exactly the matching slices.";
    "ES-LIST-005", "list/field-selector", Must, Versions::Same,
        [op::CREATE, op::LIST], ["body", "fieldSelector"], [200, 201],
        "The field selectors metadata.name (= and !=) and metadata.namespace MUST be supported.";
    "ES-LIST-006", "list/field-selector-unsupported", Must, Versions::Same,
        [op::CREATE, op::LIST], ["body", "fieldSelector"], [201, 400],
        "A field selector on addressType or endpoints.nodeName MUST be rejected with 400 `field label not supported`.";
    "ES-LIST-007", "list/resource-version-0", Must, Versions::Same,
        [op::CREATE, op::LIST], ["body", "resourceVersion", "limit"], [200, 201],
        "A LIST with resourceVersion=0 MUST answer 200 from the watch cache, ignoring limit.";
    "ES-LIST-008", "list/resource-version-match-exact-too-old", Must, Versions::Same,
        [op::CREATE, op::LIST], ["body", "resourceVersion", "resourceVersionMatch"], [200, 201, 410],
        "resourceVersion=1 with resourceVersionMatch=Exact MUST answer 410 Expired once history is compacted, and NotOlderThan with 1 MUST answer 200.";
    "ES-WATCH-001", "watch/create-update-patch-delete", Must, Versions::Same,
        [op::LIST, op::CREATE, op::REPLACE, op::PATCH, op::DELETE], ["watch", "resourceVersion", "timeoutSeconds", "body"], [200, 201],
        "A watch from a list's resourceVersion MUST deliver ADDED, MODIFIED, MODIFIED and DELETED for a POST, PUT, PATCH and DELETE, in order, with the objects as stored.";
    "ES-WATCH-002", "watch/label-selector", Must, Versions::Same,
        [op::CREATE, op::LIST, op::PATCH], ["body", "watch", "labelSelector", "resourceVersion", "timeoutSeconds"], [200, 201],
        "A watch with a labelSelector MUST show a slice relabelled out of the selection as DELETED and one relabelled in as ADDED.";
    "ES-WATCH-003", "watch/all-namespaces", Must, Versions::Same,
        [op::CREATE, op::LIST_ALL, op::DELETE], ["body", "watch", "labelSelector", "resourceVersion", "timeoutSeconds"], [200, 201],
        "A watch across all namespaces MUST deliver the changes of every namespace.";
    "ES-WATCH-004", "watch/deprecated-namespaced-path", Should, Versions::Same,
        [op::CREATE, op::WATCH_LIST, op::DELETE], ["body", "resourceVersion", "timeoutSeconds"], [200, 201],
        "The deprecated path /apis/discovery.k8s.io/v1/watch/namespaces/{namespace}/endpointslices MUST watch the namespace.";
    "ES-WATCH-005", "watch/deprecated-all-namespaces-path", Should, Versions::Same,
        [op::CREATE, op::WATCH_ALL], ["body", "labelSelector", "resourceVersion", "timeoutSeconds"], [200, 201],
        "The deprecated path /apis/discovery.k8s.io/v1/watch/endpointslices MUST watch across all namespaces.";
    "ES-WATCH-006", "watch/deprecated-named-path", Should, Versions::Same,
        [op::CREATE, op::WATCH, op::PATCH, op::DELETE], ["body", "resourceVersion", "timeoutSeconds"], [200, 201],
        "The deprecated path .../watch/namespaces/{namespace}/endpointslices/{name} MUST watch that one slice and send nothing for the others.";
    "ES-WATCH-007", "watch/initial-events-rv-unset", Must, Versions::Same,
        [op::CREATE, op::LIST, op::PATCH], ["body", "watch", "timeoutSeconds"], [200, 201],
        "A watch without resourceVersion MUST first send ADDED for the existing slices, then the changes.";
    "ES-WATCH-008", "watch/bookmarks", Should, Versions::ChangedIn(34),
        [op::CREATE, op::LIST], ["body", "watch", "resourceVersion", "allowWatchBookmarks", "timeoutSeconds"], [200, 201],
        "With allowWatchBookmarks, a watch MUST deliver a BOOKMARK before the server ends it at timeoutSeconds (its object shaped per version).";
    "ES-WATCH-009", "watch/send-initial-events", Should, Versions::Between { old_until: 31, new_since: 34 },
        [op::CREATE, op::LIST], ["body", "watch", "sendInitialEvents", "resourceVersionMatch", "allowWatchBookmarks", "timeoutSeconds", "resourceVersion"], [200, 201, 422],
        "sendInitialEvents=true with resourceVersionMatch=NotOlderThan MUST send the initial ADDED events and the initial-events-end BOOKMARK where WatchList is enabled, and 422 Forbidden where it is not.";
    "ES-WATCH-010", "watch/resource-version-too-old", Must, Versions::Same,
        [op::CREATE, op::LIST], ["body", "watch", "resourceVersion", "timeoutSeconds"], [200, 201],
        "A watch from a compacted resourceVersion MUST answer 200 and send one ERROR event (410 Expired), then end.";
    "ES-WATCH-011", "watch/timeout-seconds", Must, Versions::Same,
        [op::CREATE, op::LIST], ["body", "watch", "resourceVersion", "timeoutSeconds"], [200, 201],
        "A watch with timeoutSeconds=1 MUST be ended by the server after about one second.";
    "ES-WATCH-012", "watch/field-selector-invalid", Must, Versions::Same,
        [op::LIST], ["watch", "fieldSelector", "timeoutSeconds"], [400],
        "A watch with an unsupported field selector MUST be rejected with 400 before the stream starts.";
    "ES-AUTH-001", "auth/no-token", Must, Versions::Same,
        [op::CREATE, op::LIST_ALL, op::LIST, op::READ, op::DELETE], ["body", "watch", "timeoutSeconds"], [201, 401],
        "Every EndpointSlice operation without credentials MUST answer 401 Unauthorized.";
    "ES-AUTH-002", "auth/bad-token", Must, Versions::Same,
        [op::CREATE, op::LIST_ALL, op::LIST, op::READ, op::DELETE], ["body", "watch", "timeoutSeconds"], [201, 401],
        "Every EndpointSlice operation with an unknown bearer token MUST answer 401 Unauthorized.";
    "ES-AUTH-003", "auth/unprivileged", Must, Versions::Same,
        [op::CREATE, op::LIST_ALL, op::LIST, op::READ, op::DELETE], ["body", "watch", "timeoutSeconds"], [201, 403],
        "Every EndpointSlice operation by a user without RBAC rights MUST answer 403 Forbidden naming the user, the verb and the resource endpointslices in API group discovery.k8s.io.";
    "ES-DISC-001", "discovery/apis", Must, Versions::ChangedIn(33),
        [op::API_VERSIONS], [], [200],
        "GET /apis MUST list the group discovery.k8s.io with version v1 as preferred.";
    "ES-DISC-002", "discovery/group", Must, Versions::Same,
        [op::API_GROUP], [], [200],
        "GET /apis/discovery.k8s.io MUST answer the APIGroup with its versions.";
    "ES-DISC-003", "discovery/group-version", Must, Versions::ChangedIn(33),
        [op::API_RESOURCES], [], [200],
        "GET /apis/discovery.k8s.io/v1 MUST list endpointslices with its verbs, kind and storageVersionHash as kube-apiserver does.";
    "ES-DISC-004", "discovery/aggregated", Should, Versions::Between { old_until: 29, new_since: 33 },
        [op::API_VERSIONS], [], [200, 406],
        "Aggregated discovery MUST be served in the versions kube-apiserver serves it (v2beta1 on 1.28, v2 on 1.36), and 406 for the other.";
    "ES-DISC-005", "discovery/openapi-v3", Should, Versions::ChangedIn(33),
        [op::OPENAPI_V3], [], [200],
        "GET /openapi/v3/apis/discovery.k8s.io/v1 MUST describe the EndpointSlice paths with their operationIds and the io.k8s.api.discovery.v1 schemas.";
];
