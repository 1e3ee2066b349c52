//! The Kubernetes core/v1 Endpoints API as data and rules.
//!
//! This crate is the single model of the API that the fixture generator, the reference server and the
//! conformance suite share: the operation table (from the vendored OpenAPI subset), the validation rules
//! with their exact kube-apiserver messages per Kubernetes version, defaulting, and builders for every
//! `Status` body kube-apiserver sends.
//!
//! **Invariant:** this crate does no IO. It reads nothing at run time; the OpenAPI subset is compiled in.
//!
//! Modules:
//! - [`version`]: [`K8sVersion`], the modelled versions 1.28–1.36.
//! - [`ops`]: the 11 operations from the vendored OpenAPI v2 subset.
//! - [`endpointslice`]: discovery.k8s.io/v1 EndpointSlice: its operations, decoding, defaulting, rules and validation.
//! - [`rules`]: the rule registry (stable ids, fields, reasons, versions).
//! - [`validate`]: create and update validation with exact causes.
//! - [`names`], [`ip`]: DNS/qualified-name checks and Go IP parsing used by validation.
//! - [`defaults`]: defaulting (protocol → TCP).
//! - [`decode`]: body decoding with Go's error texts, unknown and duplicate fields.
//! - [`status`]: `Status` bodies and builders; [`cause`]: `StatusCause`.
//! - [`warnings`]: deprecation and IP warnings, `Warning` header formatting.
//! - [`selectors`]: label and field selectors with exact parse errors and matching.
//! - [`options`]: query-option parsing and validation, continue tokens, default field manager.
//! - [`patch`]: the 422 texts of non-apply PATCH decode failures (patched-document rendering).
//! - [`negotiation`]: Accept/Content-Type handling (406, 415) and pretty printing.
//! - [`protobuf`]: Kubernetes protobuf: the `k8s\0` envelope, Endpoints, lists, Status, DeleteOptions, watch frames.
//! - [`urls`]: request paths and queries as kube-apiserver decodes them, and the namer's refusals.
//! - [`watch`]: watch event frames, bookmarks and ERROR events.
//! - [`json`]: Go-compatible JSON encoding; [`gotext`]: Go's quoting, runes and `strconv` error texts.
//! - [`yaml`]: YAML as kube-apiserver reads it (go-yaml v2's scanner, parser and YAML 1.1 rules, then
//!   `sigs.k8s.io/yaml`'s conversion to JSON) and writes it (go-yaml's emitter).
//!
//! # Example: the create path of `POST /api/v1/namespaces/{ns}/endpoints`
//!
//! Each step returns the `Status` kube-apiserver would send, in the order it checks them (§3.3).
//!
//! ```
//! use kconform_spec::{K8sVersion, decode, defaults, negotiation, options, status, validate, warnings};
//!
//! let v = K8sVersion::new(36);
//! let query = vec![("fieldValidation".to_owned(), "Strict".to_owned())];
//! let body = br#"{"metadata":{"name":"ep-1"},"subsets":[{"addresses":[{"ip":"127.0.0.1"}],"ports":[{"port":80}]}]}"#;
//!
//! let format = negotiation::write_body_format(Some("application/json")).unwrap();
//! let opts = options::parse_write_options(&query, options::WriteKind::Create, v).unwrap();
//! let decoded = decode::decode_endpoints_for(body, format, v).unwrap();
//! assert!(opts.field_validation == options::FieldValidation::Strict && decoded.strict_error().is_none());
//! let mut object = decoded.object;
//! defaults::default_endpoints(&mut object);
//! let causes = validate::validate(&object, v);
//! let answer = status::Status::invalid(status::GroupKind::ENDPOINTS, "ep-1", causes);
//! assert_eq!(answer.code, 422);
//! assert_eq!(
//!     answer.message,
//!     "Endpoints \"ep-1\" is invalid: subsets[0].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)"
//! );
//! assert_eq!(warnings::deprecation_warning(v), Some(warnings::DEPRECATION_TEXT));
//! ```

// Many functions return the `Status` body the server sends as their error. It is built once per rejected
// request, so boxing it would only make every caller's code noisier.
#![allow(clippy::result_large_err)]

pub mod cause;
pub mod decode;
pub mod defaults;
pub mod endpointslice;
pub mod gojson;
pub mod gotext;
pub mod ip;
pub mod json;
pub mod names;
pub mod negotiation;
pub mod notation;
pub mod ops;
pub mod options;
pub mod patch;
pub mod protobuf;
pub mod rules;
pub mod selectors;
pub mod status;
pub mod urls;
pub mod validate;
pub mod version;
pub mod warnings;
pub mod watch;
pub mod yaml;

pub use cause::Cause;
pub use version::K8sVersion;
