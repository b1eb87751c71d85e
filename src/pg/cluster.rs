//! Throwaway clusters (placeholder).
