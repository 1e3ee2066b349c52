//! Integration tests for kconform-spec: recording-driven checks against real kube-apiserver answers,
//! the operation table against the API document, property tests and Status snapshots.

mod api_doc;
mod endpointslice_recordings;
mod names_prop;
mod options_replay;
mod recordings;
mod robustness;
mod rules_coverage;
mod selector_replay;
mod status_replay;
mod status_snapshots;
mod update_replay;
mod yaml_replay;
