//! Kubernetes versions, as far as the Endpoints API's behaviour depends on them.

use std::fmt;
use std::str::FromStr;

/// A Kubernetes minor version such as 1.36.
///
/// Only the minor number changes behaviour (§11 of the behaviour document); patch levels are accepted
/// when parsing and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct K8sVersion {
    /// The minor version: 36 for 1.36.
    pub minor: u32,
}

impl K8sVersion {
    /// The oldest version whose behaviour is modelled (recordings exist for 1.28).
    pub const OLDEST: K8sVersion = K8sVersion { minor: 28 };
    /// The newest version whose behaviour is modelled.
    pub const NEWEST: K8sVersion = K8sVersion { minor: 36 };

    /// Version 1.`minor`.
    pub const fn new(minor: u32) -> K8sVersion {
        K8sVersion { minor }
    }

    /// Every modelled version, oldest first.
    pub fn all() -> impl Iterator<Item = K8sVersion> {
        (Self::OLDEST.minor..=Self::NEWEST.minor).map(K8sVersion::new)
    }

    /// True when `self` is at least 1.`minor`.
    pub const fn at_least(self, minor: u32) -> bool {
        self.minor >= minor
    }
}

impl Default for K8sVersion {
    fn default() -> Self {
        Self::NEWEST
    }
}

impl fmt::Display for K8sVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1.{}", self.minor)
    }
}

/// Why a version string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Kubernetes version {input:?}: expected 1.N, 1.N.P or v1.N.P (for example 1.36)")]
pub struct ParseVersionError {
    /// The text that was given.
    pub input: String,
}

impl FromStr for K8sVersion {
    type Err = ParseVersionError;

    /// Accepts `1.36`, `1.36.2`, `v1.36.2` and `/version` gitVersions such as `v1.36.2+k3s1`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseVersionError {
            input: s.to_owned(),
        };
        let trimmed = s.trim();
        let trimmed = trimmed.strip_prefix('v').unwrap_or(trimmed);
        let mut parts = trimmed.splitn(3, '.');
        let major = parts.next().ok_or_else(err)?;
        let minor = parts.next().ok_or_else(err)?;
        if major != "1" {
            return Err(err());
        }
        // gitVersions may carry a suffix after the minor only when a patch follows ("1.36.2-rc.0"),
        // but minor strings like "36+" appear in /version's `minor` field on some distributions.
        let minor_digits: String = minor.chars().take_while(char::is_ascii_digit).collect();
        if minor_digits.is_empty() {
            return Err(err());
        }
        let minor = minor_digits.parse().map_err(|_| err())?;
        Ok(K8sVersion { minor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_users_and_servers_write() {
        assert_eq!("1.36".parse(), Ok(K8sVersion::new(36)));
        assert_eq!("v1.28.7".parse(), Ok(K8sVersion::new(28)));
        assert_eq!("1.33.0+k3s1".parse(), Ok(K8sVersion::new(33)));
        assert_eq!("1.30+".parse(), Ok(K8sVersion::new(30)));
        assert!("2.1".parse::<K8sVersion>().is_err());
        assert!("1".parse::<K8sVersion>().is_err());
        assert!("1.x".parse::<K8sVersion>().is_err());
        assert_eq!(K8sVersion::new(36).to_string(), "1.36");
    }
}
