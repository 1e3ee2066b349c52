//! Integration tests of the harness: the check model, the recording client, the watch-stream reader,
//! the runner (against the reference server in-process) and the coverage matrix.
//!
//! Every server here listens on 127.0.0.1 port 0 and every wait is bounded.

mod client;
mod coverage;
mod diff;
mod invariants;
mod model;
mod module_graph;
mod robustness;
mod runner;
mod support;
mod tls;
mod watch;
