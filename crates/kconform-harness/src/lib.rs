//! The conformance harness: everything a suite needs to check a server over HTTP, and nothing about
//! any particular resource.
//!
//! **Invariant:** the harness knows a target only through HTTP. It never links the reference server.
//!
//! - [`target::Target`]: where the server is and how to authenticate (explicit or kubeconfig).
//! - [`client::Client`]: sends exactly the requests a check builds ([`client::Request`]) with a
//!   timeout on each, and records every [`model::Exchange`] (Authorization redacted, curl line).
//! - [`watch::WatchReader`]: reads a watch stream with per-event and overall bounds.
//! - [`model`]: what a check claims ([`model::CheckMeta`]) and finds ([`model::Outcome`]).
//! - [`runner::run`] with [`runner::RunOptions`] and a [`runner::Progress`] callback runs a suite's
//!   [`runner::Check`]s (or [`runner::RunEnv`] runs them one by one) and returns
//!   [`model::RunResults`].
//! - [`resource::Resource`]: the resource a suite exercises, described once; every path the
//!   harness builds is derived from it.
//! - [`coverage::Matrix`]: which checks cover which operation × parameter and operation × status.
//! - [`replay`]: recorded transcripts replayed against a target, normalized and compared.
//! - [`diff`]: seeded random sequences (chosen by a suite's [`diff::SequenceModel`]) sent to a
//!   reference and a target, compared by replay's rules, and shrunk when they differ.

pub mod baseline;
pub mod client;
pub mod coverage;
pub mod diff;
pub mod kit;
pub mod model;
pub mod replay;
pub mod report;
pub mod resource;
pub mod runner;
pub mod target;
pub mod watch;
