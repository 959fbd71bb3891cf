//! Every `--help` shows its defaults (issue 17, item 22): each option that takes a value
//! and is not required either has a clap default (printed as `[default: ...]`) or says in
//! its help what happens without it (`[default: ...]` in the text).

use clap::CommandFactory;
use narcodoor::cli::Cli;

#[test]
fn every_option_with_a_value_states_its_default() {
    let mut missing = Vec::new();
    let cmd = Cli::command();
    for sub in cmd.get_subcommands() {
        for arg in sub.get_arguments() {
            let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
            if arg.is_positional() || arg.is_required_set() || !takes_value {
                continue;
            }
            let help = arg.get_long_help().or(arg.get_help()).map(|h| h.to_string()).unwrap_or_default();
            if arg.get_default_values().is_empty() && !help.contains("[default") {
                missing.push(format!("{} --{}", sub.get_name(), arg.get_long().unwrap_or("?")));
            }
        }
    }
    assert!(missing.is_empty(), "options whose --help does not show a default: {missing:?}");
}

#[test]
fn rendered_help_shows_the_defaults() {
    let mut cmd = Cli::command();
    cmd.build();
    let sweep = cmd.find_subcommand_mut("sweep").unwrap();
    let help = sweep.render_long_help().to_string();
    for needle in ["[default: grid]", "[default: 10]", "[default: the scenario's run.replicates"] {
        assert!(help.contains(needle), "sweep --help lacks {needle}:\n{help}");
    }
}
