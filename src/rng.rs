//! Portable random streams (being written).
