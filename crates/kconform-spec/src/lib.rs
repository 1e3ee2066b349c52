//! The Kubernetes core/v1 Endpoints API as data and rules.
//!
//! This crate is the single model of the API that the fixture generator, the reference server and the
//! conformance suite share: the operation table (from the vendored OpenAPI subset), the validation rules
//! with their exact kube-apiserver messages per Kubernetes version, defaulting, and builders for every
//! `Status` body kube-apiserver sends.
//!
//! **Invariant:** this crate does no IO. It reads nothing at run time; the OpenAPI subset is compiled in.

pub mod version;

pub use version::K8sVersion;
