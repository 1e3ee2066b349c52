//! The Endpoints conformance suite as a test binary: one trial per check, named by its id.
//!
//! ```text
//! KCONFORM_TARGET=https://127.0.0.1:6443 KCONFORM_TOKEN=... KCONFORM_INSECURE=1 cargo test -p endpoints-v1 -- EP-WATCH
//! cargo test -p endpoints-v1                      # against the reference server (kconform-mock)
//! ```
//!
//! Environment:
//! - `KCONFORM_TARGET` base URL (or `KCONFORM_KUBECONFIG` [+ `KCONFORM_CONTEXT`]);
//!   `KCONFORM_TOKEN`, `KCONFORM_USER_TOKEN` (a user without rights, for the 403 checks),
//!   `KCONFORM_CA_FILE`, `KCONFORM_INSECURE=1`, `KCONFORM_K8S_VERSION` (e.g. `1.33`),
//!   `KCONFORM_NAMESPACE` (use one existing namespace instead of one per check).
//! - Without `KCONFORM_TARGET` the reference server is started as a subprocess from
//!   `target/{debug,release}/kconform-mock` (`KCONFORM_MOCK_BIN` overrides the path;
//!   `KCONFORM_EMULATE` picks its version, `KCONFORM_MOCK_FAULTS=a,b` breaks it on purpose).
//!   The suite never links it.

#[path = "../../conformance_main.rs"]
mod conformance_main;

fn main() -> anyhow::Result<()> {
    conformance_main::main(endpoints_v1::RESOURCE, endpoints_v1::checks())
}
