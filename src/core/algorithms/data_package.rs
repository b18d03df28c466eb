//! The data package as an algorithm: a town's or village's scope exported as one GeoPackage for its cadres —
//! every layer cut to the scope (features copied whole and unchanged), the department tables of its villages, the
//! offline basemap over the scope and a description. The work is [`crate::core::output::package::package_file`].

use super::{cache_param, input_param, scope_of, scope_params};
use super::{Algorithm, AlgorithmError, Outcome, Param, ParamKind, Params};
use crate::core::analysis::roles::Role;
use crate::core::model::progress::Progress;

/// The data package (`yitu package`).
pub struct DataPackage;

impl Algorithm for DataPackage {
    fn id(&self) -> &'static str {
        "package"
    }

    fn name(&self) -> (&'static str, &'static str) {
        ("数据包", "Data package")
    }

    fn description(&self) -> (&'static str, &'static str) {
        (
            "把一个乡镇或村的范围导出为一个 GeoPackage 交给镇村干部：全部图层裁到范围（要素整体、属性不变）、各村的部门数据和说明",
            "Export a scope (a town or a village) as a GeoPackage data package for its cadres: every layer cut to the scope (features copied whole and unchanged), the department tables of its villages and a description of the package",
        )
    }

    fn group(&self) -> (&'static str, &'static str) {
        ("导出", "Exports")
    }

    fn parameters(&self) -> Vec<Param> {
        let mut ps = vec![input_param(("数据文件（GeoPackage…），或项目（.yitu）：此时包括它的图层和连接到村图层的部门数据",
                "The data file (GeoPackage, …), or a project (.yitu): then its layers and the department tables joined to its village layer",))];
        ps.extend(scope_params());
        ps.extend([
            Param {
                name: "out",
                label: ("输出 GeoPackage", "Output GeoPackage"),
                help: ("要写出的 GeoPackage", "The GeoPackage to write"),
                kind: ParamKind::OutputFile { extensions: &["gpkg"] },
                required: true,
                default: None,
                positional: false,
                advanced: false,
            },
            Param {
                name: "villages",
                label: Role::Villages.label(),
                help: (
                    "村界图层（默认：CJDCQ、村界等别名，或带村代码的面图层）",
                    "Village boundary layer (default: CJDCQ, an alias such as 村界, or a polygon layer with village codes)",
                ),
                kind: ParamKind::Layer { role: Role::Villages },
                required: false,
                default: None,
                positional: false,
                advanced: true,
            },
            Param {
                name: "basemap",
                label: ("底图包", "Basemap package"),
                help: (
                    "裁入数据包的离线底图（MBTiles，默认：项目的底图）",
                    "Offline basemap (MBTiles) to cut into the package (default: the project's)",
                ),
                kind: ParamKind::InputFile { extensions: &["mbtiles", "gpkg"] },
                required: false,
                default: None,
                positional: false,
                advanced: true,
            },
            cache_param(),
        ]);
        ps
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        let scope = scope_of(&params)?;
        let file = params.path("file").expect("checked: file is required");
        let out = params.path("out").expect("checked: out is required");
        let db = params
            .path("cache")
            .unwrap_or_else(crate::core::data::cache::Cache::default_path);
        let t = std::time::Instant::now();
        let s = crate::core::output::package::package_file(
            &file,
            params.text("villages").unwrap_or("CJDCQ"),
            &scope,
            &db,
            params.path("basemap").as_deref(),
            &out,
            progress,
        )
        .map_err(|e| AlgorithmError::Failed(format!("{e:#}")))?;
        progress.note(format!("{:.2} 秒 / s", t.elapsed().as_secs_f64()));
        let mut o = Outcome {
            summary: s.text(),
            notes: progress.notes(),
            ..Default::default()
        };
        o.counts.insert("villages".into(), s.villages as f64);
        o.counts.insert("layers".into(), s.layers.len() as f64);
        o.counts.insert("tables".into(), s.tables.len() as f64);
        o.counts
            .insert("basemap_tiles".into(), s.basemap_tiles as f64);
        o.files.push(s.path);
        Ok(o)
    }
}
