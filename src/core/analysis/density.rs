//! Kernel density of points (where a chain's firms cluster): the quartic (biweight) kernel of Silverman (1986,
//! eq. 4.5), the kernel QGIS Heatmap and ArcGIS Kernel Density use,
//!
//! ```text
//! K(d) = 3 / (π r²) · (1 − (d/r)²)²   for d < r,   0 beyond,
//! ```
//!
//! which integrates to 1 over the disk of radius `r`, so the density Σ wᵢ K(dᵢ) integrates to the total weight.
//! Densities are given per km² (firms, or 万元 of output, per km²), at the centres of square cells in a projected CRS
//! in metres. Each point adds itself to the cells within its radius only.

use crate::core::model::geom::BBox;

/// A density grid: `rows × cols` cells of `cell` metres, row 0 at the top (`max_y`), values per km².
#[derive(Debug, Clone, PartialEq)]
pub struct DensityGrid {
    /// West edge, m.
    pub min_x: f64,
    /// North edge, m.
    pub max_y: f64,
    /// Cell size, m.
    pub cell: f64,
    /// Columns.
    pub cols: usize,
    /// Rows.
    pub rows: usize,
    /// Values per km², row after row from the top.
    pub values: Vec<f64>,
}

impl DensityGrid {
    /// The centre of cell (`row`, `col`), m.
    pub fn centre(&self, row: usize, col: usize) -> [f64; 2] {
        [
            self.min_x + (col as f64 + 0.5) * self.cell,
            self.max_y - (row as f64 + 0.5) * self.cell,
        ]
    }

    /// The integral of the density over the grid: Σ value × cell area (in the weight's unit).
    pub fn total(&self) -> f64 {
        let km2 = self.cell * self.cell / 1e6;
        self.values.iter().sum::<f64>() * km2
    }
}

/// The largest grid made: 4·10⁷ cells.
pub const MAX_CELLS: usize = 40_000_000;

/// The quartic kernel density of `points` (with `weights`, 1 each when empty) on a grid of `cell` metres over
/// `extent` grown by `radius`, per km². Errors: a cell or radius that is not a positive finite number, weights of
/// another length, a grid over [`MAX_CELLS`].
pub fn kernel_density(
    points: &[[f64; 2]],
    weights: &[f64],
    extent: BBox,
    cell: f64,
    radius: f64,
) -> Result<DensityGrid, String> {
    if !(cell.is_finite() && cell > 0.0 && radius.is_finite() && radius > 0.0) {
        return Err(format!(
            "像元 {cell} m 与半径 {radius} m 都须为正数 / the cell ({cell} m) and the radius ({radius} m) must be positive"
        ));
    }
    if !weights.is_empty() && weights.len() != points.len() {
        return Err("权重与点数不一致 / as many weights as points are needed".into());
    }
    let min_x = extent.min_x - radius;
    let max_y = extent.max_y + radius;
    let cols = ((extent.width() + 2.0 * radius) / cell).ceil().max(1.0) as usize;
    let rows = ((extent.height() + 2.0 * radius) / cell).ceil().max(1.0) as usize;
    if cols.saturating_mul(rows) > MAX_CELLS {
        return Err(format!(
            "栅格 {cols} × {rows} 太大（至多 {MAX_CELLS} 个像元）：请加大像元 / a {cols} × {rows} grid is too large (at most {MAX_CELLS} cells): use larger cells"
        ));
    }
    let mut values = vec![0.0f64; cols * rows];
    let r2 = radius * radius;
    // Per km²: 3 / (π r²) per m², times 10⁶.
    let k = 3.0 / (std::f64::consts::PI * r2) * 1e6;
    for (i, p) in points.iter().enumerate() {
        if !(p[0].is_finite() && p[1].is_finite()) {
            continue;
        }
        let w = weights.get(i).copied().unwrap_or(1.0);
        if w == 0.0 || !w.is_finite() {
            continue;
        }
        // Columns and rows whose centres may lie within the radius.
        let c0 = (((p[0] - radius - min_x) / cell - 0.5).floor().max(0.0)) as usize;
        let c1 = ((((p[0] + radius - min_x) / cell - 0.5).ceil()) as isize)
            .clamp(0, cols as isize - 1) as usize;
        let r0 = (((max_y - (p[1] + radius)) / cell - 0.5).floor().max(0.0)) as usize;
        let r1 = ((((max_y - (p[1] - radius)) / cell - 0.5).ceil()) as isize)
            .clamp(0, rows as isize - 1) as usize;
        for row in r0..=r1.min(rows - 1) {
            let cy = max_y - (row as f64 + 0.5) * cell;
            let dy2 = (cy - p[1]) * (cy - p[1]);
            if dy2 >= r2 {
                continue;
            }
            let base = row * cols;
            for col in c0..=c1.min(cols - 1) {
                let cx = min_x + (col as f64 + 0.5) * cell;
                let d2 = (cx - p[0]) * (cx - p[0]) + dy2;
                if d2 < r2 {
                    let t = 1.0 - d2 / r2;
                    values[base + col] += w * k * t * t;
                }
            }
        }
    }
    Ok(DensityGrid {
        min_x,
        max_y,
        cell,
        cols,
        rows,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bbox(a: f64, b: f64, c: f64, d: f64) -> BBox {
        BBox {
            min_x: a,
            min_y: b,
            max_x: c,
            max_y: d,
        }
    }

    #[test]
    fn the_density_integrates_to_the_total_weight() {
        let pts = [[1000.0, 2000.0], [1500.0, 2100.0], [1200.0, 2600.0]];
        let w = [1.0, 2.0, 3.5];
        let g = kernel_density(&pts, &w, bbox(1000.0, 2000.0, 1500.0, 2600.0), 5.0, 300.0).unwrap();
        assert!((g.total() - 6.5).abs() / 6.5 < 1e-3, "{}", g.total());
        // At a lone point's own cell centre the density is 3/(π r²) per m² (times its weight), when the point sits
        // at a centre.
        let g = kernel_density(&[[2.5, 2.5]], &[], bbox(2.5, 2.5, 2.5, 2.5), 5.0, 102.5).unwrap();
        let peak = g.values.iter().cloned().fold(0.0, f64::max);
        let want = 3.0 / (std::f64::consts::PI * 102.5 * 102.5) * 1e6;
        assert!((peak - want).abs() / want < 1e-12, "{peak} {want}");
    }

    #[test]
    fn bad_parameters_are_said() {
        let e = bbox(0.0, 0.0, 1.0, 1.0);
        assert!(kernel_density(&[], &[], e, 0.0, 10.0).is_err());
        assert!(kernel_density(&[], &[], e, 1.0, f64::NAN).is_err());
        assert!(kernel_density(&[[0.0, 0.0]], &[1.0, 2.0], e, 1.0, 10.0).is_err());
        assert!(kernel_density(&[], &[], bbox(0.0, 0.0, 1e7, 1e7), 1.0, 10.0).is_err());
    }
}
