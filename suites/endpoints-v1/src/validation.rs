//! Validation: every recorded invalid object is rejected exactly as kube-apiserver rejects it, and
//! every recorded valid object is accepted and reads back as stored.
//!
//! The cases are the real-server recordings in `transcripts/` (compiled in), so the expectations are
//! kube-apiserver's own answers, per version: where the 1.28 and 1.36 recordings differ, the check
//! applies the 1.36 answer from the version the behaviour changed in (§11 of the behaviour document)
//! and the 1.28 answer before it.

use kconform_harness::kit::recorded::{self, Recording};
use kconform_harness::model::Level::Must;
use kconform_harness::runner::Check;

use crate::support::*;

/// Endpoints recordings name their objects `ep-1`, `ep-2`, ...; every Endpoints route warns of its
/// deprecation from 1.33.
const RECORDED_ENDPOINTS: recorded::Resource = recorded::Resource {
    name_stem: "ep",
    route_warnings: |ctx| warnings_for(ctx, &[]),
};

macro_rules! recording {
    ($path:literal) => {
        Recording {
            v136: include_str!(concat!(
                "../../../transcripts/kube-apiserver-v1.36.2/",
                $path,
                ".json"
            )),
            v128: include_str!(concat!(
                "../../../transcripts/kube-apiserver-v1.28.7/",
                $path,
                ".json"
            )),
        }
    };
}

/// A check per recorded scenario: `(id, scenario, changed-in, status, requirement, spec reference)`,
/// where `changed-in` lists, per step (the last entry applies to later steps), the minor version from
/// which the 1.36 answer applies when the two recordings differ.
macro_rules! recorded_checks {
    ($( $id:literal, $path:literal, $changed:expr, $status:literal, $req:literal, $spec:literal; )*) => {
        &[$(
            Check {
                meta: CheckMeta {
                    operations: &[op::CREATE, op::READ],
                    params: &["body"],
                    statuses: &[$status],
                    ..meta($id, Must, $req, $spec)
                },
                run: |ctx| Box::pin(verdict(recorded::replay(ctx, RECORDED_ENDPOINTS, recording!($path), &$changed))),
            },
        )*]
    };
}

/// The table-driven checks: one per recorded scenario, each row its declaration.
pub(crate) const RECORDED: &[Check] = recorded_checks![
        "EP-VALID-001", "validation/subset-without-addresses", [None], 422,
            "A subset without addresses and notReadyAddresses (ports only, or empty) MUST be rejected with 422: subsets[i]: Required value: must specify `addresses` or `notReadyAddresses`.",
            "kube-apiserver behaviour §2.2 S1";
        "EP-VALID-002", "validation/ip-unparseable", [None], 422,
            "An address ip that is not an IP (\"\", \"foo\", \"1.2.3.4/24\") MUST be rejected with 422 and two causes on the ip field.",
            "kube-apiserver behaviour §2.2 A1";
        "EP-VALID-003", "validation/ip-unspecified", [None], 422,
            "An unspecified address (0.0.0.0, ::) MUST be rejected with 422 `may not be unspecified`.",
            "kube-apiserver behaviour §2.2 A5";
        "EP-VALID-004", "validation/ip-loopback", [Some(36)], 422,
            "A loopback address (127.0.0.1, ::1, ::ffff:127.0.0.1) MUST be rejected with 422 `may not be in the loopback range`; from 1.36 the IPv4-mapped form also gets `must not be an IPv4-mapped IPv6 address` first.",
            "kube-apiserver behaviour §2.2 A6, A3";
        "EP-VALID-005", "validation/ip-link-local", [None], 422,
            "A link-local unicast address (169.254.0.0/16, fe80::/10) MUST be rejected with 422.",
            "kube-apiserver behaviour §2.2 A7";
        "EP-VALID-006", "validation/ip-link-local-multicast", [None], 422,
            "A link-local multicast address (224.0.0.0/24, ff02::/16) MUST be rejected with 422.",
            "kube-apiserver behaviour §2.2 A8";
        "EP-VALID-007", "validation/ip-not-ready-address", [None], 422,
            "IP rules MUST apply to notReadyAddresses too, with the notReadyAddresses path in the causes.",
            "kube-apiserver behaviour §2.2 A1/A6";
        "EP-VALID-008", "validation/ip-leading-zeros", [Some(36)], 422,
            "An IPv4 address with leading zeros MUST be rejected with 422 `must not have leading 0s` from 1.36 (StrictIPCIDRValidation) and accepted before.",
            "kube-apiserver behaviour §2.2 A2; §2.5";
        "EP-VALID-009", "validation/ip-ipv4-mapped", [Some(36)], 422,
            "An IPv4-mapped IPv6 address MUST be rejected with 422 `must not be an IPv4-mapped IPv6 address` from 1.36 and accepted before.",
            "kube-apiserver behaviour §2.2 A3; §2.5";
        "EP-VALID-010", "validation/hostname", [None], 422,
            "A hostname that is not a DNS-1123 label (uppercase, dots, longer than 63) MUST be rejected with 422.",
            "kube-apiserver behaviour §2.2 H1";
        "EP-VALID-011", "validation/node-name", [None], 422,
            "A nodeName that is not a DNS-1123 subdomain (underscore, empty string, longer than 253) MUST be rejected with 422.",
            "kube-apiserver behaviour §2.2 N1";
        "EP-VALID-012", "validation/port-name-required", [None], 422,
            "With more than one port every port MUST be named (422 `Required value`).",
            "kube-apiserver behaviour §2.2 P1";
        "EP-VALID-013", "validation/port-name-invalid", [None], 422,
            "A port name that is not a DNS-1123 label MUST be rejected with 422.",
            "kube-apiserver behaviour §2.2 P2";
        "EP-VALID-014", "validation/port-number-range", [None], 422,
            "A port outside 1..65535 (0, 65536, -1) MUST be rejected with 422 `must be between 1 and 65535, inclusive`.",
            "kube-apiserver behaviour §2.2 P4";
        "EP-VALID-015", "validation/port-number-overflow", [None], 400,
            "A port that does not fit int32 MUST be rejected by decoding with 400 BadRequest.",
            "kube-apiserver behaviour §2.2 P4 (int32 overflow)";
        "EP-VALID-016", "validation/protocol", [None], 422,
            "A protocol other than TCP, UDP or SCTP (case-sensitive) MUST be rejected with 422 NotSupported.",
            "kube-apiserver behaviour §2.2 P6";
        "EP-VALID-017", "validation/app-protocol", [Some(35)], 422,
            "An appProtocol that is not a qualified name MUST be rejected with 422 (wording per version: bytes and `a valid label key` from 1.35).",
            "kube-apiserver behaviour §2.2 P7; §11";
        "EP-VALID-018", "validation/metadata-name", [None], 422,
            "A metadata.name that is missing (without generateName), not a DNS-1123 subdomain or longer than 253 MUST be rejected with 422.",
            "kube-apiserver behaviour §2.3 M1, M2";
        "EP-VALID-019", "validation/labels", [Some(35)], 422,
            "Invalid label keys and values MUST be rejected with 422 on field metadata.labels.",
            "kube-apiserver behaviour §2.3 M5, M6";
        "EP-VALID-020", "validation/annotations", [Some(32)], 422,
            "An invalid annotation key, or annotations larger than 262144 bytes in total, MUST be rejected with 422.",
            "kube-apiserver behaviour §2.3 M7, M8";
        "EP-VALID-021", "validation/finalizers", [Some(34)], 422,
            "A finalizer that is not qualified or standard, or orphan together with foregroundDeletion, MUST be rejected with 422.",
            "kube-apiserver behaviour §2.3 M10, M11, M12";
        "EP-VALID-022", "validation/owner-references", [Some(31), Some(34)], 422,
            "ownerReferences with empty fields, or with two controllers, MUST be rejected with 422.",
            "kube-apiserver behaviour §2.3 M9";
        "EP-VALID-023", "validation/generation-negative", [None], 422,
            "A negative metadata.generation MUST be rejected with 422.",
            "kube-apiserver behaviour §2.3 M4";
        "EP-VALID-024", "validation/multiple-errors", [None], 422,
            "An object with several problems MUST be rejected with one 422 listing every cause in kube-apiserver's order and a message joining them in [...].",
            "kube-apiserver behaviour §2.4 The 422 body";
        "EP-VALID-025", "valid/single-unnamed-port", [None], 201,
            "A single port MAY be unnamed, and an empty protocol MUST default to TCP (201).",
            "kube-apiserver behaviour §2.2 P1; §1.4";
        "EP-VALID-026", "valid/headless-no-ports", [None], 201,
            "A subset with addresses and no ports MUST be accepted (201).",
            "kube-apiserver behaviour §2.2 S2";
        "EP-VALID-027", "valid/empty-subsets", [None], 201,
            "subsets [] and absent subsets MUST be accepted (201).",
            "kube-apiserver behaviour §2.2 S3";
        "EP-VALID-028", "valid/global-multicast", [None], 201,
            "Global multicast and broadcast addresses (239.1.1.1, ff05::1, 255.255.255.255) MUST be accepted (201).",
            "kube-apiserver behaviour §2.2 A9";
        "EP-VALID-029", "valid/duplicate-ips", [None], 201,
            "Duplicate IPs MUST be accepted and stored as sent (201).",
            "kube-apiserver behaviour §2.2 A10; §1.3 Canonicalize";
        "EP-VALID-030", "valid/duplicate-port-names", [None], 201,
            "Duplicate port names and port/protocol pairs MUST be accepted (201).",
            "kube-apiserver behaviour §2.2 P3";
        "EP-VALID-031", "valid/ip-looking-node-name", [None], 201,
            "A nodeName that looks like an IP is a valid DNS subdomain (201).",
            "kube-apiserver behaviour §2.2 N1";
        "EP-VALID-032", "valid/ipv6-uppercase", [None], 201,
            "A non-canonical IPv6 address MUST be accepted and stored as sent; from 1.33 with the RFC 5952 Warning.",
            "kube-apiserver behaviour §2.2 A4; §2.6 W2";
        "EP-VALID-033", "valid/target-ref-unvalidated", [None], 201,
            "targetRef MUST NOT be validated (201 for a reference to nothing).",
            "kube-apiserver behaviour §2.2 T1";
        "EP-VALID-034", "valid/names", [None], 201,
            "Names with dots, all digits, and of 253 characters MUST be accepted (201).",
            "kube-apiserver behaviour §2.3 M2";
        "EP-VALID-035", "valid/port-edge-values", [None], 201,
            "Ports 1 and 65535, protocols UDP and SCTP and appProtocol kubernetes.io/h2c MUST be accepted (201).",
            "kube-apiserver behaviour §2.2 P4, P6, P7";
];
