//! Every environment variable xrefscan reads, listed from the clap definitions (each
//! description is written once, on its flag), for `xrefscan env` and the README's table.

/// One variable as `xrefscan env` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    /// The flag it sets (`--db`), or `None` for variables read elsewhere (`XREFSCAN_LOG`).
    pub flag: Option<String>,
    /// The first line of the flag's help.
    pub help: String,
    pub default: Option<String>,
    /// Its value is never shown (`OPENALEX_API_KEY`).
    pub secret: bool,
}

/// Every variable xrefscan reads, from the clap definitions (so each description is written
/// once, on its flag), plus those read outside clap. A variable several commands share is
/// listed once.
pub fn variables(cli: &clap::Command) -> Vec<Variable> {
    fn walk(cmd: &clap::Command, out: &mut Vec<Variable>) {
        for arg in cmd.get_arguments() {
            let Some(name) = arg.get_env().and_then(|n| n.to_str()) else {
                continue;
            };
            if out.iter().any(|v| v.name == name) {
                continue;
            }
            let help = arg
                .get_help()
                .map(|h| h.to_string())
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or("")
                .trim_end_matches('.')
                .to_string();
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|d| d.to_string_lossy().into_owned())
                .collect();
            out.push(Variable {
                name: name.to_string(),
                flag: arg.get_long().map(|l| format!("--{l}")),
                help,
                default: (!defaults.is_empty()).then(|| defaults.join(",")),
                secret: arg.is_hide_env_values_set(),
            });
        }
        for sub in cmd.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(cli, &mut out);
    out.push(Variable {
        name: xrefscan::env::XREFSCAN_LOG.into(),
        flag: None,
        help: "Log filter in tracing syntax, e.g. xrefscan=debug (overrides -v)".into(),
        default: None,
        secret: false,
    });
    out
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn every_variable_is_documented_in_the_readme() {
        let readme = include_str!("../../README.md");
        let missing: Vec<String> = super::variables(&crate::cli::Cli::command())
            .into_iter()
            .map(|v| v.name)
            .filter(|name| !readme.contains(&format!("`{name}`")))
            .collect();
        assert!(missing.is_empty(), "README lacks {missing:?}");
    }

    #[test]
    fn every_variable_has_a_description_and_the_key_is_secret() {
        let vars = super::variables(&crate::cli::Cli::command());
        assert!(vars.len() > 40, "{}", vars.len());
        for v in &vars {
            assert!(!v.help.is_empty(), "{} has no help", v.name);
        }
        let key = vars
            .iter()
            .find(|v| v.name == xrefscan::env::OPENALEX_API_KEY)
            .unwrap();
        assert!(key.secret);
    }
}
