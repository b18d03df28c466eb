//! The attribute export as an algorithm (`yitu attributes`): one layer's attribute table — of a data file, or of a
//! project with its joined department data and its field aliases — written as CSV, XLSX or JSON with bilingual
//! headers ([`crate::core::output::attributes`]). The app's attribute table exports through the same writer.

use super::{cache_param, input_param, optional_param};
use super::{Algorithm, AlgorithmError, Outcome, Param, ParamKind, Params};
use crate::core::model::fields::UserAliases;
use crate::core::model::progress::Progress;
use crate::core::output::attributes::{Export, Headers};

/// The attribute export (`yitu attributes`).
pub struct AttributeExport;

impl Algorithm for AttributeExport {
    fn id(&self) -> &'static str {
        "attributes"
    }

    fn name(&self) -> (&'static str, &'static str) {
        ("导出属性表", "Export attributes")
    }

    fn description(&self) -> (&'static str, &'static str) {
        (
            "把一个图层的属性表导出为 CSV、XLSX 或 JSON，表头为字段中文名（或别名）加代码和单位；项目的图层带上连接的部门数据和字段别名",
            "Export one layer's attribute table as CSV, XLSX or JSON, headed by the fields' Chinese names (or aliases) with their codes and units; a project's layer comes with its joined department data and field aliases",
        )
    }

    fn group(&self) -> (&'static str, &'static str) {
        ("导出", "Exports")
    }

    fn parameters(&self) -> Vec<Param> {
        vec![
            input_param((
                "数据文件（GeoPackage、Shapefile…），或项目（.yitu）：此时用项目的图层、连接和字段别名",
                "The data file (GeoPackage, Shapefile, …), or a project (.yitu): then the project's layers, joins and field aliases",
            )),
            optional_param(
                "layer",
                ("图层", "Layer"),
                (
                    "要导出的图层：项目中的图层名（如 地类图斑）或文件中的图层名（如 DLTB）；文件只有一个图层时可省略",
                    "The layer to export: its name in the project (e.g. 地类图斑) or in the file (e.g. DLTB); may be left out when the file has one layer",
                ),
                ParamKind::Text,
                None,
                false,
            ),
            optional_param(
                "headers",
                ("表头", "Headers"),
                (
                    "表头写法：中文名（代码，单位）、英文名（代码，单位），或仅字段代码（供其他程序读回）",
                    "How columns are headed: Chinese name (code, unit), English name (code, unit), or the field codes only (for a program that reads the file back)",
                ),
                ParamKind::Choice {
                    values: Headers::CHOICES,
                },
                Some("bilingual"),
                false,
            ),
            Param {
                name: "out",
                label: ("输出文件", "Output file"),
                help: (
                    "要写出的 .xlsx、.csv（UTF-8）或 .json",
                    "The .xlsx, .csv (UTF-8) or .json to write",
                ),
                kind: ParamKind::OutputFile {
                    extensions: &["xlsx", "csv", "json"],
                },
                required: true,
                default: None,
                positional: false,
                advanced: false,
            },
            cache_param(),
        ]
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        super::check_inputs_not_overwritten(&params, &["file"])?;
        let file = params.path("file").expect("checked: file is required");
        let out = params.path("out").expect("checked: out is required");
        let headers = Headers::parse(params.text("headers").unwrap_or("bilingual"))
            .expect("checked: a choice");
        if !["xlsx", "csv", "json"].contains(&super::out_extension(&params).as_str()) {
            return Err(AlgorithmError::BadParameters(format!(
                "{}：导出为 .xlsx、.csv 或 .json / export to .xlsx, .csv or .json",
                out.display()
            )));
        }
        let (name, attrs, fids, aliases) = read(&file, params.text("layer"), &params, progress)?;
        let rows: Vec<u32> = (0..attrs.len().max(fids.len()) as u32).collect();
        let w = Export {
            attrs: &attrs,
            fids: Some(&fids),
            rows: &rows,
            aliases: &aliases,
            headers,
            title: &name,
        }
        .write(&out, progress)
        .map_err(AlgorithmError::Failed)?;
        for n in &w.notes {
            progress.note(n.clone());
        }
        let mut o = Outcome {
            summary: format!(
                "{name}：{} 行 × {} 列 / rows × columns → {}",
                w.rows,
                w.columns,
                out.display()
            ),
            notes: progress.notes(),
            ..Default::default()
        };
        o.counts.insert("rows".into(), w.rows as f64);
        o.counts.insert("columns".into(), w.columns as f64);
        o.files.push(out);
        Ok(o)
    }
}

/// The attributes, feature ids and warnings of layer `layer` of `path`. A GeoPackage is read by YiTu's own reader
/// without the drawing copy and index (about half the memory of a layer loaded for the map); other formats, and
/// GeoPackages that need GDAL, through [`crate::core::io::read::load_layer`].
fn read_attributes(
    path: &std::path::Path,
    layer: &str,
    progress: &Progress,
) -> Result<
    (
        crate::core::model::attrs::AttributeTable,
        Vec<i64>,
        Vec<String>,
    ),
    AlgorithmError,
> {
    use crate::core::model::error::YituError;
    let failed = |e: YituError| AlgorithmError::Failed(e.to_string());
    if crate::core::io::read::is_geopackage(path) {
        let opts = crate::core::io::gpkg::ReadOptions {
            fields: None,
            filter: None,
            display: false,
        };
        match crate::core::io::gpkg::read(path, Some(layer), &opts, progress) {
            Ok(r) => return Ok((r.attrs, r.fids, r.warnings)),
            Err(YituError::NeedsGdal(_)) => {}
            Err(e) => return Err(failed(e)),
        }
    }
    let v = crate::core::io::read::load_layer(path, Some(layer), progress).map_err(failed)?;
    Ok((v.attrs, v.fids, v.warnings))
}

/// The layer `layer` of `file` (a project or a data file): its name, its attributes (with a project's joins), its
/// feature ids and its field aliases.
fn read(
    file: &std::path::Path,
    layer: Option<&str>,
    params: &Params,
    progress: &Progress,
) -> Result<
    (
        String,
        crate::core::model::attrs::AttributeTable,
        Vec<i64>,
        UserAliases,
    ),
    AlgorithmError,
> {
    use crate::core::io::read::inspect;
    let failed = |e: String| AlgorithmError::Failed(e);
    let is_project = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yitu"));
    if !is_project {
        let info = inspect(file).map_err(|e| failed(e.to_string()))?;
        let names: Vec<&str> = info.layers.iter().map(|l| l.name.as_str()).collect();
        if names.is_empty() {
            return Err(failed(format!(
                "{}：文件中没有图层 / the file holds no layer",
                file.display()
            )));
        }
        let name = match layer {
            Some(l) => names
                .iter()
                .find(|n| n.eq_ignore_ascii_case(l.trim()))
                .map(|n| n.to_string())
                .ok_or_else(|| {
                    AlgorithmError::BadParameters(format!(
                        "{} 中没有图层 {l}，有：{} / no layer {l}; the layers are: {}",
                        file.display(),
                        names.join("、"),
                        names.join(", ")
                    ))
                })?,
            None if names.len() == 1 => names[0].to_string(),
            None => {
                return Err(AlgorithmError::BadParameters(format!(
                    "{} 有多个图层，请用 --layer 选一个：{} / several layers, choose one with --layer: {}",
                    file.display(),
                    names.join("、"),
                    names.join(", ")
                )))
            }
        };
        let (attrs, fids, warnings) = read_attributes(file, &name, progress)?;
        for w in &warnings {
            progress.note(format!("注意 / note: {w}"));
        }
        return Ok((name, attrs, fids, UserAliases::new()));
    }
    let p = crate::core::io::project::Project::load(file).map_err(failed)?;
    let names: Vec<String> = p
        .layers
        .iter()
        .map(|l| format!("{}（{}）", l.name, l.layer))
        .collect();
    let wanted = layer.map(str::trim);
    let l = match wanted {
        Some(w) => p
            .layers
            .iter()
            .find(|l| l.name == w)
            .or_else(|| p.layers.iter().find(|l| l.layer.eq_ignore_ascii_case(w))),
        None if p.layers.len() == 1 => p.layers.first(),
        None => None,
    }
    .ok_or_else(|| {
        AlgorithmError::BadParameters(format!(
            "{}{}，请用 --layer 选一个：{} / {}: choose one with --layer: {}",
            file.display(),
            match wanted {
                Some(w) => format!(" 中没有图层 {w}"),
                None => " 有多个图层".to_string(),
            },
            names.join("、"),
            match wanted {
                Some(w) => format!("no layer {w}"),
                None => "several layers".to_string(),
            },
            names.join(", ")
        ))
    })?;
    let (mut attrs, fids, warnings) = read_attributes(&l.path, &l.layer, progress)?;
    for w in &warnings {
        progress.note(format!("注意 / note: {w}"));
    }
    if !l.joins.is_empty() {
        // The project's department data, as the app shows it: imported from the project's files when the cache
        // lacks them; a join that cannot be made is said and the rest exported.
        let db = params
            .path("cache")
            .unwrap_or_else(crate::core::data::cache::Cache::default_path);
        let mut cache = crate::core::data::cache::Cache::open(&db)
            .map_err(|e| failed(format!("{}: {e}", db.display())))?;
        for m in cache.ensure(&p.datasets, progress) {
            progress.note(m);
        }
        let mut results = vec![];
        for spec in &l.joins {
            let r = cache
                .load_table(&spec.dataset, None)
                .map_err(|e| e.to_string())
                .and_then(|t| {
                    crate::core::data::join::join(&attrs, &t.attrs, spec).map_err(|e| e.to_string())
                });
            match r {
                Ok(r) => results.push(r),
                Err(e) => progress.note(format!("未连接 / not joined: {}: {e}", spec.dataset)),
            }
        }
        attrs = crate::core::data::join::with_joins(&attrs, &results);
    }
    Ok((l.name.clone(), attrs, fids, l.style.field_aliases.clone()))
}
