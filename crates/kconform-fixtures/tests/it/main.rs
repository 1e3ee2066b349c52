//! Integration tests of kconform-fixtures: the generator's declared expectations against
//! `kconform_spec`'s validation and decoding, round trips through k8s-openapi, shrinking, the corpus.

mod check;
mod corpus;
mod coverage;
mod endpointslice;
mod invalid;
#[cfg(feature = "quickcheck")]
mod quickcheck;
mod shrink;
mod valid;
