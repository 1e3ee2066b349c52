//! The EndpointSlice conformance suite as a test binary: one trial per check, named by its id.
//!
//! ```text
//! KCONFORM_TARGET=https://127.0.0.1:6443 KCONFORM_TOKEN=... KCONFORM_INSECURE=1 cargo test -p endpointslice-v1 -- ES-WATCH
//! cargo test -p endpointslice-v1                      # against the reference server (kconform-mock)
//! ```
//!
//! The environment is the Endpoints suite's (`suites/endpoints-v1/tests/conformance.rs`): the two
//! share the body of their test binaries, `suites/conformance_main.rs`.

#[path = "../../conformance_main.rs"]
mod conformance_main;

fn main() -> anyhow::Result<()> {
    conformance_main::main(endpointslice_v1::RESOURCE, endpointslice_v1::checks())
}
