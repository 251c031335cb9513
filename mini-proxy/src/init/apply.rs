//! Running a [`Plan`] with the iptables binary, idempotently: chains are created or flushed, rules
//! appended, jumps added only when `-C` says they are missing. Removal deletes the jumps and then the
//! chains. `--simulate` prints what a first run on a clean namespace would do, without root.

use std::process::Command;

use super::{Plan, Rule};

/// Install or take out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Add the rules (flushing earlier ones).
    Install,
    /// Remove the rules and chains.
    Remove,
}

/// An iptables command failed; the message names it and quotes what iptables said.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The binary could not be run.
    #[error("cannot run {binary}: {source} (install iptables, or pass --firewall-bin-path)")]
    Missing {
        /// The binary.
        binary: String,
        /// Why.
        source: std::io::Error,
    },
    /// It ran and refused.
    #[error("`{binary} {rule}` failed: {stderr}")]
    Failed {
        /// The binary.
        binary: String,
        /// The arguments.
        rule: Rule,
        /// What it printed.
        stderr: String,
    },
}

/// One iptables binary (`iptables`, `ip6tables`, `iptables-legacy`, ...).
#[derive(Clone, Debug)]
pub struct Firewall {
    /// The binary.
    pub binary: String,
}

impl Firewall {
    fn run(&self, rule: &Rule) -> Result<bool, ApplyError> {
        let output = Command::new(&self.binary)
            .args(["-w", "5"])
            .args(&rule.0)
            .output()
            .map_err(|source| ApplyError::Missing { binary: self.binary.clone(), source })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
            return Err(ApplyError::Failed { binary: self.binary.clone(), rule: rule.clone(), stderr });
        }
        Ok(true)
    }

    /// Whether `rule` (a check such as `-C` or `-S`) succeeds.
    fn holds(&self, rule: &Rule) -> Result<bool, ApplyError> {
        match self.run(rule) {
            Ok(ok) => Ok(ok),
            Err(ApplyError::Failed { .. }) => Ok(false),
            Err(missing) => Err(missing),
        }
    }

    /// Applies `plan`; returns the commands run, for the log.
    pub fn apply(&self, plan: &Plan, action: Action) -> Result<Vec<Rule>, ApplyError> {
        let mut ran = Vec::new();
        let mut run = |rule: Rule| -> Result<(), ApplyError> {
            self.run(&rule)?;
            ran.push(rule);
            Ok(())
        };
        match action {
            Action::Install => {
                for chain in &plan.chains {
                    let exists = self.holds(&Rule(vec!["-t".into(), "nat".into(), "-S".into(), chain.to_string()]))?;
                    run(Rule(vec![
                        "-t".into(),
                        "nat".into(),
                        if exists { "-F" } else { "-N" }.into(),
                        chain.to_string(),
                    ]))?;
                }
                for rule in &plan.rules {
                    run(rule.clone())?;
                }
                for jump in &plan.jumps {
                    if !self.holds(&with_verb(jump, "-C"))? {
                        run(jump.clone())?;
                    }
                }
            }
            Action::Remove => {
                for jump in &plan.jumps {
                    while self.holds(&with_verb(jump, "-C"))? {
                        run(with_verb(jump, "-D"))?;
                    }
                }
                for chain in &plan.chains {
                    if self.holds(&Rule(vec!["-t".into(), "nat".into(), "-S".into(), chain.to_string()]))? {
                        run(Rule(vec!["-t".into(), "nat".into(), "-F".into(), chain.to_string()]))?;
                        run(Rule(vec!["-t".into(), "nat".into(), "-X".into(), chain.to_string()]))?;
                    }
                }
            }
        }
        Ok(ran)
    }
}

/// What a first install on a clean namespace runs, or a removal of an installed one.
pub fn simulate(plan: &Plan, action: Action) -> Vec<Rule> {
    let chain = |verb: &str, chain: &str| Rule(vec!["-t".into(), "nat".into(), verb.into(), chain.into()]);
    match action {
        Action::Install => plan
            .chains
            .iter()
            .map(|c| chain("-N", c))
            .chain(plan.rules.iter().cloned())
            .chain(plan.jumps.iter().cloned())
            .collect(),
        Action::Remove => plan
            .jumps
            .iter()
            .map(|j| with_verb(j, "-D"))
            .chain(plan.chains.iter().flat_map(|c| [chain("-F", c), chain("-X", c)]))
            .collect(),
    }
}

/// `rule` with its `-A` replaced by `verb` (`-C` to check, `-D` to delete).
fn with_verb(rule: &Rule, verb: &str) -> Rule {
    Rule(rule.0.iter().map(|part| if part == "-A" { verb.to_string() } else { part.clone() }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::{InitSettings, plan};

    fn settings() -> InitSettings {
        InitSettings {
            incoming_proxy_port: 4143,
            outgoing_proxy_port: 4140,
            proxy_uid: 2102,
            proxy_gid: None,
            inbound_ports_to_ignore: vec!["4190".into(), "4191".into()],
            outbound_ports_to_ignore: Vec::new(),
            ports_to_redirect: Vec::new(),
            subnets_to_ignore: Vec::new(),
        }
    }

    /// A simulated install creates both chains, fills them, then jumps; removal undoes it in reverse.
    #[test]
    fn simulated_install_and_removal() {
        let plan = plan(&settings());
        let install: Vec<String> = simulate(&plan, Action::Install).iter().map(Rule::to_string).collect();
        assert_eq!(install[0], "-t nat -N PROXY_INIT_REDIRECT");
        assert_eq!(install[1], "-t nat -N PROXY_INIT_OUTPUT");
        assert!(install.last().is_some_and(|l| l.starts_with("-t nat -A OUTPUT -j PROXY_INIT_OUTPUT")));
        let remove: Vec<String> = simulate(&plan, Action::Remove).iter().map(Rule::to_string).collect();
        assert!(remove[0].starts_with("-t nat -D PREROUTING -j PROXY_INIT_REDIRECT"));
        assert_eq!(remove[remove.len() - 1], "-t nat -X PROXY_INIT_OUTPUT");
    }
}
