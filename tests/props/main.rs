//! Property tests: generated inputs, valid or not, against the parts of
//! doppel that read what users and databases hand it — the COPY text codec,
//! the json masker's scanner, the rules loader, the connection-string parser
//! and every keyed masker. None may panic on any input; each keeps the
//! promises its documentation makes.
//!
//! Each property runs proptest's default 256 cases; set `PROPTEST_CASES` for
//! a longer run (docs/FUZZING.md has the command and the last long run).

mod codec;
mod conninfo;
mod json;
mod maskers;
mod plan;
mod rules;
mod strings;
