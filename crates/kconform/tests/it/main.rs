//! Integration tests of the `kconform` binary, run as a real process against real servers on
//! 127.0.0.1 (the reference server, in this test process, with or without fault switches).

mod browser;
mod commands;
mod diff;
mod gate;
mod launch;
mod secrets;
mod support;
mod terminal;
