//! The images `lab up` builds: every `FROM scratch AS <target>` stage of the workspace Dockerfile, tagged
//! `lab/<target>:TAG`, the names scripts/images gives them and deploy/ refers to.

use thiserror::Error;

/// The Dockerfile has no image stage.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("the Dockerfile names no `FROM scratch AS <target>` stage: there is no image to build")]
pub struct NoImages;

/// The image targets of `dockerfile`, in the order it defines them.
pub fn targets(dockerfile: &str) -> Result<Vec<String>, NoImages> {
    let targets: Vec<String> = dockerfile
        .lines()
        .filter_map(|line| line.trim().strip_prefix("FROM scratch AS "))
        .map(|target| target.trim().to_string())
        .filter(|target| !target.is_empty() && target.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .collect();
    if targets.is_empty() { Err(NoImages) } else { Ok(targets) }
}

/// The image name of `target` at `tag`.
pub fn image(target: &str, tag: &str) -> String {
    format!("lab/{target}:{tag}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only scratch stages are images; builder stages are not.
    #[test]
    fn scratch_stages_only() {
        let dockerfile =
            "FROM ${BUILDER} AS deps\nFROM scratch AS go-web\nCOPY x /\nFROM deps AS build\nFROM scratch AS mini-lb\n";
        assert_eq!(targets(dockerfile), Ok(vec!["go-web".to_string(), "mini-lb".to_string()]));
        assert_eq!(targets("FROM debian AS x\n"), Err(NoImages));
        assert_eq!(image("go-web", "dev"), "lab/go-web:dev");
    }
}
