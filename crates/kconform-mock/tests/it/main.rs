//! Integration tests of the reference server: real loopback sockets, real clients.

mod kube_rs;
mod kubectl;
mod transcripts;
