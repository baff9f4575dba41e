//! Integration tests for the mock server, in one binary to keep link times short.

mod basics;
mod bulk;
mod client;
mod download;
mod faults;
mod search;
mod semantics;
mod statics;
mod submission;
mod wide;
