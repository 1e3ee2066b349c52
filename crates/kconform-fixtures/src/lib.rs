//! Kubernetes core/v1 Endpoints and discovery.k8s.io/v1 EndpointSlice ([`endpointslice`]) fixtures: proptest strategies for valid and invalid objects, quickcheck
//! `Arbitrary` implementations (feature `quickcheck`), hand-written corner cases, and a deterministic
//! corpus with the answer a conforming server gives to each fixture.
//!
//! - [`valid::valid_endpoints`] and [`valid::valid_shape`] yield bodies kube-apiserver accepts (201).
//! - [`invalid::invalid_endpoints`] and [`invalid::invalid_for_rule`] yield bodies that break one rule of
//!   `kconform_spec::rules`, with the expected 422 causes or 400 and the versions that holds for.
//! - [`corpus::generate`] builds the committed corpus under `fixtures/endpoints-v1`, and
//!   [`corpus::generate_api`] the EndpointSlice one under `fixtures/endpointslice-v1`.
//!
//! **Invariant:** expectations are written here from the behaviour document and the real-server
//! recordings; nothing in this crate calls `kconform_spec::validate`. Tests compare the two.

mod bad;
pub mod corner;
pub mod corpus;
mod draw;
pub mod endpointslice;
pub mod expect;
pub mod invalid;
mod ip;
mod model;
mod names;
#[cfg(feature = "quickcheck")]
pub mod quickcheck;
mod text;
pub mod valid;

pub use expect::{Expectation, ExpectedCause, Outcome, VersionRange};
pub use invalid::{Body, InvalidEndpoints, invalid_endpoints, invalid_for_rule};
pub use valid::{ValidEndpoints, ValidShape, valid_endpoints, valid_shape};
