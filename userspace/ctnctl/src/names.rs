//! Container names, checked here first so that a bad one gets a clear message.

use crate::error::Error;

/// Checks `name` against the module's rule: 1-63 bytes of `[A-Za-z0-9_.-]`, not `.` or `..`
/// (a name is a directory of the state and a file of the spec directory).
pub fn check(name: &str) -> Result<&str, Error> {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if name.is_empty() || name.len() > 63 || !name.chars().all(ok) || name == "." || name == ".." {
        return Err(Error::Usage(format!(
            "invalid container name '{name}': use 1-63 characters from A-Z a-z 0-9 _ . -, \
             other than . and .."
        )));
    }
    Ok(name)
}

/// Checks a host or domain name: at most 64 visible ASCII characters ("" = the default).
pub fn check_uts<'a>(what: &str, name: &'a str) -> Result<&'a str, Error> {
    if name.len() > 64 || !name.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::Usage(format!(
            "invalid {what} '{name}': use at most 64 visible ASCII characters (no spaces)"
        )));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_valid_names() {
        for n in [
            "a",
            "web1",
            "db_2.prod-x",
            "...",
            ".hidden",
            &"x".repeat(63),
        ] {
            assert!(check(n).is_ok(), "{n}");
        }
    }

    #[test]
    fn uts_names() {
        assert!(super::check_uts("hostname", "web-1.example").is_ok());
        assert!(super::check_uts("hostname", "").is_ok());
        assert!(super::check_uts("hostname", &"h".repeat(64)).is_ok());
        assert!(super::check_uts("hostname", &"h".repeat(65)).is_err());
        assert!(super::check_uts("hostname", "a b").is_err());
    }

    #[test]
    fn refuses_invalid_names() {
        for n in ["", ".", "..", "a b", "a/b", "é", "name:1", &"x".repeat(64)] {
            assert!(check(n).is_err(), "{n:?}");
        }
    }
}
