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

use crate::corpus::{Api, CorpusOptions, Drawn, Parts, Stream, rule_streams};
use crate::invalid::Body;

pub use invalid::{InvalidEndpointSlice, invalid_endpoint_slice};
pub use valid::{SliceShape, ValidEndpointSlice, valid_endpoint_slice, valid_slice_shape};

impl From<InvalidEndpointSlice> for Drawn {
    fn from(drawn: InvalidEndpointSlice) -> Drawn {
        Drawn::new(drawn.body, drawn.expected)
    }
}

impl From<ValidEndpointSlice> for Drawn {
    fn from(drawn: ValidEndpointSlice) -> Drawn {
        Drawn::new(Body::Json(drawn.object), drawn.expected)
    }
}

/// The streams and corner cases of the EndpointSlice corpus.
pub(crate) fn corpus_parts(options: &CorpusOptions) -> Parts {
    let valid = SliceShape::ALL
        .iter()
        .map(|&shape| {
            let strategy = valid_slice_shape(shape);
            Stream::of(shape.name(), shape.versions(), options.count, strategy)
        })
        .collect();
    let invalid = rule_streams(
        invalid::MUTATED_RULES,
        invalid::invalid_for_rule,
        invalid::rule_versions,
        |rule| invalid::corpus_count(rule, options.count),
    );
    Parts {
        api: Api::EndpointSlices,
        valid,
        invalid,
        corners: corner::corner_cases(),
    }
}
