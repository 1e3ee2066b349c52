//! Integration tests of the reference server: real loopback sockets, real clients.

mod auth;
mod crud;
mod delete;
mod faults;
mod fixtures;
mod fixtures_endpointslice;
mod formats;
mod fuzz;
mod http_support;
mod kill_matrix;
mod kube_rs;
mod kubectl;
mod list;
mod namespaces;
mod patch;
mod paths;
mod protobuf;
mod tls;
mod transcripts;
mod yaml;
