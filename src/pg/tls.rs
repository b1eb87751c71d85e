//! TLS (placeholder).
