//! The conformance harness: everything a suite needs to check a server over HTTP, and nothing about
//! any particular resource.
//!
//! **Invariant:** the harness knows a target only through HTTP. It never links the reference server.

pub mod baseline;
pub mod client;
pub mod coverage;
pub mod model;
pub mod replay;
pub mod report;
pub mod runner;
pub mod target;
pub mod watch;
