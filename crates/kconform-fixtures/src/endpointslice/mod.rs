//! discovery.k8s.io/v1 EndpointSlice fixtures beside the Endpoints ones, reusing their generic
//! pieces (names, bad strings, IPs, cause texts, expectations, metadata, ports, the corpus writer):
//!
//! - [`valid::valid_slice_shape`] and [`valid::valid_endpoint_slice`] yield slices kube-apiserver
//!   creates, with the warnings and dropped fields of each version;
//! - [`invalid::invalid_for_rule`] yields slices that break one rule of
//!   `kconform_spec::endpointslice::rules` (or a metadata rule), with the answer per version;
//! - [`corner::corner_cases`] holds the hand-written cases; the corpus is
//!   [`crate::corpus::generate_api`] with [`crate::corpus::Api::EndpointSlices`].

pub mod corner;
pub mod invalid;
mod model;
pub mod valid;

use proptest::strategy::Strategy;

use crate::corpus::{Api, CorpusOptions, Drawn, Parts, Stream};
use crate::invalid::Body;

pub use invalid::{InvalidEndpointSlice, invalid_endpoint_slice};
pub use valid::{SliceShape, ValidEndpointSlice, valid_endpoint_slice, valid_slice_shape};

/// The streams and corner cases of the EndpointSlice corpus.
pub(crate) fn corpus_parts(options: &CorpusOptions) -> Parts {
    let valid = SliceShape::ALL
        .iter()
        .map(|&shape| Stream {
            name: shape.name(),
            versions: shape.versions(),
            count: options.count,
            strategy: valid_slice_shape(shape)
                .prop_map(|drawn| Drawn {
                    body: Body::Json(drawn.object),
                    expected: drawn.expected,
                })
                .boxed(),
        })
        .collect();
    let invalid = invalid::MUTATED_RULES
        .iter()
        .filter_map(|&rule| {
            let strategy = invalid::invalid_for_rule(rule)?;
            Some(Stream {
                name: rule,
                versions: invalid::rule_versions(rule),
                count: invalid::corpus_count(rule, options.count),
                strategy: strategy
                    .prop_map(|drawn| Drawn {
                        body: drawn.body,
                        expected: drawn.expected,
                    })
                    .boxed(),
            })
        })
        .collect();
    Parts {
        api: Api::EndpointSlices,
        valid,
        invalid,
        corners: corner::corner_cases(),
    }
}
