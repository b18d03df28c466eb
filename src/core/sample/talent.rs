//! Talent sources for the talent map (人才地图), national scale: universities from the Ministry of
//! Education's list (real names, codes and main-campus locations, converted from GCJ-02), national
//! research institutes relevant to Putian's chains (real names, locations approximate to the
//! city), and synthetic training bases in the sample county. Majors are the undergraduate
//! catalogue's classes (本科专业类) typical of each kind of school.

use super::world::World;
use crate::core::io::gpkg_write::{GpkgWriter, OutValue};
use crate::core::io::wkb::gpkg_blob_point;
use crate::core::model::attrs::FieldType;
use crate::core::model::crs::{gcj02_to_wgs84, Crs, Transformer};
use crate::core::model::geom::BBox;

const UNIVERSITIES: &str = include_str!("../../../sample-data/sources/universities.csv");

/// Major classes (code, name) typical of a school category.
fn majors_for(category: &str) -> &'static [(&'static str, &'static str)] {
    match category {
        "理工类" => &[
            ("0809", "计算机类"),
            ("0807", "电子信息类"),
            ("0802", "机械类"),
            ("0804", "材料类"),
            ("0813", "化工与制药类"),
            ("0816", "纺织类"),
        ],
        "综合类" => &[
            ("0809", "计算机类"),
            ("0807", "电子信息类"),
            ("0804", "材料类"),
            ("0827", "食品科学与工程类"),
            ("1208", "电子商务类"),
            ("1305", "设计学类"),
        ],
        "师范类" => &[
            ("0401", "教育学类"),
            ("0809", "计算机类"),
            ("1305", "设计学类"),
        ],
        "医药类" => &[
            ("1007", "药学类"),
            ("1001", "基础医学类"),
            ("1011", "护理学类"),
        ],
        "财经类" => &[
            ("1202", "工商管理类"),
            ("1208", "电子商务类"),
            ("0203", "金融学类"),
        ],
        "艺术类" => &[("1305", "设计学类"), ("1304", "美术学类")],
        "农林类" => &[
            ("0901", "植物生产类"),
            ("0827", "食品科学与工程类"),
            ("0905", "林学类"),
        ],
        "政法类" => &[("0301", "法学类"), ("1204", "公共管理类")],
        "语言类" => &[("0502", "外国语言文学类"), ("1208", "电子商务类")],
        "体育类" => &[("0402", "体育学类")],
        _ => &[("1202", "工商管理类"), ("0809", "计算机类")],
    }
}

/// The Putian chains a major class serves.
fn chains_for(code: &str) -> &'static str {
    match code {
        "0816" | "1305" => "鞋服",
        "1304" | "0905" => "工艺美术",
        "0827" | "0901" => "食品",
        "0807" | "0809" => "电子信息",
        "0804" | "0813" => "新型功能材料",
        _ => "",
    }
}

/// Real national research institutes relevant to the chains (location: the institute's city, approximate).
const INSTITUTES: &[(&str, &str, &str, f64, f64, &str)] = &[
    (
        "中国科学院福建物质结构研究所",
        "福建",
        "福州市",
        119.199,
        26.033,
        "0804 材料类;0813 化工与制药类",
    ),
    (
        "中国科学院城市环境研究所",
        "福建",
        "厦门市",
        118.060,
        24.610,
        "0825 环境科学与工程类",
    ),
    (
        "中国科学院宁波材料技术与工程研究所",
        "浙江",
        "宁波市",
        121.625,
        29.905,
        "0804 材料类;0802 机械类",
    ),
    (
        "中国科学院深圳先进技术研究院",
        "广东",
        "深圳市",
        113.995,
        22.598,
        "0807 电子信息类;0809 计算机类",
    ),
    (
        "中国皮革和制鞋工业研究院",
        "北京",
        "北京市",
        116.456,
        39.924,
        "0816 纺织类;0817 轻工类",
    ),
    (
        "中国食品发酵工业研究院",
        "北京",
        "北京市",
        116.353,
        39.955,
        "0827 食品科学与工程类",
    ),
    (
        "中国林业科学研究院",
        "北京",
        "北京市",
        116.252,
        40.004,
        "0905 林学类;0824 林业工程类",
    ),
    (
        "福建省农业科学院",
        "福建",
        "福州市",
        119.283,
        26.093,
        "0901 植物生产类;0827 食品科学与工程类",
    ),
];

/// Writes the `talent_sources` layer (EPSG:4490); returns how many points.
pub fn write(w: &GpkgWriter, world: &World) -> anyhow::Result<usize> {
    let mut lw = w.layer(
        "talent_sources",
        "人才资源（高校、科研院所、实训基地）",
        Some("POINT"),
        4490,
        &[
            ("name", FieldType::Text),
            ("kind", FieldType::Text),
            ("code", FieldType::Text),
            ("level", FieldType::Text),
            ("category", FieldType::Text),
            ("province", FieldType::Text),
            ("city", FieldType::Text),
            ("is985", FieldType::Integer),
            ("is211", FieldType::Integer),
            ("double_first", FieldType::Integer),
            ("majors", FieldType::Text),
            ("chains", FieldType::Text),
            ("source", FieldType::Text),
        ],
    )?;
    let mut n = 0;
    let mut add = |lw: &mut crate::core::io::gpkg_write::LayerWriter,
                   lon: f64,
                   lat: f64,
                   vals: Vec<OutValue>|
     -> anyhow::Result<()> {
        let blob = gpkg_blob_point(4490, lon, lat);
        lw.add(
            Some((
                &blob,
                BBox {
                    min_x: lon,
                    min_y: lat,
                    max_x: lon,
                    max_y: lat,
                },
            )),
            &vals,
        )?;
        n += 1;
        Ok(())
    };
    let t = |s: &str| OutValue::Text(s.to_string());
    for line in UNIVERSITIES.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 12 {
            continue;
        }
        let (Ok(glon), Ok(glat)) = (f[10].parse::<f64>(), f[11].parse::<f64>()) else {
            continue;
        };
        let (lon, lat) = gcj02_to_wgs84(glon, glat);
        let majors = majors_for(f[5]);
        let major_text: Vec<String> = majors.iter().map(|(c, m)| format!("{c} {m}")).collect();
        let mut chains: Vec<&str> = majors
            .iter()
            .map(|(c, _)| chains_for(c))
            .filter(|c| !c.is_empty())
            .collect();
        chains.dedup();
        add(
            &mut lw,
            lon,
            lat,
            vec![
                t(f[0]),
                t("高校"),
                t(f[1]),
                t(f[4]),
                t(f[5]),
                t(f[9]),
                t(f[3]),
                OutValue::Int(f[6].parse().unwrap_or(0)),
                OutValue::Int(f[7].parse().unwrap_or(0)),
                OutValue::Int(f[8].parse().unwrap_or(0)),
                t(&major_text.join(";")),
                t(&chains.join(";")),
                t("教育部全国普通高等学校名单（2025-06-20）; 位置: 腾讯地图 GCJ-02 转 CGCS2000"),
            ],
        )?;
    }
    for (name, prov, city, lon, lat, majors) in INSTITUTES {
        let chains: Vec<&str> = majors
            .split(';')
            .map(|m| chains_for(&m[..4]))
            .filter(|c| !c.is_empty())
            .collect();
        add(
            &mut lw,
            *lon,
            *lat,
            vec![
                t(name),
                t("科研院所"),
                OutValue::Null,
                OutValue::Null,
                t("科研"),
                t(prov),
                t(city),
                OutValue::Int(0),
                OutValue::Int(0),
                OutValue::Int(0),
                t(majors),
                t(&chains.join(";")),
                t("位置为所在城市的近似位置 / approximate (city)"),
            ],
        )?;
    }
    // Training bases in the sample county (synthetic), at town seats.
    let to_ll = Transformer::between(&Crs::epsg(super::world::SRS as u32), &Crs::epsg(4490))
        .map_err(anyhow::Error::msg)?;
    let bases = [
        ("鞋服产业实训基地", "鞋服", "0816 纺织类;1305 设计学类"),
        (
            "工艺美术实训基地",
            "工艺美术",
            "1304 美术学类;1305 设计学类",
        ),
        ("食品加工实训基地", "食品", "0827 食品科学与工程类"),
    ];
    for (k, town) in world
        .towns
        .iter()
        .filter(|t| t.selected)
        .take(3)
        .enumerate()
    {
        let (name, chain, majors) = bases[k % bases.len()];
        let mut p = [town.seat];
        to_ll.transform(&mut p).map_err(anyhow::Error::msg)?;
        add(
            &mut lw,
            p[0][0] + 0.004,
            p[0][1] + 0.002,
            vec![
                t(&format!("{}{name}", town.name)),
                t("实训基地"),
                OutValue::Null,
                OutValue::Null,
                t("职业培训"),
                t("福建"),
                t("莆田市"),
                OutValue::Int(0),
                OutValue::Int(0),
                OutValue::Int(0),
                t(majors),
                t(chain),
                t("样例数据（合成）/ synthetic"),
            ],
        )?;
    }
    lw.finish()?;
    Ok(n)
}
