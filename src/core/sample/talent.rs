//! Talent sources for the talent map (人才地图), national scale: universities from the Ministry of
//! Education's list (real names, codes and main-campus locations, converted from GCJ-02), national
//! research institutes relevant to Putian's chains (real names, locations approximate to the
//! city), and synthetic training bases in the sample county. Majors are the undergraduate
//! catalogue's classes (本科专业类) typical of each kind of school.

use super::world::World;
use crate::core::io::gpkg_write::{GpkgWriter, OutValue};
use crate::core::io::wkb::gpkg_blob_point;
use crate::core::model::attrs::FieldType;
use crate::core::model::chain::default_chains;
use crate::core::model::crs::{gcj02_to_wgs84, Crs, Transformer};
use crate::core::model::geom::BBox;
use crate::core::model::talent::{default_crosswalk, serves};

const UNIVERSITIES: &str = include_str!("../../../sample-data/sources/universities.csv");

/// Major classes (code, name) typical of a school of `category` at `level` (本科: the undergraduate
/// catalogue's 专业类; 专科: the vocational one's).
fn majors_for(category: &str, level: &str) -> &'static [(&'static str, &'static str)] {
    if level == "专科" {
        return match category {
            "理工类" => &[
                ("4601", "机械设计制造类"),
                ("4602", "机电设备类"),
                ("4603", "自动化类"),
                ("5101", "电子信息类"),
                ("5102", "计算机类"),
                ("4702", "化工技术类"),
                ("4804", "纺织服装类"),
                ("4303", "新能源发电工程类"),
            ],
            "综合类" => &[
                ("5102", "计算机类"),
                ("5307", "电子商务类"),
                ("5306", "工商管理类"),
                ("4901", "食品类"),
                ("5501", "艺术设计类"),
                ("4601", "机械设计制造类"),
            ],
            "财经类" => &[
                ("5306", "工商管理类"),
                ("5307", "电子商务类"),
                ("5308", "物流类"),
                ("5305", "经济贸易类"),
            ],
            "医药类" => &[
                ("5202", "护理类"),
                ("5203", "药学类"),
                ("5204", "中医药类"),
                ("4902", "药品与医疗器械类"),
            ],
            "艺术类" => &[("5501", "艺术设计类"), ("5503", "民族文化艺术类")],
            "农林类" => &[("4101", "农业类"), ("4102", "林业类"), ("4901", "食品类")],
            "师范类" => &[("5701", "教育类"), ("5102", "计算机类")],
            _ => &[("5306", "工商管理类"), ("5102", "计算机类")],
        };
    }
    match category {
        "理工类" => &[
            ("0809", "计算机类"),
            ("0807", "电子信息类"),
            ("0802", "机械类"),
            ("0804", "材料类"),
            ("0813", "化工与制药类"),
            ("0816", "纺织类"),
            ("0806", "电气类"),
            ("0805", "能源动力类"),
        ],
        "综合类" => &[
            ("0809", "计算机类"),
            ("0807", "电子信息类"),
            ("0804", "材料类"),
            ("0827", "食品科学与工程类"),
            ("1208", "电子商务类"),
            ("1305", "设计学类"),
            ("1202", "工商管理类"),
            ("0703", "化学类"),
        ],
        "师范类" => &[
            ("0401", "教育学类"),
            ("0809", "计算机类"),
            ("1305", "设计学类"),
            ("1304", "美术学类"),
        ],
        "医药类" => &[
            ("1007", "药学类"),
            ("1008", "中药学类"),
            ("1011", "护理学类"),
            ("0826", "生物医学工程类"),
        ],
        "财经类" => &[
            ("1202", "工商管理类"),
            ("1208", "电子商务类"),
            ("0204", "经济与贸易类"),
            ("1206", "物流管理与工程类"),
        ],
        "艺术类" => &[("1305", "设计学类"), ("1304", "美术学类")],
        "农林类" => &[
            ("0901", "植物生产类"),
            ("0827", "食品科学与工程类"),
            ("0905", "林学类"),
            ("0824", "林业工程类"),
        ],
        "政法类" => &[("0301", "法学类"), ("1204", "公共管理类")],
        "语言类" => &[("0502", "外国语言文学类"), ("1208", "电子商务类")],
        "体育类" => &[("0402", "体育学类")],
        _ => &[("1202", "工商管理类"), ("0809", "计算机类")],
    }
}

/// A stable hash of text (FNV-1a), for figures that must not depend on the order things are drawn.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Synthetic graduates per year of a major at a school: 40–299 (本科) or 60–419 (专科), stable per school and major.
fn graduates(school: &str, major: &str, level: &str) -> u64 {
    let h = fnv(&format!("{school}|{major}"));
    if level == "专科" {
        60 + h % 360
    } else {
        40 + h % 260
    }
}

/// The chains (by name) a set of majors serves under the built-in crosswalk.
fn chains_for(majors: &[&str]) -> Vec<String> {
    let cw = default_crosswalk();
    let mut v: Vec<String> = Vec::new();
    for c in default_chains() {
        let wanted = cw.majors_of(&c.name, None);
        if majors.iter().any(|m| wanted.iter().any(|w| serves(m, w))) {
            v.push(c.name.clone());
        }
    }
    v
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
            ("graduates", FieldType::Text),
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
        let majors = majors_for(f[5], f[4]);
        let major_text: Vec<String> = majors.iter().map(|(c, m)| format!("{c} {m}")).collect();
        let grads: Vec<String> = majors
            .iter()
            .map(|(c, _)| format!("{c}:{}", graduates(f[1], c, f[4])))
            .collect();
        let codes: Vec<&str> = majors.iter().map(|(c, _)| *c).collect();
        let chains = chains_for(&codes);
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
                t(&grads.join(";")),
                t(&chains.join(";")),
                t("教育部全国普通高等学校名单（2025-06-20）; 位置: 腾讯地图 GCJ-02 转 CGCS2000; 专业与毕业生数为合成 / majors and graduates synthetic"),
            ],
        )?;
    }
    for (name, prov, city, lon, lat, majors) in INSTITUTES {
        let codes: Vec<&str> = majors.split(';').map(|m| &m[..4]).collect();
        let chains = chains_for(&codes);
        // Postgraduates trained per year (synthetic): 15–64 per major.
        let grads: Vec<String> = codes
            .iter()
            .map(|c| format!("{c}:{}", 15 + fnv(&format!("{name}|{c}")) % 50))
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
                t(&grads.join(";")),
                t(&chains.join(";")),
                t("位置为所在城市的近似位置 / approximate (city); 研究生数为合成 / postgraduates synthetic"),
            ],
        )?;
    }
    // Training bases in the sample county (synthetic), at town seats.
    let to_ll = Transformer::between(&Crs::epsg(super::world::SRS as u32), &Crs::epsg(4490))
        .map_err(anyhow::Error::msg)?;
    let bases = [
        (
            "鞋服产业实训基地",
            "鞋服",
            "4804 纺织服装类;5501 艺术设计类",
        ),
        (
            "工艺美术实训基地",
            "工艺美术",
            "5501 艺术设计类;5503 民族文化艺术类",
        ),
        ("食品加工实训基地", "食品", "4901 食品类"),
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
                t(&majors
                    .split(';')
                    .map(|m| format!("{}:{}", &m[..4], 80 + fnv(&format!("{name}|{m}")) % 120))
                    .collect::<Vec<_>>()
                    .join(";")),
                t(chain),
                t("样例数据（合成）/ synthetic; 年培训人数 / trainees per year"),
            ],
        )?;
    }
    lw.finish()?;
    Ok(n)
}

fn q(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The file of training bases, key laboratories and industry clusters across China (synthetic).
pub const PLACES_FILE: &str = "人才_实训基地与产业集群.csv";
/// The file of high-end talents (synthetic).
pub const TALENTS_FILE: &str = "人才_高端人才.csv";
/// The file of the county's job postings in one year (synthetic).
pub const POSTINGS_FILE: &str = "招聘岗位_2024.csv";

/// Writes the talent map's department tables into `dir` (after the firm register, whose firms post the jobs):
/// training bases, key laboratories and industry clusters across China (most placed only by their county's name,
/// some with GCJ-02 coordinates, as departments hand them out), about 1 000 high-end talents and about 10 000 job
/// postings of the sample county's firms. All synthetic; returns the files.
pub fn write_tables(dir: &std::path::Path, seed: u64) -> anyhow::Result<Vec<std::path::PathBuf>> {
    use crate::core::model::crs::wgs84_to_gcj02;
    use crate::core::model::gazetteer::{china, short_name};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7A1E);
    let chains = default_chains();
    let cw = default_crosswalk();
    let g = china();
    let counties: Vec<_> = g.counties().collect();
    let mut files = Vec::new();

    // 1. Training bases, laboratories and clusters.
    let mut out =
        String::from("名称,类型,省份,城市,区县,经度,纬度,坐标系,专业,年培养人数,产业链,说明\n");
    let words: &[(&str, &str)] = &[
        ("鞋服", "鞋服"),
        ("工艺美术", "工艺美术"),
        ("食品", "食品"),
        ("电子信息", "电子信息"),
        ("新型功能材料", "新材料"),
        ("新能源", "新能源"),
        ("高端装备", "智能装备"),
        ("生命健康", "生物医药"),
    ];
    let mut seen = std::collections::HashSet::new();
    for k in 0..460usize {
        let c = counties[rng.random_range(0..counties.len())];
        let (chain, word) = words[rng.random_range(0..words.len())];
        let kind = match k % 23 {
            0..=8 => "实训基地",
            9..=10 => "重点实验室",
            _ => "产业集群",
        };
        let city = c.city.clone() + "00";
        let city_name = g.by_code(&city).map(|d| d.name.clone()).unwrap_or_default();
        let prov_name = g.province_of(c).map(|d| d.name.clone()).unwrap_or_default();
        let name = match kind {
            "实训基地" => format!("{}{word}产教融合实训基地", short_name(&c.name)),
            "重点实验室" => format!("{}{word}重点实验室", short_name(&prov_name)),
            _ => format!("{}{word}产业集群", short_name(&c.name)),
        };
        if !seen.insert(name.clone()) {
            continue;
        }
        // Majors: vocational classes of two links of the chain (training bases), undergraduate ones (labs);
        // clusters have none (they are drawn, not counted as supply).
        let links: Vec<&str> = chains
            .iter()
            .find(|x| x.name == chain)
            .map(|x| x.links.iter().map(|l| l.id.as_str()).collect())
            .unwrap_or_default();
        let mut majors: Vec<String> = Vec::new();
        if kind != "产业集群" {
            for _ in 0..2 {
                let l = links[rng.random_range(0..links.len())];
                let ms: Vec<String> = cw
                    .majors_of(chain, Some(l))
                    .into_iter()
                    .filter(|m| (kind == "实训基地") == m.as_str().ge("41"))
                    .collect();
                if let Some(m) = ms.get(rng.random_range(0..ms.len().max(1))) {
                    if !majors.contains(m) {
                        majors.push(m.clone());
                    }
                }
            }
        }
        let major_text: Vec<String> = majors
            .iter()
            .map(|m| crate::core::model::talent::major_label(m))
            .collect();
        let trained = match kind {
            "实训基地" => (100 + rng.random_range(0..400u32)).to_string(),
            "重点实验室" => (10 + rng.random_range(0..40u32)).to_string(),
            _ => String::new(),
        };
        // A quarter of the training bases carry GCJ-02 coordinates (from a web map); the rest only names.
        let (lon, lat, crs) = if kind == "实训基地" && rng.random::<f64>() < 0.25 {
            let (x, y) = wgs84_to_gcj02(
                c.lon + rng.random_range(-0.02..0.02),
                c.lat + rng.random_range(-0.02..0.02),
            );
            (format!("{x:.6}"), format!("{y:.6}"), "GCJ-02")
        } else {
            (String::new(), String::new(), "")
        };
        // Half of the rows give the county, the rest only the city (as lists often do).
        let county = if k % 2 == 0 { c.name.as_str() } else { "" };
        out.push_str(&format!(
            "{},{kind},{},{},{},{lon},{lat},{crs},{},{trained},{chain},样例数据（合成）\n",
            q(&name),
            q(&prov_name),
            q(&city_name),
            q(county),
            q(&major_text.join(";")),
        ));
    }
    let p = dir.join(PLACES_FILE);
    crate::core::io::files::write_atomic(&p, out.as_bytes())?;
    files.push(p);

    // 2. High-end talents, at their universities.
    let unis: Vec<Vec<&str>> = UNIVERSITIES
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<&str>>())
        .filter(|f| f.len() >= 12 && f[4] == "本科")
        .collect();
    let surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程魏苏吕丁任沈姚卢";
    let given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲飞鹏辉斌宇浩凯俊帆瑞琳晨欣怡思远志";
    let sur: Vec<char> = surnames.chars().collect();
    let giv: Vec<char> = given.chars().collect();
    let titles = ["教授", "研究员", "正高级工程师", "副教授", "高级工程师"];
    let mut out = String::from("姓名,研究领域,专业,工作单位,职称,省份,城市,对接产业链,对接环节\n");
    for _ in 0..1000 {
        let c = &chains[rng.random_range(0..chains.len())];
        let l = &c.links[rng.random_range(0..c.links.len())];
        let ms: Vec<String> = cw
            .majors_of(&c.name, Some(&l.id))
            .into_iter()
            .filter(|m| m.as_str() < "41")
            .collect();
        let m = ms[rng.random_range(0..ms.len())].clone();
        let u = &unis[rng.random_range(0..unis.len())];
        let mut name = String::new();
        name.push(sur[rng.random_range(0..sur.len())]);
        for _ in 0..rng.random_range(1..=2) {
            name.push(giv[rng.random_range(0..giv.len())]);
        }
        out.push_str(&format!(
            "{name},{},{},{},{},{},{},{},{}\n",
            q(&l.name),
            q(&crate::core::model::talent::major_label(&m)),
            q(u[0]),
            titles[rng.random_range(0..titles.len())],
            q(u[9]),
            q(u[3]),
            q(&c.name),
            q(&l.name)
        ));
    }
    let p = dir.join(TALENTS_FILE);
    crate::core::io::files::write_atomic(&p, out.as_bytes())?;
    files.push(p);

    // 3. Job postings of the county's firms: each firm's link found by its industry code.
    let register = std::fs::read_to_string(dir.join("企业名录_2024.csv"))?;
    let mut out = String::from(
        "企业名称,统一社会信用代码,村代码,岗位名称,产业链,环节,需求专业,学历,人数,薪资区间,发布日期\n",
    );
    let posts = [
        "技术员",
        "工程师",
        "设计师",
        "质检员",
        "储备干部",
        "生产主管",
        "研发助理",
        "运营专员",
    ];
    let salary = ["4000-6000", "6000-8000", "8000-12000", "12000-20000"];
    let mut firms: Vec<(Vec<String>, String, String, f64)> = Vec::new();
    for line in register.lines().skip(1) {
        let f: Vec<String> = split_csv(line);
        if f.len() < 9 {
            continue;
        }
        let code = &f[2];
        let found = chains.iter().find_map(|c| {
            c.links
                .iter()
                .find(|l| l.codes.iter().any(|x| code.starts_with(x.as_str())))
                .map(|l| (c.name.clone(), l.id.clone()))
        });
        if let Some((c, l)) = found {
            let emp: f64 = f[8].parse().unwrap_or(20.0);
            firms.push((f, c, l, emp.max(5.0)));
        }
    }
    let total: f64 = firms.iter().map(|x| x.3.sqrt()).sum();
    let mut n = 0usize;
    for (f, chain, link, emp) in &firms {
        let k = ((emp.sqrt() / total) * 10_000.0).round().max(1.0) as usize;
        let ms = cw.majors_of(chain, Some(link));
        let link_name = chains
            .iter()
            .find(|c| &c.name == chain)
            .and_then(|c| c.link(link))
            .map(|l| l.name.clone())
            .unwrap_or_default();
        for _ in 0..k {
            let m = &ms[rng.random_range(0..ms.len())];
            let edu = if m.as_str() < "41" {
                "本科"
            } else {
                "大专"
            };
            let month = rng.random_range(1..=12u32);
            let day = rng.random_range(1..=28u32);
            out.push_str(&format!(
                "{},{},{},{},{chain},{},{},{edu},{},{},2024-{month:02}-{day:02}\n",
                q(&f[0]),
                f[1],
                f[5],
                posts[rng.random_range(0..posts.len())],
                q(&link_name),
                q(&crate::core::model::talent::major_label(m)),
                1 + rng.random_range(0..3u32) * rng.random_range(0..2u32),
                salary[rng.random_range(0..salary.len())],
            ));
            n += 1;
        }
    }
    let _ = n;
    let p = dir.join(POSTINGS_FILE);
    crate::core::io::files::write_atomic(&p, out.as_bytes())?;
    files.push(p);
    Ok(files)
}

/// A CSV line's fields (double quotes honoured).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}
