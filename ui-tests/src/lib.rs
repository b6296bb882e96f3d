//! Compile-fail and compile-pass cases for dagger's macros and rules; see `tests/ui.rs`.
