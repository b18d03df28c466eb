//! Readers: YiTu's GeoPackage reader agrees with GDAL; broken, odd and GBK-encoded files open or
//! are refused with a clear message.

mod common;

use gdal::vector::LayerAccess;
use yitu::core::io::read::{inspect, load_layer};
use yitu::core::model::attrs::Value;
use yitu::core::model::error::YituError;
use yitu::core::model::geom::GeomKind;
use yitu::core::model::progress::Progress;

fn fixture(name: &str) -> std::path::PathBuf {
    common::root().join("tests").join("fixtures").join(name)
}

#[test]
fn own_gpkg_reader_matches_gdal_feature_by_feature() {
    let gpkg = common::small_county().join("xianyou_sample.gpkg");
    for table in ["DLTB", "CJDCQ", "XZQ", "YJJBNTTB", "enterprises"] {
        let ours = load_layer(&gpkg, Some(table), &Progress::new()).unwrap();
        let gdal = yitu::core::io::ogr::load(&gpkg, Some(table), &Progress::new()).unwrap();
        assert_eq!(ours.len(), gdal.len(), "{table}");
        assert_eq!(ours.fids, gdal.fids, "{table}");
        assert_eq!(ours.crs.epsg, Some(4528));
        for f in 0..ours.len() {
            let (a, b) = (ours.geoms.planar_area(f), gdal.geoms.planar_area(f));
            assert!(
                (a - b).abs() <= 1e-6 * a.max(1.0),
                "{table} feature {f}: {a} vs {b}"
            );
            assert_eq!(ours.geoms.coord_count(f), gdal.geoms.coord_count(f));
            for c in 0..ours.attrs.fields.len() {
                let (x, y) = (ours.attrs.get(f, c), gdal.attrs.get(f, c));
                match (x.as_f64(), y.as_f64()) {
                    (Some(p), Some(q)) if !matches!(x, Value::Text(_)) => {
                        assert!((p - q).abs() < 1e-9)
                    }
                    _ => assert_eq!(
                        x.to_string(),
                        y.to_string(),
                        "{table} {f} {}",
                        ours.attrs.fields[c].name
                    ),
                }
            }
        }
    }
}

#[test]
fn codes_stay_text() {
    let gpkg = common::small_county().join("xianyou_sample.gpkg");
    let l = load_layer(&gpkg, Some("DLTB"), &Progress::new()).unwrap();
    let dlbm = l.attrs.field_index("DLBM").unwrap();
    let zl = l.attrs.field_index("ZLDWDM").unwrap();
    for r in 0..l.len() {
        match (l.attrs.get(r, dlbm), l.attrs.get(r, zl)) {
            (Value::Text(d), Value::Text(z)) => {
                assert!(
                    d.len() >= 2 && d.starts_with('0') || d.starts_with('1'),
                    "{d}"
                );
                assert_eq!(z.len(), 19);
                assert!(z.starts_with("350322"));
            }
            other => panic!("codes must be text: {other:?}"),
        }
    }
}

#[test]
fn broken_and_odd_fixtures() {
    // An SQLite file without the GeoPackage tables.
    let e = inspect(&fixture("broken_not_gpkg.gpkg")).unwrap_err();
    assert!(matches!(e, YituError::Corrupt { .. }), "{e}");
    assert!(e.to_string().contains("损坏") && e.to_string().contains("corrupt"));
    // NULL geometries load as empty features.
    let l = load_layer(
        &fixture("null_geometry.gpkg"),
        Some("new_geopackage"),
        &Progress::new(),
    )
    .unwrap();
    assert_eq!(l.len(), 3);
    assert_eq!(
        l.geoms
            .kinds
            .iter()
            .filter(|k| **k == GeomKind::Empty)
            .count(),
        2
    );
    // Curves: linearised through GDAL.
    let info = inspect(&fixture("curvepolygon.gpkg")).unwrap();
    let l = load_layer(
        &fixture("curvepolygon.gpkg"),
        Some(&info.layers[0].name),
        &Progress::new(),
    )
    .unwrap();
    assert_eq!(l.kind(), GeomKind::Polygon);
    assert!(l.geoms.planar_area(0) > 0.0);
    // Not a file at all.
    assert!(matches!(
        inspect(std::path::Path::new("/nonexistent/x.gpkg")),
        Err(YituError::NotFound(_))
    ));
    // A truncated GeoPackage: the first 40% of the sample.
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(common::small_county().join("xianyou_sample.gpkg")).unwrap();
    let cut = dir.path().join("truncated.gpkg");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 5]).unwrap();
    let r = common::within(30, "truncated gpkg", move || {
        let mut msgs = Vec::new();
        match inspect(&cut) {
            Ok(info) => {
                for l in info.layers {
                    if let Err(e) = load_layer(&cut, Some(&l.name), &Progress::new()) {
                        msgs.push(e.to_string());
                    }
                }
            }
            Err(e) => msgs.push(e.to_string()),
        }
        msgs
    });
    assert!(!r.is_empty(), "a truncated GeoPackage must give a message");
}

#[test]
fn tile_packages_are_checked() {
    use yitu::core::io::tiles::inspect as tiles;
    assert!(tiles(&fixture("corrupt.mbtiles")).is_err());
    let ok = tiles(&fixture("corrupt_null_tile.mbtiles")).unwrap();
    assert_eq!(ok.format, "png");
    let e = tiles(&fixture("invalid_v4.pmtiles")).unwrap_err();
    assert!(e.to_string().contains("version"), "{e}");
    let p = tiles(&fixture("png.pmtiles")).unwrap();
    assert!(p.is_raster());
    let sample = tiles(
        &common::root()
            .join("sample-data")
            .join("xianyou_basemap.mbtiles"),
    )
    .unwrap();
    assert_eq!((sample.min_zoom, sample.format.as_str()), (3, "png"));
    assert!(sample.max_zoom >= 13);
    // Reading a tile: the county seat at zoom 12.
    let mb = yitu::core::io::tiles::MbTiles::open(
        &common::root()
            .join("sample-data")
            .join("xianyou_basemap.mbtiles"),
    )
    .unwrap();
    let (x, y) = yitu::core::io::tiles::lonlat_to_tile(118.69, 25.36, 12);
    let t = mb.tile(12, x, y).unwrap().expect("tile at the county seat");
    assert_eq!(yitu::core::io::tiles::sniff_format(&t), "png");
}

/// Writes a one-polygon shapefile with a Chinese name, then makes it look like the files county
/// offices exchange: GBK text in the .dbf, no .cpg, and optionally an ESRI "Gauss_Kruger" .prj.
fn gbk_shapefile(dir: &std::path::Path, prj: Option<&str>) -> std::path::PathBuf {
    let shp = dir.join("parcels.shp");
    {
        let drv = gdal::DriverManager::get_driver_by_name("ESRI Shapefile").unwrap();
        let mut ds = drv.create_vector_only(&shp).unwrap();
        let layer = ds
            .create_layer(gdal::vector::LayerOptions {
                name: "parcels",
                srs: None,
                ty: gdal_sys::OGRwkbGeometryType::wkbPolygon,
                options: Some(&["ENCODING=UTF-8"]),
            })
            .unwrap();
        layer
            .create_defn_fields(&[
                ("ZLDWMC", gdal_sys::OGRFieldType::OFTString),
                ("DLBM", gdal_sys::OGRFieldType::OFTString),
            ])
            .unwrap();
        let g = gdal::vector::Geometry::from_wkt("POLYGON((40380000 2805000,40380100 2805000,40380100 2805100,40380000 2805100,40380000 2805000))").unwrap();
        let mut f = gdal::vector::Feature::new(layer.defn()).unwrap();
        f.set_field_string(0, "洋顶村").unwrap();
        f.set_field_string(1, "0101").unwrap();
        f.set_geometry(g).unwrap();
        f.create(&layer).unwrap();
    }
    // Re-encode the text fields as GBK, padded to their DBF width, and drop the .cpg.
    let dbf = dir.join("parcels.dbf");
    let mut b = std::fs::read(&dbf).unwrap();
    let header_len = u16::from_le_bytes([b[8], b[9]]) as usize;
    let mut fields = Vec::new();
    let mut off = 32;
    let mut pos = 1;
    while b[off] != 0x0D {
        let width = b[off + 16] as usize;
        fields.push((pos, width));
        pos += width;
        off += 32;
    }
    for (p, w) in fields {
        let s = header_len + p;
        let text = String::from_utf8(b[s..s + w].to_vec()).unwrap();
        let (gbk, _, _) = encoding_rs::GBK.encode(text.trim_end());
        let mut cell = gbk.to_vec();
        cell.resize(w, b' ');
        b[s..s + w].copy_from_slice(&cell);
    }
    b[29] = 0; // no language driver id
    std::fs::write(&dbf, b).unwrap();
    let _ = std::fs::remove_file(dir.join("parcels.cpg"));
    if let Some(p) = prj {
        std::fs::write(dir.join("parcels.prj"), p).unwrap();
    }
    shp
}

const ESRI_GK_PRJ: &str = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_40",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",40500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

#[test]
fn gbk_shapefile_without_cpg_with_esri_gauss_kruger_prj() {
    let dir = tempfile::tempdir().unwrap();
    let shp = gbk_shapefile(dir.path(), Some(ESRI_GK_PRJ));
    let l = load_layer(&shp, None, &Progress::new()).unwrap();
    assert_eq!(l.attrs.get(0, 0), Value::Text("洋顶村"));
    assert_eq!(l.attrs.get(0, 1), Value::Text("0101"));
    assert_eq!(
        l.crs.epsg,
        Some(4528),
        "ESRI Gauss_Kruger .prj must be recognised: {:?}",
        l.crs
    );
    let ll = yitu::core::model::crs::mercator_to_lonlat(
        l.display.bboxes[0].min_x,
        l.display.bboxes[0].min_y,
    );
    assert!(
        (ll[0] - 118.8).abs() < 0.3 && (ll[1] - 25.35).abs() < 0.2,
        "{ll:?}"
    );
    // GDAL on its own would have garbled the name; YiTu warns that it detected the encoding.
    assert!(l.warnings.iter().any(|w| w.contains("GBK")));
}

#[test]
fn unknown_crs_is_refused_clearly_unless_coordinates_are_degrees() {
    let dir = tempfile::tempdir().unwrap();
    let shp = gbk_shapefile(dir.path(), None);
    let e = load_layer(&shp, None, &Progress::new())
        .err()
        .expect("no .prj and projected coordinates");
    assert!(matches!(e, YituError::UnknownCrs { .. }), "{e}");
    assert!(e.to_string().contains("坐标系未知"));
}

#[test]
fn gdal_info_agrees_with_ogrinfo_counts() {
    let gpkg = common::sample_gpkg();
    let info = inspect(&gpkg).unwrap();
    let ds = gdal::Dataset::open(&gpkg).unwrap();
    for l in &info.layers {
        let gl = ds.layer_by_name(&l.name).unwrap();
        assert_eq!(gl.feature_count(), l.feature_count, "{}", l.name);
        assert_eq!(gl.defn().fields().count(), l.fields.len(), "{}", l.name);
    }
}

/// A CSV layer written in GBK (as Excel saves a CSV on a Chinese Windows) is read with its Chinese names and
/// values, and the encoding is said; a UTF-8 one is read as it is.
#[test]
fn a_gbk_csv_layer_is_read_as_gbk() {
    let dir = tempfile::tempdir().unwrap();
    let text = "名称,村代码,WKT\n仙游县木兰社区,350322001001,POINT (118.7 25.4)\n横塘村,350322104215,POINT (118.8 25.3)\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let p = dir.path().join("村点.csv");
    std::fs::write(&p, &gbk).unwrap();
    let l =
        yitu::core::io::read::load_layer(&p, None, &yitu::core::model::progress::Progress::new())
            .unwrap();
    let c = l
        .attrs
        .field_index("名称")
        .expect("the GBK field name decoded");
    assert_eq!(l.attrs.get(1, c).to_string(), "横塘村");
    let code = l.attrs.field_index("村代码").unwrap();
    assert_eq!(l.attrs.get(0, code).to_string(), "350322001001");
    assert!(
        l.warnings.iter().any(|w| w.contains("GBK")),
        "{:?}",
        l.warnings
    );
    let u = dir.path().join("utf8.csv");
    std::fs::write(&u, text).unwrap();
    let l =
        yitu::core::io::read::load_layer(&u, None, &yitu::core::model::progress::Progress::new())
            .unwrap();
    assert_eq!(
        l.attrs
            .get(0, l.attrs.field_index("名称").unwrap())
            .to_string(),
        "仙游县木兰社区"
    );
    assert!(l.warnings.iter().all(|w| !w.contains("UTF-8")));
}
