//! Scenario files (being written): TOML → validated `model::params::Params`.

/// A scenario file that cannot be used (being written).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ScenarioError(pub String);
