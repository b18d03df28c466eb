//! Map series (QGIS atlas, ArcGIS map series): one page of a layout per feature of a coverage layer, the map
//! frames zoomed to the feature with 5 % of air and the feature outlined, the page named from a field. Written
//! as one PDF of all pages, or as one PDF, SVG or PNG per feature in a folder. Pages are recorded on all cores and
//! written in order; a failed, cancelled or interrupted series leaves nothing behind (the bound PDF is written
//! atomically at the end, the files of a folder series are renamed into place together at the end).

use super::draw::{draw_layout, MapData};
use super::record::Recording;
use super::{Layout, Variables};
use crate::core::model::geom::BBox;
use crate::core::model::progress::Progress;
use std::path::{Path, PathBuf};

/// Fields a page's name is taken from when none is given, in order.
pub const NAME_FIELDS: [&str; 8] = [
    "ZLDWMC", "CJMC", "XZQMC", "XZMC", "MC", "NAME", "name", "名称",
];
/// Fields a feature's division code is read from (to keep the features of one town).
pub const CODE_FIELDS: [&str; 5] = ["ZLDWDM", "CJDM", "XZQDM", "XZDM", "DM"];
/// The most pages one series makes.
pub const MAX_PAGES: usize = 5000;

/// One page of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPage {
    /// The feature of the coverage layer.
    pub feature: usize,
    /// Its name (from the name field; `第 N 页` where empty).
    pub name: String,
    /// The ground extent shown, in the print CRS.
    pub extent: BBox,
}

/// The pages of a series over coverage layer `layer` of `data` (its name in the project, or its source layer's
/// name), named from `name_field` (default: the first of [`NAME_FIELDS`] it has), keeping only features whose
/// division code ([`CODE_FIELDS`]) starts with `code_prefix` when given. Returns the layer's index and the pages in
/// feature order. Errors: no such layer or field, no feature left, more than [`MAX_PAGES`].
pub fn series_pages(
    data: &MapData,
    layer: &str,
    name_field: Option<&str>,
    code_prefix: Option<&str>,
) -> Result<(usize, Vec<SeriesPage>), String> {
    let li = data
        .layers
        .iter()
        .position(|l| l.name == layer || l.layer.source.layer.eq_ignore_ascii_case(layer))
        .ok_or_else(|| {
            let names: Vec<&str> = data.layers.iter().map(|l| l.name.as_str()).collect();
            format!(
                "没有覆盖图层 {layer}；可用：{} / no coverage layer {layer}; there are: {}",
                names.join("、"),
                names.join(", ")
            )
        })?;
    let l = &data.layers[li];
    let attrs = &l.layer.attrs;
    let name_col = match name_field {
        Some(f) => Some(attrs.field_index(f).ok_or_else(|| {
            format!(
                "图层 {} 没有字段 {f} / layer {} has no field {f}",
                l.name, l.name
            )
        })?),
        None => NAME_FIELDS.iter().find_map(|f| attrs.field_index(f)),
    };
    let code_col = match code_prefix {
        Some(_) => Some(
            CODE_FIELDS
                .iter()
                .find_map(|f| attrs.field_index(f))
                .ok_or_else(|| {
                    format!(
                        "图层 {} 没有行政区代码字段（{}），不能按乡镇选取 / layer {} has no division code field ({}) to keep one town's features",
                        l.name,
                        CODE_FIELDS.join("、"),
                        l.name,
                        CODE_FIELDS.join(", ")
                    )
                })?,
        ),
        None => None,
    };
    let mut pages = vec![];
    for f in 0..l.print.len() {
        if let (Some(c), Some(p)) = (code_col, code_prefix) {
            if !attrs.get(f, c).to_string().starts_with(p) {
                continue;
            }
        }
        let bb = l.print.bboxes[f];
        if bb.is_empty() || !(bb.min_x.is_finite() && bb.max_y.is_finite()) {
            continue;
        }
        let pad = bb.width().max(bb.height()).max(1.0) * 0.05;
        let name = name_col
            .map(|c| attrs.get(f, c).to_string().trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("第 {} 页", pages.len() + 1));
        pages.push(SeriesPage {
            feature: f,
            name,
            extent: BBox {
                min_x: bb.min_x - pad,
                min_y: bb.min_y - pad,
                max_x: bb.max_x + pad,
                max_y: bb.max_y + pad,
            },
        });
        if pages.len() > MAX_PAGES {
            return Err(format!(
                "图集超过 {MAX_PAGES} 页：请用 --town 只取一个乡镇，或换一个覆盖图层 / the series would exceed {MAX_PAGES} pages: keep one town (--town) or use another coverage layer"
            ));
        }
    }
    if pages.is_empty() {
        return Err(format!(
            "覆盖图层 {} 中没有可出图的要素 / no feature of coverage layer {} to map",
            l.name, l.name
        ));
    }
    Ok((li, pages))
}

/// The data and variables of one page: the maps zoomed to the page's feature and outlining it, `{name}` in the
/// title replaced by the page's name.
pub fn page_data(
    data: &MapData,
    layer: usize,
    page: &SeriesPage,
    vars: &Variables,
) -> (MapData, Variables) {
    let mut d = data.clone();
    d.extent = page.extent;
    d.highlight = Some((layer, page.feature));
    let mut v = vars.clone();
    v.title = if v.title.contains("{name}") {
        v.title.replace("{name}", &page.name)
    } else if v.title.is_empty() {
        page.name.clone()
    } else {
        format!("{} · {}", v.title, page.name)
    };
    (d, v)
}

/// How a series is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesFormat {
    /// One vector PDF per page (in a folder).
    Pdf,
    /// One SVG per page.
    Svg,
    /// One PNG per page at this dpi.
    Png(u32),
}

/// Records the pages of one batch on all cores.
fn record(
    layout: &Layout,
    data: &MapData,
    layer: usize,
    pages: &[SeriesPage],
    vars: &Variables,
) -> Vec<Recording> {
    std::thread::scope(|s| {
        let jobs: Vec<_> = pages
            .iter()
            .map(|p| {
                s.spawn(move || {
                    let (d, v) = page_data(data, layer, p, vars);
                    let mut r = Recording::new(150.0);
                    draw_layout(layout, &d, &v, &mut r);
                    r
                })
            })
            .collect();
        jobs.into_iter()
            .map(|j| j.join().expect("page recorder"))
            .collect()
    })
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(1)
}

/// Writes every page of the series into one PDF at `out` (atomically). Returns the number of pages.
pub fn write_series_pdf(
    layout: &Layout,
    data: &MapData,
    layer: usize,
    pages: &[SeriesPage],
    vars: &Variables,
    out: &Path,
    progress: &Progress,
) -> Result<usize, String> {
    let target = crate::core::io::files::AtomicFile::create(out)?;
    let mut doc = super::pdf::PdfDocument::new(if vars.title.is_empty() {
        &layout.name
    } else {
        &vars.title
    })?;
    progress.stage("图集 / map series", pages.len() as u64);
    let mut done = 0;
    for batch in pages.chunks(threads() * 4) {
        progress
            .check()
            .map_err(|_| "已取消 / cancelled".to_string())?;
        for r in record(layout, data, layer, batch, vars) {
            doc.page(layout.page.size_mm(), |c| r.replay(c))?;
        }
        done += batch.len();
        progress
            .set(done as u64)
            .map_err(|_| "已取消 / cancelled".to_string())?;
    }
    target.finish(doc.finish()?)?;
    Ok(pages.len())
}

/// A file name for `name` ([`crate::core::io::files::safe_file_stem`], at most 150 bytes), unique in `taken`
/// (ignoring case).
fn file_name(name: &str, ext: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let clean =
        crate::core::io::files::safe_file_stem(name, 150).unwrap_or_else(|| "page".to_string());
    let mut n = 1;
    loop {
        let f = if n == 1 {
            format!("{clean}.{ext}")
        } else {
            format!("{clean}_{n}.{ext}")
        };
        if taken.insert(f.to_lowercase()) {
            return f;
        }
        n += 1;
    }
}

/// The bytes of one page in `format`.
fn page_bytes(
    layout: &Layout,
    d: &MapData,
    v: &Variables,
    format: SeriesFormat,
) -> Result<Vec<u8>, String> {
    match format {
        SeriesFormat::Pdf => super::pdf::layout_pdf(layout, d, v).map(|(b, _)| b),
        SeriesFormat::Svg => Ok(super::svg::layout_svg(layout, d, v).0.into_bytes()),
        SeriesFormat::Png(dpi) => {
            let (pm, _) = super::png::layout_pixmap(layout, d, v, dpi as f32)?;
            pm.encode_png()
                .map_err(|e| format!("PNG 编码失败 / PNG encoding failed: {e}"))
        }
    }
}

/// Writes one file per page into folder `dir` (created), named from the pages' names: all or nothing (see
/// [`crate::core::io::files::FileSet`]). Returns the files.
pub fn write_series_files(
    layout: &Layout,
    data: &MapData,
    layer: usize,
    pages: &[SeriesPage],
    vars: &Variables,
    format: SeriesFormat,
    dir: &Path,
    progress: &Progress,
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| crate::core::io::files::write_error(dir, &e))?;
    let ext = match format {
        SeriesFormat::Pdf => "pdf",
        SeriesFormat::Svg => "svg",
        SeriesFormat::Png(_) => "png",
    };
    let mut taken = std::collections::HashSet::new();
    let names: Vec<PathBuf> = pages
        .iter()
        .map(|p| dir.join(file_name(&p.name, ext, &mut taken)))
        .collect();
    progress.stage("图集 / map series", pages.len() as u64);
    // Every page to a temporary beside its target; all renamed into place at the end, so a failed, cancelled or
    // interrupted series leaves none of its pages and the files of an earlier run stay as they were.
    let set = crate::core::io::files::FileSet::new();
    let mut done = 0;
    for (batch, paths) in pages.chunks(threads()).zip(names.chunks(threads())) {
        progress
            .check()
            .map_err(|_| "已取消 / cancelled".to_string())?;
        let results: Vec<Result<(), String>> = std::thread::scope(|s| {
            let jobs: Vec<_> = batch
                .iter()
                .zip(paths)
                .map(|(p, path)| {
                    let set = &set;
                    s.spawn(move || {
                        let (d, v) = page_data(data, layer, p, vars);
                        set.write(path, page_bytes(layout, &d, &v, format)?)
                    })
                })
                .collect();
            jobs.into_iter()
                .map(|j| j.join().expect("page writer"))
                .collect()
        });
        for r in results {
            r?;
        }
        done += batch.len();
        progress
            .set(done as u64)
            .map_err(|_| "已取消 / cancelled".to_string())?;
    }
    set.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_clean_and_unique() {
        let mut t = std::collections::HashSet::new();
        assert_eq!(file_name("城关/镇", "pdf", &mut t), "城关_镇.pdf");
        assert_eq!(file_name("城关/镇", "pdf", &mut t), "城关_镇_2.pdf");
        assert_eq!(file_name(" .. ", "pdf", &mut t), "page.pdf");
        assert_eq!(file_name("CON", "pdf", &mut t), "_CON.pdf");
        assert_eq!(file_name("A", "png", &mut t), "A.png");
        assert_eq!(file_name("a", "png", &mut t), "a_2.png");
    }
}
