//! The scope a cadre works in ("data cut down to each level"): the villages of a town, or one
//! village, as an area that any layer can be cut to. A feature is in scope when it lies at least
//! partly inside one of the scope's villages — a parcel sharing area with it, an enterprise
//! point inside it, a road crossing it. Parcels that only touch the scope's boundary from
//! outside (三调 parcels are split at village boundaries, so every neighbour touches it) are not.
//!
//! The app hides what is out of scope on the map and in the attribute table; the data package
//! ([`crate::core::output::package`]) writes only what is in scope.

use super::overlay::{par_map, Zones};
use super::profile::{analysis_crs_of, Scope, VILLAGE_CODE_FIELDS};
use crate::core::model::attrs::AttributeTable;
use crate::core::model::crs::{Crs, Transformer};
use crate::core::model::geom::{BBox, GeomKind, GeometryStore};
use crate::core::model::layer::VectorLayer;
use crate::core::model::progress::Progress;

/// The overlap (m² on the ground) that puts a polygon in scope (see [`ScopeArea::members`]).
pub const MIN_OVERLAP_M2: f64 = 1.0;

/// The column of a village layer holding the village code (ZLDWDM, CJDM, …), if any.
pub fn village_code_field(attrs: &AttributeTable) -> Option<usize> {
    VILLAGE_CODE_FIELDS
        .iter()
        .find_map(|n| attrs.field_index(n))
}

/// The column of a village layer holding the village name (ZLDWMC, CJMC, …), if any.
pub fn village_name_field(attrs: &AttributeTable) -> Option<usize> {
    super::profile::VILLAGE_NAME_FIELDS
        .iter()
        .find_map(|n| attrs.field_index(n))
}

/// The 12-digit village code of row `row` (the first 12 characters of the code field).
pub fn village_code(attrs: &AttributeTable, col: usize, row: usize) -> String {
    attrs
        .get(row, col)
        .to_string()
        .trim()
        .chars()
        .take(12)
        .collect()
}

/// The area of a scope: its villages' polygons, prepared for overlaying, in the projected CRS
/// the village files are computed in (the village layer's own, or its Gauss-Krüger zone). Web
/// Mercator would not do: it bends the straight edges of parcels and villages differently, and
/// a neighbour's parcel would seem to reach metres into the village.
pub struct ScopeArea {
    /// The scope.
    pub scope: Scope,
    /// The village features (of the village layer) in scope.
    pub villages: Vec<u32>,
    /// Their extent in Web Mercator (for the map; empty when the layer was read without its
    /// Web Mercator copy).
    pub display_bbox: BBox,
    crs: Crs,
    bbox: BBox,
    zones: Zones,
}

impl ScopeArea {
    /// The villages of `village_layer` in `scope`. `None` for the whole county (nothing to cut);
    /// an error when the layer has no code field or known CRS, or no village is in scope.
    pub fn new(village_layer: &VectorLayer, scope: &Scope) -> anyhow::Result<Option<ScopeArea>> {
        if *scope == Scope::County {
            return Ok(None);
        }
        let col = village_code_field(&village_layer.attrs).ok_or_else(|| {
            anyhow::anyhow!(
                "村界图层 {} 没有村代码字段（ZLDWDM 等）/ the village layer {} has no village code field (ZLDWDM…)",
                village_layer.name,
                village_layer.name
            )
        })?;
        // A village or town given by name: its code, from the layer's names.
        let attrs = &village_layer.attrs;
        let find = |names: &[&str]| names.iter().find_map(|n| attrs.field_index(n));
        let name_col = find(super::profile::VILLAGE_NAME_FIELDS);
        let town_col =
            find(&["XZMC", "乡镇", "乡镇名称", "XZQMC"]).filter(|c| Some(*c) != name_col);
        // (Names only: a code needs no lookup.)
        let named = match scope {
            Scope::Village(v) | Scope::Town(v) => !v.chars().all(|c| c.is_ascii_digit()),
            Scope::County => false,
        };
        let resolved = if named {
            let ids: Vec<(String, String, String)> = (0..village_layer.len())
                .map(|f| {
                    let text = |c: Option<usize>| {
                        c.map(|c| attrs.get(f, c).to_string().trim().to_string())
                            .unwrap_or_default()
                    };
                    (village_code(attrs, col, f), text(name_col), text(town_col))
                })
                .collect();
            scope
                .resolve(
                    ids.iter()
                        .map(|(c, n, t)| (c.as_str(), n.as_str(), t.as_str())),
                )
                .map_err(|e| anyhow::anyhow!(e))?
        } else {
            scope.clone()
        };
        let scope = &resolved;
        let mut outline = GeometryStore::new();
        let mut villages = Vec::new();
        let mut display_bbox = BBox::EMPTY;
        for f in 0..village_layer.len() {
            if scope.contains(&village_code(&village_layer.attrs, col, f)) {
                outline.extend_feature(&village_layer.geoms, f);
                if let Some(b) = village_layer.display.bboxes.get(f) {
                    display_bbox.union(b);
                }
                villages.push(f as u32);
            }
        }
        if villages.is_empty() {
            let code = match scope {
                Scope::Town(c) | Scope::Village(c) => c.as_str(),
                Scope::County => "",
            };
            anyhow::bail!("范围 {code} 内没有村 / no village in scope {code}");
        }
        let crs = analysis_crs_of(&village_layer.crs, &village_layer.geoms)?;
        to_crs(&mut outline, &village_layer.crs, &crs)?;
        super::repair::make_fit(&mut outline);
        Ok(Some(ScopeArea {
            scope: scope.clone(),
            villages,
            display_bbox,
            bbox: outline.extent(),
            zones: Zones::new(&outline),
            crs,
        }))
    }

    /// The scope's extent in longitude/latitude `[west, south, east, north]` (from the corners
    /// and edge midpoints of its projected extent), if PROJ can transform it.
    pub fn lonlat_bbox(&self) -> Option<[f64; 4]> {
        let b = &self.bbox;
        let (cx, cy) = b.center();
        let mut pts = [
            [b.min_x, b.min_y],
            [b.max_x, b.min_y],
            [b.max_x, b.max_y],
            [b.min_x, b.max_y],
            [cx, b.min_y],
            [cx, b.max_y],
            [b.min_x, cy],
            [b.max_x, cy],
        ];
        Transformer::to_lonlat(&self.crs)
            .ok()?
            .transform(&mut pts)
            .ok()?;
        let mut ll = BBox::EMPTY;
        for p in pts.iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
            ll.add(p[0], p[1]);
        }
        (!ll.is_empty()).then_some([ll.min_x, ll.min_y, ll.max_x, ll.max_y])
    }

    /// For every feature of `layer`: whether it is in scope. A polygon is in scope when it
    /// shares at least [`MIN_OVERLAP_M2`] with the scope, or half its area when it is smaller:
    /// boundaries digitised twice leave slivers of a few square millimetres along every edge,
    /// and a neighbour's parcel is not the village's. Runs on all cores.
    pub fn members(&self, layer: &VectorLayer, progress: &Progress) -> anyhow::Result<Vec<bool>> {
        Ok(self.members_noting(layer, progress)?.0)
    }

    /// [`ScopeArea::members`], and what repairing the layer's invalid polygons (on a copy: the
    /// layer is left as drawn) changed.
    pub fn members_noting(
        &self,
        layer: &VectorLayer,
        progress: &Progress,
    ) -> anyhow::Result<(Vec<bool>, super::repair::RepairStats)> {
        // A layer in the scope's CRS is used as it is (ring orientation changes no share), its
        // few invalid polygons repaired one by one beside it; a layer in another CRS is moved
        // and repaired as a copy.
        let same_crs = layer.crs.epsg.is_some() && layer.crs.epsg == self.crs.epsg;
        let copy;
        let (store, fixed, mut stats) = if same_crs {
            let g = &layer.geoms;
            let doubtful = par_map(g.len(), progress, |f| {
                g.kinds[f] == GeomKind::Polygon && !super::repair::is_surely_valid(g, f)
            })?;
            let mut fixed: std::collections::HashMap<usize, GeometryStore> = Default::default();
            let mut stats = super::repair::RepairStats::default();
            for (f, _) in doubtful.iter().enumerate().filter(|(_, d)| **d) {
                let mut one = GeometryStore::new();
                one.extend_feature(g, f);
                let st = super::repair::make_fit(&mut one);
                stats.repaired += st.repaired;
                stats.emptied += st.emptied;
                fixed.insert(f, one);
            }
            (g, fixed, stats)
        } else {
            let mut g = layer.geoms.clone();
            to_crs(&mut g, &layer.crs, &self.crs)?;
            let stats = super::repair::make_fit(&mut g);
            copy = g;
            (&copy, Default::default(), stats)
        };
        stats.reoriented = 0;
        let m = par_map(store.len(), progress, |f| {
            let (s, i) = match fixed.get(&f) {
                Some(one) => (one, 0),
                None => (store, f),
            };
            if !s.bboxes[i].intersects(&self.bbox) {
                return false;
            }
            if s.kinds[i] != GeomKind::Polygon {
                return self.zones.meets(s, i);
            }
            let share: f64 = self.zones.shares(s, i).iter().map(|x| x.1).sum();
            share >= 0.5 || (share > 0.0 && share * s.planar_area(i) >= MIN_OVERLAP_M2)
        })?;
        Ok((m, stats))
    }
}

/// Transforms `store` from `from` to `to` in place (bounding boxes recomputed). Errors: an unknown CRS, no
/// transformation between the two.
pub fn to_crs(store: &mut GeometryStore, from: &Crs, to: &Crs) -> anyhow::Result<()> {
    if from.epsg.is_some() && from.epsg == to.epsg {
        return Ok(());
    }
    anyhow::ensure!(
        !from.is_unknown(),
        "坐标系未知，无法按范围裁切 / unknown CRS: cannot be cut to the scope"
    );
    let t = Transformer::between(from, to).map_err(anyhow::Error::msg)?;
    t.transform(&mut store.coords).map_err(anyhow::Error::msg)?;
    store.recompute_bboxes();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::attrs::{Field, FieldType};

    fn square(store: &mut GeometryStore, x0: f64, y0: f64, s: f64) {
        store.push_square(x0, y0, s);
    }

    fn layer(geoms: GeometryStore, codes: &[&str]) -> VectorLayer {
        let n = geoms.len();
        let mut attrs = AttributeTable::new(vec![Field {
            name: "ZLDWDM".into(),
            ftype: FieldType::Text,
            source_type: "TEXT".into(),
        }]);
        let col = std::sync::Arc::make_mut(&mut attrs.columns[0]);
        for f in 0..n {
            match codes.get(f) {
                Some(c) => col.push_text(c),
                None => col.push_null(),
            }
        }
        let source = crate::core::model::layer::LayerSource {
            path: "test.gpkg".into(),
            layer: "t".into(),
        };
        let fids = (1..=n as i64).collect();
        VectorLayer::assemble(
            "t".into(),
            source,
            crate::core::model::crs::Crs::epsg(3857),
            fids,
            geoms,
            attrs,
            vec![],
            &Progress::new(),
        )
        .unwrap()
    }

    #[test]
    fn neighbours_touching_the_scope_are_out_and_straddlers_in() {
        // Two villages of town 350322101 side by side, a third in another town.
        let mut v = GeometryStore::new();
        square(&mut v, 0.0, 0.0, 10.0);
        square(&mut v, 10.0, 0.0, 10.0);
        square(&mut v, 20.0, 0.0, 10.0);
        let villages = layer(
            v,
            &[
                "3503221010010000000",
                "3503221010020000000",
                "3503221020010000000",
            ],
        );
        let town = ScopeArea::new(&villages, &Scope::Town("350322101".into()))
            .unwrap()
            .unwrap();
        assert_eq!(town.villages, vec![0, 1]);
        let one = ScopeArea::new(&villages, &Scope::Village("350322101001".into()))
            .unwrap()
            .unwrap();
        let mut p = GeometryStore::new();
        square(&mut p, 2.0, 2.0, 2.0); // inside village 1
        square(&mut p, 10.0, 2.0, 2.0); // in village 2, touching village 1's edge
        square(&mut p, 9.0, 5.0, 2.0); // straddles 1 and 2
        square(&mut p, 40.0, 40.0, 1.0); // far away
        p.push_coord(5.0, 5.0); // a point in village 1
        p.end_ring();
        p.end_part();
        p.end_feature(GeomKind::Point);
        let parcels = layer(p, &[]);
        let m = one.members(&parcels, &Progress::new()).unwrap();
        assert_eq!(m, vec![true, false, true, false, true]);
        let m = town.members(&parcels, &Progress::new()).unwrap();
        assert_eq!(m, vec![true, true, true, false, true]);
        assert!(ScopeArea::new(&villages, &Scope::County).unwrap().is_none());
        assert!(ScopeArea::new(&villages, &Scope::Town("999".into())).is_err());
    }
}
