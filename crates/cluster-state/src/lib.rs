//! The cluster-state seam, being written.
