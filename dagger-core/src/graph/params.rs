//! A DAG's parameters from text: what a command line (`--param n=5`) or a file of parameters
//! gives, read with each parameter's own type.
//!
//! A value is read as JSON into the parameter's type; if that fails, the text itself is tried
//! as a JSON string, so that `label=hello` gives the `String` `"hello"` and `label=5` the
//! `String` `"5"`. Which one a text gives depends only on the text and the type.

// Read by the command line (feature `cli`) only.
#![cfg_attr(not(feature = "cli"), allow(dead_code))]

use std::fmt;

use super::explain::short_type;
use super::Graph;
use crate::erased::AnyValue;

/// Parameters that could not be read: a value of the wrong type, a parameter that does not
/// exist or is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParamError {
    pub(crate) message: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParamError {}

impl Graph {
    /// The parameter values of a run: each from `given` (name and text, the later of two
    /// winning), else from its default. `given` lists a file's values before the command
    /// line's, so that flags win over the file.
    pub(crate) fn params_from_text(&self, given: &[(String, String)]) -> Result<Vec<AnyValue>, ParamError> {
        let mut read = self.given_params(given)?;
        let mut values = Vec::with_capacity(self.params.len());
        for (param, value) in self.params.iter().zip(read.iter_mut()) {
            let value = match value.take().or_else(|| param.default.clone()) {
                Some(value) => value,
                None => return Err(self.param_error(&format!("the parameter `{}` is missing", param.name))),
            };
            values.push(value);
        }
        Ok(values)
    }

    /// The values `given` sets, by parameter: each read with its parameter's type, `None` where
    /// nothing is given. Unknown names and values of the wrong type are errors; missing values
    /// are not, so that a manifest whose engine fills them in later can be checked early.
    pub(crate) fn given_params(&self, given: &[(String, String)]) -> Result<Vec<Option<AnyValue>>, ParamError> {
        if let Some((name, _)) = given.iter().find(|(name, _)| !self.params.iter().any(|p| &p.name == name)) {
            return Err(self.param_error(&format!(
                "DAG `{}` has no parameter `{}`",
                self.name,
                crate::error::shown(name)
            )));
        }
        self.params
            .iter()
            .map(|param| match given.iter().rev().find(|(name, _)| *name == param.name) {
                Some((_, text)) => self.param_from_text(param.name.as_str(), text).map(Some),
                None => Ok(None),
            })
            .collect()
    }

    /// Parameter `name`'s value from `text`: JSON of its type, or the text as a JSON string.
    fn param_from_text(&self, name: &str, text: &str) -> Result<AnyValue, ParamError> {
        let param = self.params.iter().find(|p| p.name == name).ok_or_else(|| self.param_error("no such parameter"))?;
        let decode = |json: &[u8]| (param.codec.decode)(&mut &json[..]);
        let as_json = match decode(text.as_bytes()) {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let quoted = serde_json::to_vec(text).unwrap_or_default();
        decode(&quoted).map_err(|as_text| {
            // Text that is not JSON was meant as a string (`2013-02-30` for a date): why it is
            // not one says more than why `2013` is not a date.
            let why = match serde_json::from_str::<serde::de::IgnoredAny>(text) {
                Ok(_) => as_json.to_string(),
                // Where in the quoted text it failed would only mislead.
                Err(_) => as_text.to_string().split(" at line 1 column ").next().unwrap_or_default().to_string(),
            };
            ParamError {
                message: format!(
                    "`{}` is not a value of the parameter `{name}`, of type `{}`: {why}",
                    crate::error::shown(text),
                    short_type(param.type_name)
                ),
            }
        })
    }

    /// The text of a parameter's default value, in JSON, if it has one.
    pub(crate) fn param_default_json(&self, index: usize) -> Option<String> {
        let param = self.params.get(index)?;
        let mut json = Vec::new();
        (param.codec.encode)(&**param.default.as_ref()?, &mut json).ok()?;
        String::from_utf8(json).ok()
    }

    /// `message`, then the parameters: names, types and defaults.
    fn param_error(&self, message: &str) -> ParamError {
        let mut message = message.to_string();
        if self.params.is_empty() {
            message.push_str(&format!("; DAG `{}` has no parameters", self.name));
        } else {
            message.push_str(&format!("; the parameters of `{}` are:", self.name));
            for (index, param) in self.params.iter().enumerate() {
                message.push_str(&format!("\n  {}: {}", param.name, short_type(param.type_name)));
                if let Some(default) = self.param_default_json(index) {
                    message.push_str(&format!(" (default {default})"));
                }
            }
        }
        ParamError { message }
    }
}

#[cfg(test)]
mod tests {
    use crate::prelude::*;

    #[task]
    fn label(text: String, times: u64, ratio: f64) -> String {
        format!("{text}{times}{ratio}")
    }

    #[dag]
    fn labelled(text: String, #[default(2)] times: u64, ratio: f64) -> String {
        label(text, times, ratio)
    }

    fn read(given: &[(&str, &str)]) -> Result<String, String> {
        let dag = labelled::dag();
        let given: Vec<(String, String)> = given.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        let values = dag.graph().params_from_text(&given).map_err(|e| e.to_string())?;
        let text = crate::erased::shared::<String>(&values[0]).map_err(|e| e.to_string())?.clone();
        let times = *crate::erased::shared::<u64>(&values[1]).map_err(|e| e.to_string())?;
        let ratio = *crate::erased::shared::<f64>(&values[2]).map_err(|e| e.to_string())?;
        Ok(format!("{text}|{times}|{ratio}"))
    }

    #[test]
    fn text_is_json_of_the_type_or_else_a_string() {
        assert_eq!(read(&[("text", "hello"), ("ratio", "0.5")]).unwrap(), "hello|2|0.5");
        assert_eq!(read(&[("text", "5"), ("ratio", "1")]).unwrap(), "5|2|1");
        assert_eq!(read(&[("text", "\"quoted\""), ("ratio", "1e3")]).unwrap(), "quoted|2|1000");
        // The later of two values wins (flags come after a file's values).
        assert_eq!(read(&[("text", "a"), ("ratio", "1"), ("times", "3"), ("times", "4")]).unwrap(), "a|4|1");
    }

    #[test]
    fn a_bad_missing_or_unknown_parameter_lists_the_parameters() {
        let listing = "the parameters of `labelled` are:\n  text: String\n  times: u64 (default 2)\n  ratio: f64";
        let error = read(&[("text", "a"), ("ratio", "1"), ("times", "abc")]).unwrap_err();
        assert!(error.starts_with("`abc` is not a value of the parameter `times`, of type `u64`: "), "{error}");
        assert_eq!(read(&[("text", "a")]).unwrap_err(), format!("the parameter `ratio` is missing; {listing}"));
        let error = read(&[("text", "a"), ("ratio", "1"), ("speed", "2")]).unwrap_err();
        assert_eq!(error, format!("DAG `labelled` has no parameter `speed`; {listing}"));
    }

    #[test]
    fn given_values_are_checked_without_requiring_the_missing_ones() {
        let dag = labelled::dag();
        let given = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
        };
        let read = dag.graph().given_params(&given(&[("times", "3")])).unwrap();
        assert_eq!(read.iter().map(Option::is_some).collect::<Vec<_>>(), [false, true, false]);
        let error = dag.graph().given_params(&given(&[("times", "abc")])).unwrap_err().to_string();
        assert!(error.starts_with("`abc` is not a value of the parameter `times`"), "{error}");
        let error = dag.graph().given_params(&given(&[("speed", "2")])).unwrap_err().to_string();
        assert!(error.starts_with("DAG `labelled` has no parameter `speed`"), "{error}");
    }
}
