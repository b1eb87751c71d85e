//! `doppel schema`: print the rules file's JSON Schema.

use crate::{Error, ExitCode};

/// Print the JSON Schema generated from the rule types.
pub fn schema() -> Result<ExitCode, Error> {
    let text = serde_json::to_string_pretty(&crate::config::rules_json_schema())
        .map_err(|e| Error::runtime(format!("cannot encode the schema: {e}")))?;
    println!("{text}");
    Ok(ExitCode::Success)
}
