//! JSON pointers (RFC 6901) into the manifest, the way every error says where it is.

/// `base` extended by the object key `key`, escaped (`~` as `~0`, `/` as `~1`) so that a key
/// like `dagger/dag` stays one segment.
pub(super) fn key(base: &str, key: &str) -> String {
    format!("{base}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// `base` extended by the array index `index`.
pub(super) fn index(base: &str, index: usize) -> String {
    format!("{base}/{index}")
}

/// An error line: the pointer, or `(root)` for the whole document (whose pointer is empty), then
/// the message.
pub(super) fn error(pointer: &str, message: impl std::fmt::Display) -> String {
    if pointer.is_empty() {
        format!("(root): {message}")
    } else {
        format!("{pointer}: {message}")
    }
}
