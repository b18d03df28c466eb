//! Algorithms: every analysis and export in one shape, like a QGIS Processing algorithm. An algorithm names its
//! typed, documented parameters (input files, layers by role, codes, choices, flags, output files), runs with
//! [`Progress`] (progress and cancel), and returns a typed [`Outcome`]. The app builds its dialog from the
//! parameters (`gui::algorithm`), the CLI its subcommand and flags (`yitu <id> --<name> …`; `yitu algorithms`
//! lists them), and the tests call [`Algorithm::run`] directly — so the three run the same code.
//!
//! A new analysis (industry chains, the talent map, land-use proposals) computes in [`crate::core::analysis`],
//! writes its documents in [`crate::core::output`], and gets one module here and one line in [`registry`].
//!
//! May use: everything below it (output, analysis, data, io, model).

pub mod attributes;
pub mod chain;
pub mod chain_recruit;
pub mod chain_report;
pub mod chain_spatial;
pub mod data_package;
pub mod layout;
pub mod proposal;
pub mod talent;
pub mod village_file;

use crate::core::analysis::profile::Scope;
use crate::core::analysis::roles::Role;
use crate::core::model::progress::Progress;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

/// What a parameter holds, and so how the app asks for it and how the CLI parses it.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    /// A file to read: a data file or project (`extensions` for the file dialog, without dots).
    InputFile {
        /// Extensions offered by the file dialog.
        extensions: &'static [&'static str],
    },
    /// The layer of the input file that plays `role` (found by name or fields when not given).
    Layer {
        /// The role.
        role: Role,
    },
    /// A division code of `digits` digits (12: village, 9: town), kept as text.
    Code {
        /// Number of digits.
        digits: usize,
    },
    /// One of fixed values: `(value, Chinese label, English label)`; values after the labels'
    /// first entry may be synonyms (亩 for mu).
    Choice {
        /// The values.
        values: &'static [(&'static str, &'static str, &'static str)],
    },
    /// Yes or no (a CLI switch without a value).
    Flag,
    /// Free text (a title, a number).
    Text,
    /// A file to write (`extensions` for the file dialog); with some options a folder.
    OutputFile {
        /// Extensions offered by the file dialog.
        extensions: &'static [&'static str],
    },
}

/// One parameter of an algorithm.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name in code and on the command line (`per_village` is `--per-village`).
    pub name: &'static str,
    /// Label in the app: Chinese, English.
    pub label: (&'static str, &'static str),
    /// One sentence of help: Chinese, English (the CLI's `--help` shows the English).
    pub help: (&'static str, &'static str),
    /// What it holds.
    pub kind: ParamKind,
    /// Whether a run needs it.
    pub required: bool,
    /// Value when not given.
    pub default: Option<&'static str>,
    /// The CLI takes it as the first argument, without a flag.
    pub positional: bool,
    /// Shown under 高级 / advanced in the app.
    pub advanced: bool,
}

impl Param {
    /// The CLI flag: `--per-village` for `per_village`.
    pub fn flag(&self) -> String {
        format!("--{}", self.name.replace('_', "-"))
    }
}

/// The values of a run, by parameter name, as the operating system's strings (so a path in any encoding, such as
/// a GBK-named file, passes unchanged; a flag is `"true"`); see [`Algorithm::check`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params(pub BTreeMap<String, OsString>);

impl Params {
    /// No values.
    pub fn new() -> Params {
        Params::default()
    }

    /// With `name` set to `value` (builder style, for tests and callers).
    pub fn with(mut self, name: &str, value: impl Into<OsString>) -> Params {
        self.set(name, value);
        self
    }

    /// Sets `name` to `value`; an empty value removes it (the app's empty field: not given).
    pub fn set(&mut self, name: &str, value: impl Into<OsString>) {
        let v: OsString = value.into();
        if v.is_empty() {
            self.0.remove(name);
        } else {
            self.0.insert(name.to_string(), v);
        }
    }

    /// The text of `name`, if given, not empty, and valid Unicode.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .and_then(|s| s.to_str())
            .filter(|s| !s.is_empty())
    }

    /// The text of `name` as an owned string.
    pub fn string(&self, name: &str) -> Option<String> {
        self.text(name).map(str::to_string)
    }

    /// `name` as a path (in any encoding).
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        self.0
            .get(name)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
    }

    /// Whether flag `name` is on (`true`, `1`, `yes`, `是`).
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.text(name), Some("true" | "1" | "yes" | "是"))
    }
}

/// Why a run did not happen or did not finish.
#[derive(Debug, Clone, PartialEq)]
pub enum AlgorithmError {
    /// The parameters are wrong (a required one missing, a value not allowed): the CLI exits
    /// with 2. The message is in Chinese and English.
    BadParameters(String),
    /// The run failed (a file unreadable, an output not writable, cancelled): the CLI exits with 1.
    Failed(String),
}

impl std::fmt::Display for AlgorithmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AlgorithmError::BadParameters(m) | AlgorithmError::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for AlgorithmError {}

/// What a run gives back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// What the user should know, in order (layers chosen, data notes, timings), Chinese / English. Each was
    /// also said through [`Progress::note`] as it happened (standard error in the CLI, at once), so a run that
    /// fails later still tells them.
    pub notes: Vec<String>,
    /// The result as text when it is not written to a file (JSON or CSV without `--out`): standard
    /// output in the CLI.
    pub text: Option<String>,
    /// What was done, for standard output and the app's status (`18 个村 / villages → a.xlsx`).
    pub summary: String,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Counts of the run (villages, pages, layers…) for scripts and tests, by name.
    pub counts: BTreeMap<String, f64>,
}

/// An analysis or export with typed parameters.
pub trait Algorithm: Send + Sync {
    /// Identifier: the CLI subcommand (`profile`).
    fn id(&self) -> &'static str;
    /// Name: Chinese, English.
    fn name(&self) -> (&'static str, &'static str);
    /// What it does, in a sentence or two: Chinese, English.
    fn description(&self) -> (&'static str, &'static str);
    /// Group in the app's toolbox: Chinese, English.
    fn group(&self) -> (&'static str, &'static str);
    /// The parameters, in the order the app shows them.
    fn parameters(&self) -> Vec<Param>;
    /// Runs it. Call [`Algorithm::check`] first (the CLI and the app do); `run` checks again what
    /// it relies on.
    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError>;

    /// Checks `params` against [`Algorithm::parameters`]: unknown names, required values, codes of
    /// the right length, choices among the allowed values. Fills in defaults.
    fn check(&self, params: &Params) -> Result<Params, AlgorithmError> {
        check_against(&self.parameters(), params)
    }
}

/// [`Algorithm::check`] for a list of parameters.
pub fn check_against(defs: &[Param], params: &Params) -> Result<Params, AlgorithmError> {
    let bad = |zh: String, en: String| Err(AlgorithmError::BadParameters(format!("{zh} / {en}")));
    for name in params.0.keys() {
        if !defs.iter().any(|p| p.name == name) {
            return bad(
                format!("未知参数 {name}"),
                format!("unknown parameter {name}"),
            );
        }
    }
    let mut out = params.clone();
    for p in defs {
        let given = params.0.get(p.name).is_some_and(|v| !v.is_empty());
        let is_path = matches!(
            p.kind,
            ParamKind::InputFile { .. } | ParamKind::OutputFile { .. }
        );
        if given && !is_path && params.text(p.name).is_none() {
            return bad(
                format!("{} 的取值不是有效文本", p.label.0),
                format!("{}: the value is not valid text", p.label.1),
            );
        }
        let v = params.text(p.name);
        match (given.then_some(()), p.default) {
            (None, Some(d)) => {
                out.0.insert(p.name.to_string(), d.into());
            }
            (None, None) if p.required => {
                let how = if p.positional {
                    format!("<{}>", p.name)
                } else {
                    p.flag()
                };
                return bad(
                    format!("缺少参数 {}（{how}）", p.label.0),
                    format!("{} ({how}) is required", p.label.1),
                );
            }
            _ => {}
        }
        let Some(v) = v else { continue };
        match &p.kind {
            // A code of the right length, or a name (resolved against the data when the run reads it); digits of
            // the wrong length are a mistyped code.
            ParamKind::Code { digits }
                if v.chars().all(|c| c.is_ascii_digit()) && v.chars().count() != *digits =>
            {
                return bad(
                    format!("{} 应为 {digits} 位数字代码或名称：{v}", p.label.0),
                    format!("{} must be a {digits}-digit code or a name: {v}", p.label.1),
                );
            }
            ParamKind::Choice { values } if !values.iter().any(|(x, _, _)| *x == v) => {
                let allowed: Vec<&str> = values.iter().map(|(x, _, _)| *x).collect();
                return bad(
                    format!(
                        "{} 的取值 {v} 无效，可选：{}",
                        p.label.0,
                        allowed.join("、")
                    ),
                    format!("{}: {v} is not one of {}", p.label.1, allowed.join(", ")),
                );
            }
            ParamKind::Flag
                if !matches!(v, "true" | "false" | "1" | "0" | "yes" | "no" | "是" | "否") =>
            {
                return bad(
                    format!("{} 应为是或否：{v}", p.label.0),
                    format!("{} must be true or false: {v}", p.label.1),
                );
            }
            _ => {}
        }
    }
    check_outputs(defs, &out)?;
    Ok(out)
}

/// Every output file of a run must have one of its parameter's extensions (when it has one at all), and be none
/// of the run's input files, none of the data files an input project uses, and no other output of the run: an
/// export never overwrites what it reads.
fn check_outputs(defs: &[Param], params: &Params) -> Result<(), AlgorithmError> {
    let mut inputs: Vec<PathBuf> = Vec::new();
    for p in defs {
        if let (ParamKind::InputFile { .. }, Some(v)) = (&p.kind, params.path(p.name)) {
            if v.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("yitu"))
            {
                if let Ok(project) = crate::core::io::project::Project::load(&v) {
                    inputs.extend(project.layers.iter().map(|l| l.path.clone()));
                    inputs.extend(project.datasets.iter().map(|d| d.path.clone()));
                }
            }
            inputs.push(v);
        }
    }
    let mut outputs: Vec<(&Param, PathBuf)> = Vec::new();
    for p in defs {
        let ParamKind::OutputFile { extensions } = &p.kind else {
            continue;
        };
        let Some(v) = params.path(p.name) else {
            continue;
        };
        let refs: Vec<&std::path::Path> = inputs
            .iter()
            .map(|i| i.as_path())
            .chain(outputs.iter().map(|o| o.1.as_path()))
            .collect();
        let absolute = |p: &std::path::Path| {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or(p.to_path_buf())
        };
        if let Some(i) = refs
            .iter()
            .find(|i| crate::core::io::files::same_file(&v, i) || absolute(&v) == absolute(i))
        {
            return Err(AlgorithmError::BadParameters(format!(
                "{}：输出文件就是输入文件或本次另一个输出 {}，不能覆盖，已拒绝 / the output is {}, which this run reads or writes: it would be overwritten, refused",
                v.display(),
                i.display(),
                i.display()
            )));
        }
        if let Some(e) = v.extension().and_then(|e| e.to_str()) {
            if !extensions.is_empty() && !extensions.iter().any(|x| x.eq_ignore_ascii_case(e)) {
                return Err(AlgorithmError::BadParameters(format!(
                    "{} 的文件类型 .{e} 不支持，可选：{} / {}: .{e} is not supported; use {}",
                    p.label.0,
                    extensions
                        .iter()
                        .map(|x| x.to_uppercase())
                        .collect::<Vec<_>>()
                        .join("、"),
                    p.label.1,
                    extensions
                        .iter()
                        .map(|x| x.to_uppercase())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        outputs.push((p, v));
    }
    Ok(())
}

// Parameters several algorithms share.

/// Files an analysis reads: data files and projects.
pub const DATA_FILES: &[&str] = &[
    "gpkg", "yitu", "shp", "geojson", "json", "gdb", "kml", "zip",
];

/// The scope parameters shared by the village file and the data package: `village`, `town`, `all`.
pub fn scope_params() -> Vec<Param> {
    vec![
        Param {
            name: "village",
            label: ("村", "Village"),
            help: (
                "一个村（12 位代码或村名，如 横塘村）",
                "One village (12-digit code or name, e.g. 横塘村)",
            ),
            kind: ParamKind::Code { digits: 12 },
            required: false,
            default: None,
            positional: false,
            advanced: false,
        },
        Param {
            name: "town",
            label: ("乡镇", "Town"),
            help: (
                "一个乡镇的各村（9 位代码或乡镇名，如 鲤南镇）",
                "The villages of one town (9-digit code or name, e.g. 鲤南镇)",
            ),
            kind: ParamKind::Code { digits: 9 },
            required: false,
            default: None,
            positional: false,
            advanced: false,
        },
        Param {
            name: "all",
            label: ("全县", "Whole county"),
            help: ("全部村", "Every village (the whole county)"),
            kind: ParamKind::Flag,
            required: false,
            default: None,
            positional: false,
            advanced: false,
        },
    ]
}

/// The scope a run's `village`, `town` and `all` give; the CLI's message when none is given.
pub fn scope_of(params: &Params) -> Result<Scope, AlgorithmError> {
    let given = [
        params.text("village").is_some(),
        params.text("town").is_some(),
        params.flag("all"),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(AlgorithmError::BadParameters(
            "只能给 --village、--town、--all 中的一个（范围互相矛盾）/ give only one of --village, --town and --all (the scopes contradict each other)".into(),
        ));
    }
    match (
        params.string("village"),
        params.string("town"),
        params.flag("all"),
    ) {
        (Some(v), _, _) => Ok(Scope::Village(v)),
        (None, Some(t), _) => Ok(Scope::Town(t)),
        (None, None, true) => Ok(Scope::County),
        _ => Err(AlgorithmError::BadParameters(
            "需要 --village、--town 或 --all / give --village, --town or --all".into(),
        )),
    }
}

/// [`scope_of`] with a village or town given by name (横塘村, 鲤南镇) turned into its code from the village layer of
/// the run's `file` (a data file, or a project's village layer); a code or the county is returned as given,
/// without reading anything. Errors: an unknown or shared name (the closest names listed with their codes), no
/// village layer.
pub fn scope_resolved(params: &Params, progress: &Progress) -> Result<Scope, AlgorithmError> {
    let scope = scope_of(params)?;
    let named = match &scope {
        Scope::Village(v) | Scope::Town(v) => !v.chars().all(|c| c.is_ascii_digit()),
        Scope::County => false,
    };
    if !named {
        return Ok(scope);
    }
    let fail = |e: String| AlgorithmError::Failed(e);
    let file = params
        .path("file")
        .ok_or_else(|| fail("需要数据文件 / a data file is needed".into()))?;
    let (path, layer) = if file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yitu"))
    {
        let p = crate::core::io::project::Project::load(&file).map_err(fail)?;
        let l = p
            .layers
            .iter()
            .find(|l| Role::Villages.names(&l.layer))
            .ok_or_else(|| fail("项目中没有村界图层 / the project has no village layer".into()))?;
        (l.path.clone(), Some(l.layer.clone()))
    } else {
        let info = crate::core::io::read::inspect(&file).map_err(|e| fail(e.to_string()))?;
        let c = crate::core::analysis::roles::resolve(
            &info,
            Role::Villages,
            params.text("villages"),
            &[],
        )
        .map_err(|e| fail(format!("{e:#}")))?;
        (file.clone(), c.layer)
    };
    let v = crate::core::io::read::load_layer(&path, layer.as_deref(), progress)
        .map_err(|e| fail(e.to_string()))?;
    match crate::core::analysis::scope::ScopeArea::new(&v, &scope) {
        Ok(Some(area)) => Ok(area.scope),
        Ok(None) => Ok(scope),
        Err(e) => Err(fail(format!("{e:#}"))),
    }
}

/// The input parameter `file` (positional, required): a data file or a project; `help` says what each gives.
pub fn input_param(help: (&'static str, &'static str)) -> Param {
    Param {
        name: "file",
        label: ("数据文件或项目", "Data file or project"),
        help,
        kind: ParamKind::InputFile {
            extensions: DATA_FILES,
        },
        required: true,
        default: None,
        positional: true,
        advanced: false,
    }
}

/// An optional flag-style parameter (not positional): the shape most parameters have.
pub fn optional_param(
    name: &'static str,
    label: (&'static str, &'static str),
    help: (&'static str, &'static str),
    kind: ParamKind,
    default: Option<&'static str>,
    advanced: bool,
) -> Param {
    Param {
        name,
        label,
        help,
        kind,
        required: false,
        default,
        positional: false,
        advanced,
    }
}

/// The `cache` parameter.
pub fn cache_param() -> Param {
    Param {
        name: "cache",
        label: ("部门数据缓存", "Data cache"),
        help: (
            "缓存数据库（默认：用户设置目录下的 cache.sqlite）",
            "The cache database (default: cache.sqlite in the user's settings folder)",
        ),
        kind: ParamKind::InputFile {
            extensions: &["sqlite"],
        },
        required: false,
        default: None,
        positional: false,
        advanced: true,
    }
}

/// Refuses an output (`--out`) that is one of the run's input files named by `keys` (or a data file of an input
/// project): it would be overwritten.
pub fn check_inputs_not_overwritten(params: &Params, keys: &[&str]) -> Result<(), AlgorithmError> {
    if let Some(out) = params.path("out") {
        let inputs: Vec<PathBuf> = keys.iter().filter_map(|k| params.path(k)).collect();
        let refs: Vec<&std::path::Path> = inputs.iter().map(|p| p.as_path()).collect();
        crate::core::io::files::check_output(&out, &refs).map_err(AlgorithmError::Failed)?;
    }
    Ok(())
}

/// The extension of `--out`, lower case (empty without an output).
pub fn out_extension(params: &Params) -> String {
    params
        .path("out")
        .and_then(|p| {
            p.extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
        })
        .unwrap_or_default()
}

/// Every algorithm, in the order of the app's toolbox.
pub fn registry() -> Vec<&'static dyn Algorithm> {
    vec![
        &village_file::VillageFile,
        &data_package::DataPackage,
        &layout::LayoutExport,
        &attributes::AttributeExport,
        &chain::ChainList,
        &chain::ChainShow,
        &chain::ChainMeasures,
        &chain_spatial::ChainDensity,
        &chain_spatial::ChainHotspots,
        &chain_spatial::ChainClusters,
        &chain_spatial::ChainColocation,
        &chain_recruit::ChainRecruit,
        &chain_report::ChainReportPdf,
        &talent::TalentMajors,
        &talent::TalentSources,
        &talent::TalentProvinces,
        &talent::TalentAccess,
        &talent::TalentGaps,
        &talent::TalentPeople,
        &talent::TalentReport,
        &proposal::ProposalCheck,
        &proposal::ProposalCompare,
        &proposal::ProposalTypes,
    ]
}

/// The algorithm with identifier `id`.
pub fn find(id: &str) -> Option<&'static dyn Algorithm> {
    registry().into_iter().find(|a| a.id() == id)
}

/// The list `yitu algorithms` prints: each algorithm with its parameters, kinds and defaults.
pub fn describe_all() -> String {
    let mut s = String::new();
    for a in registry() {
        let (zh, en) = a.name();
        s += &format!(
            "{}  {zh} / {en}  [{} / {}]\n",
            a.id(),
            a.group().0,
            a.group().1
        );
        s += &format!("    {}\n    {}\n", a.description().0, a.description().1);
        for p in a.parameters() {
            let kind = match &p.kind {
                ParamKind::InputFile { extensions } => format!("file ({})", extensions.join(", ")),
                ParamKind::Layer { role } => format!("layer: {}", role.label().1),
                ParamKind::Code { digits } => format!("{digits}-digit code"),
                ParamKind::Choice { values } => {
                    let v: Vec<&str> = values.iter().map(|(x, _, _)| *x).collect();
                    format!("one of {}", v.join("|"))
                }
                ParamKind::Flag => "flag".to_string(),
                ParamKind::Text => "text".to_string(),
                ParamKind::OutputFile { extensions } => {
                    format!("output ({})", extensions.join(", "))
                }
            };
            let name = if p.positional {
                format!("<{}>", p.name)
            } else {
                p.flag()
            };
            let mut tags = vec![kind];
            if p.required {
                tags.push("required".into());
            }
            if let Some(d) = p.default {
                tags.push(format!("default {d}"));
            }
            s += &format!(
                "    {name:<22} {} / {} — {}\n    {:<22} {}\n",
                p.label.0,
                p.label.1,
                tags.join(", "),
                "",
                p.help.1
            );
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_is_documented_and_named_once() {
        let mut ids = std::collections::BTreeSet::new();
        for a in registry() {
            assert!(ids.insert(a.id()), "{} registered twice", a.id());
            let ps = a.parameters();
            let mut names = std::collections::BTreeSet::new();
            for p in &ps {
                assert!(names.insert(p.name), "{}: {} twice", a.id(), p.name);
                assert!(!p.label.0.is_empty() && !p.label.1.is_empty(), "{}", p.name);
                assert!(!p.help.0.is_empty() && !p.help.1.is_empty(), "{}", p.name);
                if let (ParamKind::Choice { values }, Some(d)) = (&p.kind, p.default) {
                    assert!(values.iter().any(|(v, _, _)| *v == d), "{}", p.name);
                }
            }
            assert!(ps.iter().filter(|p| p.positional).count() <= 1);
        }
    }

    #[test]
    fn check_fills_defaults_and_refuses_bad_values() {
        let a = find("profile").unwrap();
        let p = a
            .check(&Params::new().with("file", "x.gpkg").with("all", "true"))
            .unwrap();
        assert_eq!(p.text("format"), Some("json"));
        for (name, value) in [
            ("village", "35032210420"),
            ("format", "docx"),
            ("colour", "red"),
        ] {
            let e = a
                .check(&Params::new().with("file", "x.gpkg").with(name, value))
                .unwrap_err();
            assert!(matches!(e, AlgorithmError::BadParameters(_)), "{name}: {e}");
        }
        let e = a.check(&Params::new()).unwrap_err();
        assert!(e.to_string().contains("is required"), "{e}");
    }
}
