//! 界址点 coordinate lists: the point-number / X / Y tables land offices hand out for a site, read and
//! written.
//!
//! Read (TXT, CSV, XLSX; UTF-8 or GBK):
//! - `J1,X,Y` and `点号 X Y` rows (comma, Chinese comma, tab, semicolon or spaces), with or without a header;
//! - `点号,圈号,X,Y` rows, and the Ministry's submission layout (建设用地报批坐标格式: `[属性描述]` lines, then a
//!   `[地块坐标]` section where a line ending in `@` starts each 地块 and its rings follow by 圈号);
//! - several rings: a new 圈号, or a point repeating the ring's first point, closes a ring; a ring inside another
//!   ring of the same 地块 is its hole, any other ring a part of its own.
//!
//! Coordinates are CGCS2000 3-degree Gauss-Krüger as Chinese surveying writes them: **X is the northing, Y the
//! easting**. Y may carry the zone number in front (40 512 345.678: zone 40, EPSG:4528) or not (512 345.678:
//! the CRS must say which central meridian, EPSG:4534–4554, or a zone CRS the zone is added from). Columns
//! given the other way round (easting first) are found from the values' sizes (a northing in China is 2–6·10⁶ m,
//! an easting 1–9·10⁵ m or 25–45·10⁶ with the zone) and swapped, with a note. Latitude/longitude lists (degrees)
//! are read as EPSG:4490.
//!
//! Written: the Ministry's layout above, UTF-8, X northing and Y easting in metres to 3 decimals (mm), each ring
//! closed by repeating its first point, so [`read`] gives the same shape back.

use crate::core::model::geom::{GeomKind, GeometryStore};
use std::path::Path;

/// One 地块 of a coordinate list: a name and its rings of named points, `[easting, northing]` in the list's CRS
/// (for EPSG:4490, `[longitude, latitude]`).
#[derive(Debug, Clone, PartialEq)]
pub struct CoordParcel {
    /// The 地块's name (from the `@` line), or empty.
    pub name: String,
    /// The rings in the order read, each closed (first point repeated last).
    pub rings: Vec<Vec<(String, [f64; 2])>>,
}

/// A coordinate list read: its 地块, its CRS and what was found on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct CoordList {
    /// The 地块 (at least one).
    pub parcels: Vec<CoordParcel>,
    /// EPSG code of the coordinates as stored in `parcels`.
    pub epsg: u32,
    /// What was found and done (columns swapped, zone added, rings closed), Chinese / English.
    pub notes: Vec<String>,
}

/// EPSG code of the CGCS2000 3-degree zone `zone` with the zone number in the false easting (4513–4533).
pub fn zone_epsg(zone: u32) -> Option<u32> {
    (25..=45).contains(&zone).then(|| 4513 + zone - 25)
}

/// The zone number of a CGCS2000 3-degree CRS, whichever of its two EPSG forms (4513–4533 with the zone in the
/// easting, 4534–4554 without), and whether the easting carries it.
pub fn zone_of_epsg(epsg: u32) -> Option<(u32, bool)> {
    match epsg {
        4513..=4533 => Some((epsg - 4513 + 25, true)),
        4534..=4554 => Some((epsg - 4534 + 25, false)),
        _ => None,
    }
}

fn number(s: &str) -> Option<f64> {
    let t: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '－' => '-',
            c => c,
        })
        .filter(|c| *c != ' ')
        .collect();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Splits a text line into fields (comma, Chinese comma, tab, semicolon, or runs of spaces).
fn split_line(line: &str) -> Vec<String> {
    let line = line.trim().trim_start_matches('\u{feff}');
    let seps: &[char] = &[',', '，', '\t', ';', '；'];
    let fields: Vec<String> = if line.contains(seps) {
        line.split(seps).map(|s| s.trim().to_string()).collect()
    } else {
        line.split_whitespace().map(str::to_string).collect()
    };
    fields
}

/// Reads a coordinate list from a file (TXT/CSV/DAT as text in UTF-8 or GBK; XLSX/XLS: the first sheet that holds
/// one). `declared` is the CRS the user gives, `fallback` the project's (EPSG); see [`parse`].
pub fn read(
    path: &Path,
    declared: Option<u32>,
    fallback: Option<u32>,
) -> Result<CoordList, String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    let rows: Vec<Vec<String>> = if matches!(ext.as_str(), "xlsx" | "xls" | "xlsm" | "ods") {
        use crate::core::io::table_import::{for_each_row, ImportOptions};
        let sheet_rows =
            |sheet: Option<String>| -> Result<(Vec<Vec<String>>, Vec<String>), String> {
                let mut rows = Vec::new();
                let info = for_each_row(
                    path,
                    &ImportOptions {
                        sheet,
                        ..Default::default()
                    },
                    |r| {
                        rows.push(r);
                        true
                    },
                )
                .map_err(|e| e.to_string())?;
                Ok((rows, info.sheets))
            };
        let (rows, sheets) = sheet_rows(None)?;
        let first = parse(&rows, declared, fallback);
        if first.is_ok() || sheets.len() < 2 {
            return first;
        }
        // The points may be on another sheet.
        for name in sheets.iter().skip(1) {
            let (rows, _) = sheet_rows(Some(name.clone()))?;
            if let Ok(mut l) = parse(&rows, declared, fallback) {
                l.notes.push(format!(
                    "界址点取自工作表“{name}” / boundary points read from sheet “{name}”"
                ));
                return Ok(l);
            }
        }
        return Err(format!(
            "{}（已查看工作表 / sheets looked at: {}）",
            first.expect_err("failed"),
            sheets.join("、")
        ));
    } else {
        let bytes = std::fs::read(path).map_err(|e| {
            format!(
                "无法读取坐标文件 / cannot read the coordinate file {}: {e}",
                path.display()
            )
        })?;
        let enc = crate::core::io::table_import::detect_encoding(&bytes);
        let (text, _, _) = enc.decode(&bytes);
        text.lines().map(split_line).collect()
    };
    parse(&rows, declared, fallback)
}

/// Parses the rows of a coordinate list (see the module's description). The CRS is, in order: `declared` (the
/// user's), the file's own (`EPSG=` or `带号=` in the Ministry's `[属性描述]`), `fallback` (the project's); it is used
/// where the values do not say their zone, and a zone in the values must agree with it. Errors: no coordinate
/// rows, columns that are neither northing nor easting, a contradicting zone, a declared CRS that is not a
/// CGCS2000 3-degree zone over projected values, a ring of fewer than 3 points.
pub fn parse(
    rows: &[Vec<String>],
    declared: Option<u32>,
    fallback: Option<u32>,
) -> Result<CoordList, String> {
    // (地块, 圈号 or None, point name, a, b) with a, b the two coordinates in the order written.
    struct Pt {
        parcel: usize,
        ring: Option<i64>,
        name: String,
        a: f64,
        b: f64,
    }
    let mut pts: Vec<Pt> = Vec::new();
    let mut names: Vec<String> = vec![String::new()];
    let mut started = false;
    let mut header_swapped = false;
    // From a header: the columns of the point's name and of the ring number.
    let mut header: Option<(Option<usize>, Option<usize>)> = None;
    let mut auto = 0usize;
    let (mut file_epsg, mut file_zone): (Option<u32>, Option<u32>) = (None, None);
    for row in rows {
        let row: Vec<&str> = row.iter().map(|s| s.trim()).collect();
        let row: Vec<&str> = {
            let mut r = row;
            while r.last() == Some(&"") {
                r.pop();
            }
            r
        };
        if row.is_empty() || row[0].starts_with('[') {
            continue;
        }
        if let Some(kv) = row.iter().find(|c| c.contains('=')) {
            // The Ministry's [属性描述]: EPSG=4528, 带号=40.
            let (k, v) = kv.split_once('=').expect("has =");
            let v = v.trim().parse::<u32>().ok();
            match k.trim() {
                "EPSG" => file_epsg = v.or(file_epsg),
                "带号" => file_zone = v,
                _ => {}
            }
            continue;
        }
        if row.last() == Some(&"@") {
            // A new 地块: 界址点数,面积,编号,名称,…,@
            if started || pts.iter().any(|p| p.parcel == names.len() - 1) {
                names.push(String::new());
            }
            let last = names.len() - 1;
            names[last] = row.get(3).or(row.get(2)).unwrap_or(&"").to_string();
            started = true;
            continue;
        }
        let nums: Vec<Option<f64>> = row.iter().map(|c| number(c)).collect();
        let count = nums.iter().filter(|n| n.is_some()).count();
        if count < 2 {
            // A header: which column comes first, X (北) or Y (东)? Which holds the point's name, the ring?
            let pos = |keys: &[&str]| {
                row.iter().position(|c| {
                    let c = c.to_uppercase();
                    keys.iter().any(|k| c == *k || c.starts_with(k))
                })
            };
            if let (Some(x), Some(y)) = (
                pos(&["X", "北", "N坐标", "纵"]),
                pos(&["Y", "东", "E坐标", "横"]),
            ) {
                header_swapped = y < x;
                header = Some((
                    pos(&["点号", "点名", "界址点号", "界址点", "POINT", "NAME", "ID"]),
                    pos(&["圈号", "环号", "圈", "RING", "PART"]),
                ));
            }
            continue;
        }
        let parcel = names.len() - 1;
        // The coordinates are the last two numbers of the row.
        let numeric: Vec<usize> = (0..row.len()).filter(|&i| nums[i].is_some()).collect();
        let (ia, ib) = (numeric[numeric.len() - 2], numeric[numeric.len() - 1]);
        let (a, b) = (nums[ia].expect("numeric"), nums[ib].expect("numeric"));
        let integer = |i: usize| nums[i].is_some_and(|r| r.fract() == 0.0 && r.abs() < 1e4);
        let (name_col, ring_col) = match header {
            // A header names the columns.
            Some((n, r)) => (n.filter(|&n| n < ia), r.filter(|&r| r < ia && integer(r))),
            // Without one: `J1,X,Y`, `J1,圈号,X,Y` (the ring right before X, after the name), `X,Y`.
            None => {
                let ring = (ia >= 2 && integer(ia - 1) && ia - 1 != 0).then(|| ia - 1);
                let name = (0..ia)
                    .find(|&i| nums[i].is_none())
                    .or((ia > 0).then_some(0));
                (name, ring.filter(|r| Some(*r) != name))
            }
        };
        let name = match name_col.map(|c| row[c].trim()).filter(|n| !n.is_empty()) {
            Some(n) => n.to_string(),
            None => {
                auto += 1;
                format!("J{auto}")
            }
        };
        let ring = ring_col.and_then(|c| nums[c]).map(|r| r as i64);
        pts.push(Pt {
            parcel,
            ring,
            name,
            a,
            b,
        });
    }
    if pts.len() < 3 {
        return Err(
            "坐标文件中没有足够的界址点（至少 3 个点号、X、Y 行）/ the coordinate file has too few boundary points (at least 3 rows of point, X, Y)"
                .into(),
        );
    }
    let mut notes = Vec::new();
    // The CRS: the user's, else the file's, else the project's.
    let from_file = file_epsg.or(file_zone.and_then(zone_epsg));
    let declared = match (declared, from_file) {
        (Some(d), _) => Some(d),
        (None, Some(f)) => {
            notes.push(format!(
                "按文件声明的坐标系 EPSG:{f} 读取 / read in the CRS the file declares, EPSG:{f}"
            ));
            Some(f)
        }
        (None, None) => fallback,
    };
    let by_project = declared.is_some() && declared == fallback && from_file.is_none();
    // Which column is the northing: the values decide (the header only when they cannot).
    let median = |f: &dyn Fn(&Pt) -> f64| {
        let mut v: Vec<f64> = pts.iter().map(f).collect();
        v.sort_by(|x, y| x.total_cmp(y));
        v[v.len() / 2]
    };
    let (ma, mb) = (median(&|p| p.a), median(&|p| p.b));
    let northing = |v: f64| (1.0e6..6.5e6).contains(&v);
    let easting = |v: f64| (1.0e5..9.0e5).contains(&v) || (2.5e7..4.6e7).contains(&v);
    let lat = |v: f64| (3.0..54.0).contains(&v);
    let lon = |v: f64| (73.0..136.0).contains(&v);
    enum Order {
        Survey,
        Swapped,
        LatLon,
        LonLat,
    }
    let order = if northing(ma) && easting(mb) {
        Order::Survey
    } else if easting(ma) && northing(mb) {
        Order::Swapped
    } else if lat(ma) && lon(mb) {
        Order::LatLon
    } else if lon(ma) && lat(mb) {
        Order::LonLat
    } else {
        return Err(format!(
            "无法识别坐标：第一列约 {ma:.0}、第二列约 {mb:.0}，既不像 CGCS2000 高斯-克吕格 X（北，200万–650万 米）和 Y（东，10万–90万 米或带号在前），也不像经纬度 / cannot tell the coordinates: the columns are about {ma:.0} and {mb:.0}, neither a CGCS2000 Gauss-Krüger X (northing, 2–6.5 million m) and Y (easting, 0.1–0.9 million m or with the zone in front) nor latitude/longitude"
        ));
    };
    if header_swapped && matches!(order, Order::Survey) {
        notes.push("表头把 Y 列写在 X 列之前，但数值表明第一列是北坐标 X，按数值读取 / the header puts Y before X but the values show the first column is the northing X: read by the values".into());
    }
    if matches!(order, Order::Swapped) {
        notes.push("X、Y 两列写反了（第一列是东坐标），已对调：测量坐标中 X 为北坐标、Y 为东坐标 / X and Y were given the other way round (the first column is the easting) and have been swapped: in Chinese surveying X is the northing and Y the easting".into());
    }
    // (easting, northing) or (lon, lat)
    let mut xy: Vec<[f64; 2]> = pts
        .iter()
        .map(|p| match order {
            Order::Survey | Order::LatLon => [p.b, p.a],
            Order::Swapped | Order::LonLat => [p.a, p.b],
        })
        .collect();
    let epsg = if matches!(order, Order::LatLon | Order::LonLat) {
        if let Some(d) = declared.filter(|d| *d != 4490 && *d != 4326) {
            notes.push(format!("坐标是经纬度（度），按 CGCS2000 EPSG:4490 读取，未用声明的 EPSG:{d} / the coordinates are degrees, read as CGCS2000 EPSG:4490 rather than the declared EPSG:{d}"));
        }
        4490
    } else {
        if let Some(d) = declared.filter(|d| zone_of_epsg(*d).is_none()) {
            return Err(format!("声明的坐标系 EPSG:{d} 不是 CGCS2000 3 度带投影（EPSG:4513–4554），而坐标是投影坐标（米）/ the declared EPSG:{d} is not a CGCS2000 3-degree Gauss-Krüger CRS (EPSG:4513–4554), but the coordinates are projected metres"));
        }
        let with_zone = xy.iter().filter(|p| p[0] >= 1.0e7).count();
        if with_zone > 0 && with_zone < xy.len() {
            return Err("部分 Y 坐标带有带号、部分没有 / some Y values carry the zone number and some do not".into());
        }
        if with_zone > 0 {
            let zone = (xy[0][0] / 1.0e6).floor() as u32;
            if xy.iter().any(|p| (p[0] / 1.0e6).floor() as u32 != zone) {
                return Err(
                    "Y 坐标的带号不一致 / the Y values carry different zone numbers".into(),
                );
            }
            let file_epsg = zone_epsg(zone).ok_or_else(|| {
                format!("Y 坐标的带号 {zone} 不是 3 度带（25–45）/ the zone number {zone} in the Y values is not a 3-degree zone (25–45)")
            })?;
            match declared.and_then(|d| zone_of_epsg(d).map(|z| (d, z))) {
                Some((d, (z, _))) if z != zone => {
                    return Err(format!("Y 坐标带号为 {zone}，而声明的坐标系 EPSG:{d} 是第 {z} 带 / the Y values are in zone {zone} but the declared CRS EPSG:{d} is zone {z}"));
                }
                Some((d, (_, false))) => {
                    for p in &mut xy {
                        p[0] -= zone as f64 * 1.0e6;
                    }
                    notes.push(format!("Y 坐标带有带号 {zone}，已去掉带号按声明的 EPSG:{d} 读取 / the Y values carry zone number {zone}: removed to read them in the declared EPSG:{d}"));
                    d
                }
                _ => {
                    if declared.is_none() {
                        notes.push(format!("由 Y 坐标的带号 {zone} 确定坐标系 EPSG:{file_epsg} / CRS EPSG:{file_epsg} found from zone number {zone} in the Y values"));
                    }
                    file_epsg
                }
            }
        } else {
            match declared.and_then(|d| zone_of_epsg(d).map(|z| (d, z))) {
                Some((d, (zone, true))) => {
                    for p in &mut xy {
                        p[0] += zone as f64 * 1.0e6;
                    }
                    notes.push(format!("Y 坐标没有带号，按{}坐标系 EPSG:{d} 补上带号 {zone} / the Y values have no zone number: zone {zone} added from {}EPSG:{d}", if by_project { "项目" } else { "" }, if by_project { "the project's " } else { "" }));
                    d
                }
                Some((d, (_, false))) => {
                    if by_project {
                        notes.push(format!("Y 坐标没有带号，按项目坐标系 EPSG:{d} 读取 / the Y values have no zone number: read in the project's EPSG:{d}"));
                    }
                    d
                }
                None => {
                    return Err(match declared {
                        Some(d) => format!("Y 坐标没有带号，声明的坐标系 EPSG:{d} 不是 CGCS2000 3 度带，无法确定中央经线 / the Y values have no zone number and the declared EPSG:{d} is not a CGCS2000 3-degree zone: the central meridian is unknown"),
                        None => "Y 坐标没有带号，请指定坐标系（如 EPSG:4549 中央经线 120°）/ the Y values have no zone number: give the CRS (e.g. EPSG:4549, central meridian 120°)".into(),
                    });
                }
            }
        }
    };
    // Rings: a new 圈号, a new 地块, or a point repeating the ring's first point ends a ring.
    let mut parcels: Vec<CoordParcel> = names
        .iter()
        .map(|n| CoordParcel {
            name: n.clone(),
            rings: vec![],
        })
        .collect();
    let mut cur: Vec<(String, [f64; 2])> = Vec::new();
    let mut cur_key: Option<(usize, Option<i64>)> = None;
    let mut closed_added = 0usize;
    let mut finish = |cur: &mut Vec<(String, [f64; 2])>,
                      parcel: usize,
                      parcels: &mut Vec<CoordParcel>|
     -> Result<(), String> {
        if cur.is_empty() {
            return Ok(());
        }
        if cur.first().map(|p| p.1) != cur.last().map(|p| p.1) {
            let first = cur[0].clone();
            cur.push(first);
            closed_added += 1;
        }
        if cur.len() < 4 {
            return Err(format!(
                    "界址点 {} 起的环不足 3 个点 / the ring starting at point {} has fewer than 3 points",
                    cur[0].0, cur[0].0
                ));
        }
        parcels[parcel].rings.push(std::mem::take(cur));
        Ok(())
    };
    for (p, c) in pts.iter().zip(&xy) {
        let key = (p.parcel, p.ring);
        if let Some((parcel, _)) = cur_key.filter(|k| *k != key) {
            finish(&mut cur, parcel, &mut parcels)?;
        }
        cur_key = Some(key);
        let closes = cur.len() >= 3 && cur[0].1 == *c;
        cur.push((p.name.clone(), *c));
        if closes {
            finish(&mut cur, p.parcel, &mut parcels)?;
        }
    }
    if let Some((parcel, _)) = cur_key {
        finish(&mut cur, parcel, &mut parcels)?;
    }
    if closed_added > 0 {
        notes.push(format!("{closed_added} 个环首尾点不同，已自动闭合 / {closed_added} rings did not repeat their first point and were closed"));
    }
    parcels.retain(|p| !p.rings.is_empty());
    Ok(CoordList {
        parcels,
        epsg,
        notes,
    })
}

impl CoordList {
    /// The 地块 as polygons, one feature each (in [`CoordList::epsg`]): a ring inside another ring of its 地块
    /// is that ring's hole, any other ring a part of its own. Rings keep the orientation they were written in
    /// (repair orients them).
    pub fn to_store(&self) -> GeometryStore {
        let mut store = GeometryStore::new();
        for p in &self.parcels {
            let rings: Vec<Vec<[f64; 2]>> = p
                .rings
                .iter()
                .map(|r| r.iter().map(|(_, c)| *c).collect())
                .collect();
            let area = |r: &[[f64; 2]]| crate::core::model::geom::ring_signed_area(r).abs();
            // Each ring's container: the smallest other ring holding its first vertex.
            let parent: Vec<Option<usize>> = (0..rings.len())
                .map(|i| {
                    let v = rings[i][0];
                    (0..rings.len())
                        .filter(|&j| {
                            j != i
                                && area(&rings[j]) > area(&rings[i])
                                && crate::core::model::geom::point_in_ring(&rings[j], v[0], v[1])
                        })
                        .min_by(|&a, &b| area(&rings[a]).total_cmp(&area(&rings[b])))
                })
                .collect();
            // Depth even: an exterior; odd: a hole of its parent.
            let depth = |mut i: usize| {
                let mut d = 0;
                while let Some(j) = parent[i] {
                    d += 1;
                    i = j;
                    if d > rings.len() {
                        break;
                    }
                }
                d
            };
            for i in 0..rings.len() {
                if depth(i) % 2 == 1 {
                    continue;
                }
                for c in &rings[i] {
                    store.push_coord(c[0], c[1]);
                }
                store.end_ring();
                for (j, r) in rings.iter().enumerate() {
                    if parent[j] == Some(i) && depth(j) % 2 == 1 {
                        for c in r {
                            store.push_coord(c[0], c[1]);
                        }
                        store.end_ring();
                    }
                }
                store.end_part();
            }
            store.end_feature(GeomKind::Polygon);
        }
        store
    }
}

/// One boundary point of a site as a coordinate list gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryPoint {
    /// Point number: J1, J2… (a ring's closing point repeats its first point's number).
    pub name: String,
    /// Ring number (圈号), from 1.
    pub ring: usize,
    /// X: the northing (m).
    pub x: f64,
    /// Y: the easting (m; with the zone number where the CRS carries it).
    pub y: f64,
    /// Whether it closes its ring (repeats the first point).
    pub closing: bool,
}

/// The boundary points of polygon `f` of `store` (projected, metres), numbered from J`first + 1`, ring by
/// ring, as cadastral surveys number them: each outer ring clockwise and each hole counter-clockwise, starting
/// at the vertex nearest the ring's north-west corner, closed by repeating its first point.
pub fn numbered_points(store: &GeometryStore, f: usize, first: usize) -> Vec<BoundaryPoint> {
    let mut out = Vec::new();
    let mut n = first;
    let mut ring_no = 0;
    for part in store.parts(f) {
        for (k, r) in part.rings().enumerate() {
            let mut pts: Vec<[f64; 2]> = r.to_vec();
            while pts.len() > 1 && pts.first() == pts.last() {
                pts.pop();
            }
            if pts.is_empty() {
                continue;
            }
            let ccw = crate::core::model::geom::ring_signed_area(&pts) > 0.0;
            // Outer rings clockwise, holes counter-clockwise.
            if (k == 0) == ccw {
                pts.reverse();
            }
            let (min_x, max_y) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, p| {
                (a.0.min(p[0]), a.1.max(p[1]))
            });
            let start = (0..pts.len())
                .min_by(|&a, &b| {
                    let d = |p: [f64; 2]| (p[0] - min_x).powi(2) + (p[1] - max_y).powi(2);
                    d(pts[a]).total_cmp(&d(pts[b]))
                })
                .unwrap_or(0);
            pts.rotate_left(start);
            ring_no += 1;
            let first_no = n + 1;
            for c in &pts {
                n += 1;
                out.push(BoundaryPoint {
                    name: format!("J{n}"),
                    ring: ring_no,
                    x: c[1],
                    y: c[0],
                    closing: false,
                });
            }
            out.push(BoundaryPoint {
                name: format!("J{first_no}"),
                ring: ring_no,
                x: pts[0][1],
                y: pts[0][0],
                closing: true,
            });
        }
    }
    out
}

/// The coordinate list of polygon features `features` of `store` (in CGCS2000 3-degree Gauss-Krüger `epsg`,
/// 4513–4554), named `names`, in the Ministry's layout (see the module's description): points numbered J1, J2…
/// across the list, X the northing and Y the easting (with the zone number when `epsg` carries it), metres to
/// 3 decimals, areas in 公顷 to 4 decimals (planar).
pub fn to_text(
    store: &GeometryStore,
    features: &[usize],
    names: &[String],
    epsg: u32,
) -> Result<String, String> {
    let (zone, _) = zone_of_epsg(epsg).ok_or_else(|| {
        format!("界址点坐标须为 CGCS2000 3 度带投影（EPSG:4513–4554），而不是 EPSG:{epsg} / boundary points need a CGCS2000 3-degree Gauss-Krüger CRS (EPSG:4513–4554), not EPSG:{epsg}")
    })?;
    let mut s = String::new();
    s += "[属性描述]\n";
    s += "格式版本号=1.0\n数据产生单位=一图 YiTu\n";
    s += &format!("坐标系=2000国家大地坐标系\n几度分带=3\n投影类型=高斯克吕格\n计量单位=米\n带号={zone}\n精度=0.001\n转换参数=,,,,,,\nEPSG={epsg}\n");
    s += "[地块坐标]\n";
    let mut n = 0usize;
    for (k, &f) in features.iter().enumerate() {
        let points: usize = store.rings(f).map(|r| r.len()).sum();
        let area_ha = store.planar_area(f) / 10_000.0;
        let name = names.get(k).map(String::as_str).unwrap_or("");
        s += &format!("{points},{area_ha:.4},{},{name},面,,,,@\n", k + 1);
        let pts = numbered_points(store, f, n);
        n += pts.iter().filter(|p| !p.closing).count();
        for p in pts {
            s += &format!("{},{},{:.3},{:.3}\n", p.name, p.ring, p.x, p.y);
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        text.lines().map(split_line).collect()
    }

    #[test]
    fn the_three_common_layouts_give_one_shape() {
        let a = parse(&rows("点号,X,Y\nJ1,2810000.0,40500000.0\nJ2,2810000.0,40500100.0\nJ3,2810100.0,40500100.0\nJ4,2810100.0,40500000.0\nJ1,2810000.0,40500000.0\n"), None, None)
        .unwrap();
        assert_eq!(a.epsg, 4528);
        let b = parse(&rows("点号 X Y\n1 2810000.0 500000.0\n2 2810000.0 500100.0\n3 2810100.0 500100.0\n4 2810100.0 500000.0\n"), Some(4528), None)
        .unwrap();
        assert_eq!(b.epsg, 4528);
        assert!(
            b.notes.iter().any(|n| n.contains("补上带号")),
            "{:?}",
            b.notes
        );
        let c = parse(&rows("Y,X\n40500000.0,2810000.0\n40500100.0,2810000.0\n40500100.0,2810100.0\n40500000.0,2810100.0\n"), None, None)
        .unwrap();
        assert!(c.notes.iter().any(|n| n.contains("写反")), "{:?}", c.notes);
        for l in [&a, &b, &c] {
            let s = l.to_store();
            assert_eq!(s.len(), 1);
            assert!((s.planar_area(0) - 10_000.0).abs() < 1e-6);
        }
    }

    #[test]
    fn a_missing_zone_without_a_crs_and_a_contradicting_zone_are_refused() {
        let e = parse(
            &rows("1,2810000,500000\n2,2810000,500100\n3,2810100,500100\n"),
            None,
            None,
        )
        .unwrap_err();
        assert!(e.contains("带号"), "{e}");
        let e = parse(
            &rows("1,2810000,39500000\n2,2810000,39500100\n3,2810100,39500100\n"),
            Some(4528),
            None,
        )
        .unwrap_err();
        assert!(e.contains("39") && e.contains("40"), "{e}");
    }

    #[test]
    fn sequence_columns_file_declarations_and_wrong_crs() {
        // 序号,点号,X,Y with a header.
        let l = parse(
            &rows("序号,点号,X,Y\n1,J1,2810000,40500000\n2,J2,2810000,40500100\n3,J3,2810100,40500100\n"),
            None,
            None,
        )
        .unwrap();
        assert_eq!(l.parcels[0].rings[0][1].0, "J2");
        assert!((l.to_store().planar_area(0) - 5000.0).abs() < 1e-6);
        // The Ministry's 带号 read when the values carry no zone.
        let l = parse(
            &rows("[属性描述]\n带号=40\n[地块坐标]\n3,0.5,1,仓库,面,,,,@\nJ1,1,2810000,500000\nJ2,1,2810000,500100\nJ3,1,2810100,500100\nJ1,1,2810000,500000\n"),
            None,
            Some(4549),
        )
        .unwrap();
        assert_eq!(l.epsg, 4528);
        assert!(
            l.notes.iter().any(|n| n.contains("文件声明")),
            "{:?}",
            l.notes
        );
        // A project's CRS used for a list without zone is said.
        let l = parse(
            &rows("1,2810000,500000\n2,2810000,500100\n3,2810100,500100\n"),
            None,
            Some(4549),
        )
        .unwrap();
        assert!(
            l.notes.iter().any(|n| n.contains("项目坐标系")),
            "{:?}",
            l.notes
        );
        // Degrees declared over projected metres: refused.
        let e = parse(
            &rows("1,2810000,40500000\n2,2810000,40500100\n3,2810100,40500100\n"),
            Some(4490),
            None,
        )
        .unwrap_err();
        assert!(e.contains("4490"), "{e}");
    }

    #[test]
    fn points_are_numbered_clockwise_from_the_north_west() {
        let mut s = GeometryStore::new();
        s.push_square(40_500_000.0, 2_810_000.0, 100.0); // counter-clockwise from the south-west
        let p = numbered_points(&s, 0, 0);
        assert_eq!(
            (p[0].x, p[0].y),
            (2_810_100.0, 40_500_000.0),
            "J1 is the north-west corner"
        );
        assert_eq!(
            (p[1].x, p[1].y),
            (2_810_100.0, 40_500_100.0),
            "then east: clockwise"
        );
        assert!(p[4].closing && p[4].name == "J1");
    }

    #[test]
    fn the_ministry_layout_round_trips_with_a_hole_and_two_parcels() {
        let mut s = GeometryStore::new();
        for c in [
            [0.0, 0.0],
            [100.0, 0.0],
            [100.0, 100.0],
            [0.0, 100.0],
            [0.0, 0.0],
        ] {
            s.push_coord(40_500_000.0 + c[0], 2_810_000.0 + c[1]);
        }
        s.end_ring();
        for c in [
            [10.0, 10.0],
            [10.0, 20.0],
            [20.0, 20.0],
            [20.0, 10.0],
            [10.0, 10.0],
        ] {
            s.push_coord(40_500_000.0 + c[0], 2_810_000.0 + c[1]);
        }
        s.end_ring();
        s.end_part();
        s.end_feature(GeomKind::Polygon);
        s.push_square(40_501_000.0, 2_811_000.0, 50.0);
        let text = to_text(&s, &[0, 1], &["仓库".into(), "大棚".into()], 4528).unwrap();
        let back = parse(&rows(&text), None, None).unwrap();
        assert_eq!(back.epsg, 4528);
        assert_eq!(back.parcels.len(), 2);
        assert_eq!(back.parcels[0].name, "仓库");
        let t = back.to_store();
        assert!((t.planar_area(0) - s.planar_area(0)).abs() < 1e-3);
        assert!((t.planar_area(1) - 2500.0).abs() < 1e-3);
        assert_eq!(t.rings(0).count(), 2);
    }
}
