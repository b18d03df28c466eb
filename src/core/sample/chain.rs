//! The sample county's industry-chain datasets (一产一档 §9), all invented: a firm register of several hundred firms
//! over the default chains (规上 flags, products, addresses, some firms without coordinates, a few register faults
//! on purpose), a Gaode export of some of them in GCJ-02, a provincial statistics table by industry for the
//! location quotient, and a national list of candidate firms for recruitment, whose regions specialise in related
//! chains (so product-space relatedness has something to find).

use super::world::{World, SRS};
use crate::core::model::chain::{credit_check_char, default_chains, Chain, Tier};
use crate::core::model::crs::{wgs84_to_gcj02, Crs, Transformer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};

/// The register's file name.
pub const REGISTER: &str = "企业名录_2024.csv";
/// The Gaode (GCJ-02) export's file name.
pub const GAODE: &str = "企业_高德坐标.csv";
/// The provincial statistics' file name.
pub const PROVINCE_STATS: &str = "福建省分行业统计_2023.csv";
/// The national candidate list's file name.
pub const CANDIDATES: &str = "全国招商候选企业.csv";

const WORDS: &[&str] = &[
    "鸿", "兴", "华", "盛", "泰", "源", "顺", "恒", "鑫", "达", "丰", "瑞", "宏", "荣", "信", "隆",
    "永", "安", "嘉", "新", "金", "海", "辰", "晟",
];
const ROADS: &[&str] = &[
    "工业路",
    "兴业路",
    "创新大道",
    "鲤城路",
    "木兰大道",
    "东环路",
    "科技园路",
    "滨溪路",
];
const PROVINCES: &[(&str, &str)] = &[
    ("35", "福建省"),
    ("33", "浙江省"),
    ("44", "广东省"),
    ("32", "江苏省"),
    ("37", "山东省"),
    ("36", "江西省"),
    ("43", "湖南省"),
    ("42", "湖北省"),
    ("51", "四川省"),
    ("41", "河南省"),
    ("34", "安徽省"),
    ("45", "广西壮族自治区"),
];

fn credit_code(rng: &mut ChaCha8Rng, region6: &str) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut s = format!("91{region6}");
    for _ in 0..9 {
        s.push(CHARS[rng.random_range(0..CHARS.len())] as char);
    }
    let c = credit_check_char(&s).expect("the characters are from the standard's set");
    s.push(c);
    s
}

fn kind_word(chain: &str) -> &'static str {
    match chain {
        "鞋服" => "鞋服",
        "工艺美术" => "工艺",
        "食品" => "食品",
        "新型功能材料" => "新材料",
        "电子信息" => "电子",
        "新能源" => "新能源",
        "高端装备" => "装备",
        _ => "生物",
    }
}

fn q(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes the four chain datasets into `dir`; returns the files.
pub fn write(
    dir: &Path,
    world: &World,
    villages: &[usize],
    seed: u64,
) -> anyhow::Result<Vec<PathBuf>> {
    let chains = default_chains();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xC4A1);
    let to_lonlat = Transformer::between(&Crs::epsg(SRS as u32), &Crs::epsg(4490))
        .map_err(anyhow::Error::msg)?;
    // Chain weights: the county's three traditional chains dominate.
    let weights = [0.30, 0.14, 0.14, 0.09, 0.10, 0.08, 0.08, 0.07];
    // Links the county lacks on purpose (the gaps the analysis must find): the first upstream link of the
    // emerging chains.
    let missing: Vec<(String, String)> = chains
        .iter()
        .skip(3)
        .filter_map(|c| {
            c.links
                .iter()
                .find(|l| l.tier == Tier::Up)
                .map(|l| (c.name.clone(), l.id.clone()))
        })
        .collect();
    let n = 420usize;
    let mut reg = String::from(
        "企业名称,统一社会信用代码,行业代码,主要产品,地址,村代码,产值万元,税收万元,从业人员,规上,链主,经度,纬度\n",
    );
    let mut gaode = String::from("名称,统一社会信用代码,行业代码,村代码,经度,纬度\n");
    let mut codes_seen: Vec<String> = Vec::new();
    let mut written = 0usize;
    for _ in 0..n {
        let r: f64 = rng.random();
        let mut acc = 0.0;
        let ci = weights.iter().position(|w| {
            acc += w;
            r < acc
        });
        let chain: &Chain = &chains[ci.unwrap_or(0).min(chains.len() - 1)];
        let tier = match rng.random::<f64>() {
            x if x < 0.25 => Tier::Up,
            x if x < 0.8 => Tier::Mid,
            _ => Tier::Down,
        };
        let links: Vec<_> = chain
            .links
            .iter()
            .filter(|l| l.tier == tier && !missing.contains(&(chain.name.clone(), l.id.clone())))
            .collect();
        let Some(link) = links.get(rng.random_range(0..links.len().max(1))) else {
            continue;
        };
        // Faults and gaps are keyed to the rows written, so every one of them is in the file.
        let k = written;
        written += 1;
        let code = link.codes[rng.random_range(0..link.codes.len())].clone();
        codes_seen.push(code.clone());
        let product = link
            .keywords
            .get(rng.random_range(0..link.keywords.len().max(1)))
            .cloned()
            .unwrap_or_default();
        let vi = villages[rng.random_range(0..villages.len())];
        let v = &world.villages[vi];
        let town = &world.towns[v.town].name;
        let employees = (rng.random::<f64>().powi(3) * 1800.0 + 6.0) as i64;
        let output = (employees as f64 * rng.random_range(15.0..65.0)).round();
        let tax = (output * rng.random_range(0.02..0.06)).round();
        let above = output >= 2000.0 || rng.random_range(0..30) == 0;
        let lead = above && output > 60_000.0 && tier == Tier::Mid;
        let name = format!(
            "莆田市{}{}{}{}有限公司",
            WORDS[rng.random_range(0..WORDS.len())],
            WORDS[rng.random_range(0..WORDS.len())],
            kind_word(&chain.name),
            ["科技", "实业", "制品", "贸易"][rng.random_range(0..4)]
        );
        let mut credit = credit_code(&mut rng, "350322");
        // Register faults on purpose: wrong check characters, a firm twice, a code not in GB/T 4754.
        if k % 137 == 5 {
            credit.pop();
            credit.push(if credit.ends_with('0') { '1' } else { '0' });
        }
        let code = if k == 211 { "9999".to_string() } else { code };
        let addr = format!(
            "{}{}{}{}号",
            town,
            v.name,
            ROADS[rng.random_range(0..ROADS.len())],
            rng.random_range(1..300)
        );
        let a = rng.random::<f64>() * std::f64::consts::TAU;
        let d = rng.random::<f64>().sqrt() * v.radius.max(200.0) * 0.8;
        let mut p = [[v.seed[0] + d * a.cos(), v.seed[1] + d * a.sin()]];
        to_lonlat.transform(&mut p).map_err(anyhow::Error::msg)?;
        let (lon, lat) = (p[0][0], p[0][1]);
        // One firm in ten has only its address.
        let (lon_s, lat_s) = if k % 10 == 7 {
            (String::new(), String::new())
        } else if k == 333 {
            // A firm whose coordinates lie outside the county (a head office's).
            ("119.296500".to_string(), "26.074200".to_string())
        } else {
            (format!("{lon:.6}"), format!("{lat:.6}"))
        };
        let village_code = if k % 10 == 7 {
            String::new()
        } else {
            v.code.clone()
        };
        let line = format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            q(&name),
            credit,
            code,
            q(&product),
            q(&addr),
            village_code,
            output,
            tax,
            employees,
            if above { "是" } else { "否" },
            if lead { "是" } else { "否" },
            lon_s,
            lat_s
        );
        reg += &line;
        if k == 40 {
            // The same firm entered twice.
            reg += &line;
        }
        if k.is_multiple_of(7) && !lon_s.is_empty() && k != 333 {
            let (gx, gy) = wgs84_to_gcj02(lon, lat);
            gaode += &format!(
                "{},{},{},{},{gx:.6},{gy:.6}\n",
                q(&name),
                credit,
                code,
                v.code
            );
        }
    }
    let mut files = Vec::new();
    for (name, text) in [(REGISTER, &reg), (GAODE, &gaode)] {
        let p = dir.join(name);
        crate::core::io::files::write_atomic(&p, text.as_bytes())?;
        files.push(p);
    }
    // Provincial statistics: every code of the default chains, and the province's total over all industries.
    let mut stats = String::from("行业代码,行业名称,企业数,从业人员,产值万元\n");
    let mut all_codes: Vec<(String, String)> = Vec::new();
    for c in &chains {
        for l in &c.links {
            for code in &l.codes {
                if !all_codes.iter().any(|x| &x.0 == code) {
                    all_codes.push((code.clone(), l.name.clone()));
                }
            }
        }
    }
    let mut srng = ChaCha8Rng::seed_from_u64(seed ^ 0x57A7);
    for (code, name) in &all_codes {
        let firms: u32 = srng.random_range(150..4000);
        let emp = firms as f64 * srng.random_range(40.0..160.0);
        let out = emp * srng.random_range(25.0..70.0);
        stats += &format!("{code},{},{firms},{emp:.0},{out:.0}\n", q(name));
    }
    stats += "合计,全部行业,385000,9650000,1380000000\n";
    let p = dir.join(PROVINCE_STATS);
    crate::core::io::files::write_atomic(&p, stats.as_bytes())?;
    files.push(p);
    // National candidates: 300 counties, each specialised in one or two related chains.
    let mut crng = ChaCha8Rng::seed_from_u64(seed ^ 0xCA4D);
    let related: &[&[usize]] = &[
        &[0, 1],
        &[0],
        &[1, 6],
        &[2],
        &[3, 4],
        &[4, 5],
        &[5, 6],
        &[7, 2],
        &[3, 5],
        &[4, 6],
    ];
    let mut cand = String::from(
        "企业名称,统一社会信用代码,省份,县级代码,行业代码,主要产品,产值万元,从业人员,规上\n",
    );
    for r in 0..300usize {
        let (pc, pname) = PROVINCES[r % PROVINCES.len()];
        let county = format!("{pc}{:02}{:02}", 1 + (r / PROVINCES.len()) % 15, 1 + r % 20);
        let spec = related[crng.random_range(0..related.len())];
        let firms = crng.random_range(40..100);
        for _ in 0..firms {
            // 85 % in the region's specialities, the rest anywhere.
            let ci = if crng.random::<f64>() < 0.85 {
                spec[crng.random_range(0..spec.len())]
            } else {
                crng.random_range(0..chains.len())
            };
            let c = &chains[ci];
            let l = &c.links[crng.random_range(0..c.links.len())];
            let code = &l.codes[crng.random_range(0..l.codes.len())];
            let emp = (crng.random::<f64>().powi(3) * 3000.0 + 10.0) as i64;
            let out = (emp as f64 * crng.random_range(20.0..80.0)).round();
            let name = format!(
                "{}{}{}{}有限公司",
                &pname[..pname.char_indices().nth(2).map_or(pname.len(), |x| x.0)],
                WORDS[crng.random_range(0..WORDS.len())],
                WORDS[crng.random_range(0..WORDS.len())],
                kind_word(&c.name)
            );
            cand += &format!(
                "{},{},{},{},{},{},{},{},{}\n",
                q(&name),
                credit_code(&mut crng, &county),
                pname,
                county,
                code,
                q(l.keywords.first().map_or("", |s| s.as_str())),
                out,
                emp,
                if out >= 2000.0 { "是" } else { "否" }
            );
        }
    }
    let p = dir.join(CANDIDATES);
    crate::core::io::files::write_atomic(&p, cand.as_bytes())?;
    files.push(p);
    Ok(files)
}
