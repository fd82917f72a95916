//! pinref-tests
