//! What a join of a department table to a layer is, as a project saves it: the dataset, the two key fields, how
//! keys are compared and how several rows of one key are aggregated. The join itself is [`crate::core::data::join`].

use serde::{Deserialize, Serialize};

/// How keys are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum KeyMatch {
    /// Codes if the layer's keys look like codes, names otherwise.
    #[default]
    Auto,
    /// Exact text (only trimmed).
    Exact,
    /// Codes, normalised.
    Code,
    /// Village names, normalised.
    Name,
}

/// Aggregation for 1:N joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    /// Number of rows.
    Count,
    /// Sum.
    #[default]
    Sum,
    /// Mean.
    Mean,
    /// Minimum.
    Min,
    /// Maximum.
    Max,
    /// First row.
    First,
}

impl Aggregate {
    /// All, for menus.
    pub const ALL: [Aggregate; 6] = [
        Aggregate::Sum,
        Aggregate::Mean,
        Aggregate::Min,
        Aggregate::Max,
        Aggregate::Count,
        Aggregate::First,
    ];

    /// Name in Chinese and English.
    pub fn label(&self) -> (&'static str, &'static str) {
        match self {
            Aggregate::Count => ("计数", "count"),
            Aggregate::Sum => ("求和", "sum"),
            Aggregate::Mean => ("平均", "mean"),
            Aggregate::Min => ("最小", "min"),
            Aggregate::Max => ("最大", "max"),
            Aggregate::First => ("第一条", "first"),
        }
    }
}

/// A join of a dataset to a layer, as saved in the project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinSpec {
    /// Dataset in the cache (its active version is used).
    pub dataset: String,
    /// Key field of the layer.
    pub layer_field: String,
    /// Key column of the dataset.
    pub column: String,
    /// How keys are compared.
    #[serde(default)]
    pub key: KeyMatch,
    /// Columns to bring over (empty: all but the key).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Aggregation of numeric columns when a key has several rows.
    #[serde(default)]
    pub aggregate: Aggregate,
    /// Prefix of the joined field names (default: the dataset name and `_`).
    #[serde(default)]
    pub prefix: Option<String>,
}

impl JoinSpec {
    /// A join of all columns with automatic key matching.
    pub fn new(dataset: &str, layer_field: &str, column: &str) -> JoinSpec {
        JoinSpec {
            dataset: dataset.into(),
            layer_field: layer_field.into(),
            column: column.into(),
            key: KeyMatch::Auto,
            fields: vec![],
            aggregate: Aggregate::Sum,
            prefix: None,
        }
    }

    /// The prefix of joined field names.
    pub fn prefix(&self) -> String {
        self.prefix
            .clone()
            .unwrap_or_else(|| format!("{}_", self.dataset))
    }
}
