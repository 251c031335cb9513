//! The configuration in force: a new valid configuration replaces it, an invalid one is reported and the
//! last good one stays (MetalLB's rule; `metallb_k8s_client_config_stale_bool` says when that happened).

use super::build::InvalidConfig;
use super::pool::Config;

/// What [`ConfigKeeper::update`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigUpdate {
    /// Nothing changed.
    Unchanged,
    /// A new valid configuration is in force.
    Replaced,
    /// A new configuration was refused (reported once per distinct refusal); the last good one stays.
    Refused(InvalidConfig),
}

/// The last good configuration and whether the cluster's current one was refused.
#[derive(Clone, Debug, Default)]
pub struct ConfigKeeper {
    config: Option<Config>,
    refused: Option<InvalidConfig>,
}

impl ConfigKeeper {
    /// Takes the result of checking the cluster's current configuration.
    pub fn update(&mut self, checked: Result<Config, InvalidConfig>) -> ConfigUpdate {
        match checked {
            Ok(config) => {
                let was_refused = self.refused.take().is_some();
                if self.config.as_ref() == Some(&config) && !was_refused {
                    return ConfigUpdate::Unchanged;
                }
                self.config = Some(config);
                ConfigUpdate::Replaced
            }
            Err(invalid) if self.refused.as_ref() == Some(&invalid) => ConfigUpdate::Unchanged,
            Err(invalid) => {
                self.refused = Some(invalid.clone());
                ConfigUpdate::Refused(invalid)
            }
        }
    }

    /// The configuration in force (none before the first valid one).
    pub fn config(&self) -> Option<&Config> {
        self.config.as_ref()
    }

    /// Whether the cluster's configuration was refused and an older one is in force (or none at all).
    pub fn stale(&self) -> bool {
        self.refused.is_some()
    }

    /// Why the cluster's configuration was refused.
    pub fn refused(&self) -> Option<&InvalidConfig> {
        self.refused.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::pool::Pool;

    fn config(name: &str) -> Config {
        let pool = Pool {
            name: name.into(),
            cidrs: vec!["10.0.0.0/24".parse().expect("cidr")],
            auto_assign: true,
            avoid_buggy_ips: false,
            pinning: None,
            advertisements: Vec::new(),
        };
        Config { pools: vec![pool] }
    }

    /// A refused configuration leaves the last good one in force and marks it stale, reported once.
    #[test]
    fn last_good_configuration_stays() {
        let mut keeper = ConfigKeeper::default();
        assert_eq!(keeper.update(Ok(config("a"))), ConfigUpdate::Replaced);
        assert_eq!(keeper.update(Ok(config("a"))), ConfigUpdate::Unchanged);
        let invalid = InvalidConfig { problems: vec!["overlap".into()] };
        assert_eq!(keeper.update(Err(invalid.clone())), ConfigUpdate::Refused(invalid.clone()));
        assert_eq!(keeper.update(Err(invalid)), ConfigUpdate::Unchanged);
        assert!(keeper.stale());
        assert_eq!(keeper.config(), Some(&config("a")));
        assert_eq!(keeper.update(Ok(config("a"))), ConfigUpdate::Replaced);
        assert!(!keeper.stale());
    }
}
