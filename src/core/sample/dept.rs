//! Enterprises (points with industry chain and link) and the department tables of the sample
//! county: population as UTF-8 CSV, collective income as GBK CSV, cooperatives as XLSX with a
//! title row — with village names written the ways departments really write them.

use super::terrain::hash01;
use super::world::{World, COUNTY_NAME};
use crate::core::io::gpkg_write::{GpkgWriter, OutValue};
use crate::core::model::attrs::FieldType;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};

/// A link of an industry chain: tier and the GB/T 4754-2017 classes found there.
struct Link {
    tier: &'static str,
    name: &'static str,
    industries: &'static [(&'static str, &'static str)],
}

/// Putian's pillar chains (see ../shared/DOMAIN.md), with real GB/T 4754-2017 codes.
const CHAINS: &[(&str, &[Link])] = &[
    (
        "鞋服",
        &[
            Link {
                tier: "上游",
                name: "面料与皮革",
                industries: &[
                    ("1751", "化纤织造加工"),
                    ("1910", "皮革鞣制加工"),
                    ("2929", "塑料零件及其他塑料制品制造"),
                ],
            },
            Link {
                tier: "中游",
                name: "鞋服制造",
                industries: &[
                    ("1951", "纺织面料鞋制造"),
                    ("1952", "皮鞋制造"),
                    ("1953", "塑料鞋制造"),
                    ("1811", "运动机织服装制造"),
                ],
            },
            Link {
                tier: "下游",
                name: "批发零售",
                industries: &[
                    ("5132", "服装批发"),
                    ("5133", "鞋帽批发"),
                    ("5233", "鞋帽零售"),
                ],
            },
        ],
    ),
    (
        "工艺美术",
        &[
            Link {
                tier: "上游",
                name: "原料与配件",
                industries: &[("2439", "其他工艺美术及礼仪用品制造")],
            },
            Link {
                tier: "中游",
                name: "工艺品制造",
                industries: &[
                    ("2431", "雕塑工艺品制造"),
                    ("2438", "珠宝首饰及有关物品制造"),
                    ("2110", "木质家具制造"),
                ],
            },
            Link {
                tier: "下游",
                name: "流通与零售",
                industries: &[
                    ("5146", "首饰、工艺品及收藏品批发"),
                    ("5245", "珠宝首饰零售"),
                ],
            },
        ],
    ),
    (
        "食品",
        &[
            Link {
                tier: "上游",
                name: "原料与辅料",
                industries: &[
                    ("1391", "淀粉及淀粉制品制造"),
                    ("1495", "食品及饲料添加剂制造"),
                ],
            },
            Link {
                tier: "中游",
                name: "食品饮料制造",
                industries: &[
                    ("1513", "啤酒制造"),
                    ("1431", "米、面制品制造"),
                    ("1399", "其他未列明农副食品加工"),
                ],
            },
            Link {
                tier: "下游",
                name: "批发流通",
                industries: &[
                    ("5124", "肉、禽、蛋、奶及水产品批发"),
                    ("5126", "营养和保健品批发"),
                ],
            },
        ],
    ),
    (
        "电子信息",
        &[
            Link {
                tier: "上游",
                name: "材料",
                industries: &[("3091", "石墨及碳素制品制造"), ("2662", "专项化学用品制造")],
            },
            Link {
                tier: "中游",
                name: "器件制造",
                industries: &[
                    ("3974", "显示器件制造"),
                    ("3982", "电子电路制造"),
                    ("3969", "其他智能消费设备制造"),
                ],
            },
            Link {
                tier: "下游",
                name: "销售服务",
                industries: &[
                    ("5137", "家用视听设备批发"),
                    ("5176", "计算机、软件及辅助设备批发"),
                ],
            },
        ],
    ),
];

const NAME_WORDS: &[&str] = &[
    "鸿", "兴", "泰", "源", "华", "盛", "隆", "达", "新", "宏", "永", "祥", "瑞", "丰", "信", "恒",
    "嘉", "荣", "福", "仙", "木兰", "九鲤", "鲤", "湄", "兰", "金", "宝", "天", "远", "创",
];

use crate::core::model::chain::credit_check_char;

fn credit_code(rng: &mut ChaCha8Rng, region6: &str) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut s = format!("91{region6}");
    for _ in 0..9 {
        s.push(CHARS[rng.random_range(0..CHARS.len())] as char);
    }
    let c = credit_check_char(&s).expect("the code's characters are from the standard's set");
    s.push(c);
    s
}

/// Writes the `enterprises` point layer; returns how many were written.
pub fn write_enterprises(
    w: &GpkgWriter,
    world: &World,
    candidates: &[([f64; 2], usize, &str)],
    seed: u64,
) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xE17);
    let villages = candidates
        .iter()
        .map(|c| c.1)
        .collect::<std::collections::HashSet<_>>()
        .len();
    let n = (villages * 3).clamp(40, 1500).min(candidates.len());
    let mut lw = w.layer(
        "enterprises",
        "企业",
        Some("POINT"),
        super::world::SRS,
        &[
            ("name", FieldType::Text),
            ("credit_code", FieldType::Text),
            ("industry_code", FieldType::Text),
            ("industry_name", FieldType::Text),
            ("chain", FieldType::Text),
            ("link", FieldType::Text),
            ("link_name", FieldType::Text),
            ("output_wan", FieldType::Real),
            ("tax_wan", FieldType::Real),
            ("employees", FieldType::Integer),
            ("is_lead", FieldType::Integer),
            ("village_code", FieldType::Text),
            ("village_name", FieldType::Text),
        ],
    )?;
    // Lead firms: the largest firm of each chain's middle tier.
    let mut rows = Vec::new();
    for k in 0..n {
        let (p, v, _) = candidates[(k * candidates.len()) / n.max(1)];
        let (chain, links) =
            CHAINS[(hash01(seed ^ 50, k as i64, 0) * CHAINS.len() as f64) as usize % CHAINS.len()];
        // Some links stay thin or empty on purpose: the chain analysis must find the gaps.
        let li = match rng.random::<f64>() {
            x if x < 0.2 => 0,
            x if x < 0.8 => 1,
            _ => 2,
        };
        let link = &links[li];
        let (code, iname) = link.industries[rng.random_range(0..link.industries.len())];
        let employees = (rng.random::<f64>().powi(3) * 1500.0 + 8.0) as i64;
        let output = (employees as f64 * rng.random_range(18.0..60.0) * 10.0).round() / 10.0;
        let tax = (output * rng.random_range(0.02..0.06) * 10.0).round() / 10.0;
        let word = |r: &mut ChaCha8Rng| NAME_WORDS[r.random_range(0..NAME_WORDS.len())];
        let kind = match chain {
            "鞋服" => "鞋业",
            "工艺美术" => "工艺",
            "食品" => "食品",
            _ => "电子",
        };
        let name = format!(
            "莆田市{}{}{}{}有限公司",
            word(&mut rng),
            word(&mut rng),
            kind,
            if rng.random::<bool>() {
                "科技"
            } else {
                "制品"
            }
        );
        let jitter = [
            p[0] + rng.random_range(-15.0..15.0),
            p[1] + rng.random_range(-15.0..15.0),
        ];
        rows.push((
            jitter,
            v,
            name,
            credit_code(&mut rng, "350322"),
            code,
            iname,
            chain,
            link.tier,
            link.name,
            output,
            tax,
            employees,
        ));
    }
    let mut lead: std::collections::HashMap<&str, (usize, f64)> = Default::default();
    for (i, r) in rows.iter().enumerate() {
        if r.7 == "中游" {
            let e = lead.entry(r.6).or_insert((i, r.9));
            if r.9 > e.1 {
                *e = (i, r.9);
            }
        }
    }
    for (i, r) in rows.iter().enumerate() {
        let is_lead = lead.get(r.6).map(|l| l.0 == i).unwrap_or(false);
        let vil = &world.villages[r.1];
        let (blob, bb) = super::point_blob(r.0);
        lw.add(
            Some((&blob, bb)),
            &[
                OutValue::Text(r.2.clone()),
                OutValue::Text(r.3.clone()),
                OutValue::Text(r.4.into()),
                OutValue::Text(r.5.into()),
                OutValue::Text(r.6.into()),
                OutValue::Text(r.7.into()),
                OutValue::Text(r.8.into()),
                OutValue::Real(r.9),
                OutValue::Real(r.10),
                OutValue::Int(r.11),
                OutValue::Int(is_lead as i64),
                OutValue::Text(vil.code.clone()),
                OutValue::Text(vil.name.clone()),
            ],
        )?;
    }
    lw.finish()?;
    Ok(rows.len())
}

/// Full-width digits (as typed by some departments): ０１２…
fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap()
            } else {
                c
            }
        })
        .collect()
}

/// Writes the department tables; returns the files written.
pub fn write_tables(
    dir: &Path,
    world: &World,
    villages: &[usize],
    seed: u64,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xDE97);
    let mut files = Vec::new();
    // 1. Population (UTF-8 CSV): code and name, some names as the 村委会, a few codes in full width.
    let mut csv =
        String::from("村代码,村名称,所属乡镇,户籍人口,常住人口,户数,60岁以上人口,统计年度\n");
    let mut pops = Vec::new();
    for &i in villages {
        let v = &world.villages[i];
        let reg: u32 = rng.random_range(900..5200);
        let res = (reg as f64 * rng.random_range(0.55..0.95)) as u32;
        let hh = (reg as f64 / rng.random_range(3.1..3.9)) as u32;
        let old = (reg as f64 * rng.random_range(0.14..0.28)) as u32;
        pops.push(reg);
        let name = match rng.random_range(0..10) {
            0 | 1 => v.official_name.clone(),
            2 => format!(" {} ", v.name),
            _ => v.name.clone(),
        };
        let code = if rng.random_range(0..40) == 0 {
            full_width(&v.code)
        } else {
            v.code.clone()
        };
        csv.push_str(&format!(
            "{code},{name},{},{reg},{res},{hh},{old},2024\n",
            world.towns[v.town].name
        ));
    }
    let p = dir.join("population_2024.csv");
    std::fs::write(&p, csv)?;
    files.push(p);

    // 2. Collective income (GBK CSV), keyed by name only; some villages missing, some 村民委员会.
    let mut csv = String::from(
        "乡镇（街道）,村（居）委会名称,村集体经济收入（万元）,其中经营性收入（万元）,年份\r\n",
    );
    for &i in villages {
        let v = &world.villages[i];
        if rng.random_range(0..25) == 0 {
            continue; // not reported
        }
        let income: f64 = (rng.random::<f64>().powi(2) * 280.0 + 6.0).round();
        let op = (income * rng.random_range(0.2..0.7)).round();
        let name = match rng.random_range(0..6) {
            0 => v.name.replace('村', "村民委员会"),
            1 => v.official_name.clone(),
            _ => v.name.clone(),
        };
        let income_cell = if rng.random_range(0..30) == 0 {
            String::new()
        } else {
            format!("{income}")
        };
        csv.push_str(&format!(
            "{},{name},{income_cell},{op},2024\r\n",
            world.towns[v.town].name
        ));
    }
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    let p = dir.join("collective_income_2024_gbk.csv");
    std::fs::write(&p, gbk)?;
    files.push(p);

    // 3. Cooperatives (XLSX): a title row, a unit row, then the header on row 3.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("合作社")?;
    sheet.write_string(
        0,
        0,
        format!("{COUNTY_NAME}农民专业合作社和家庭农场统计表（2024年）"),
    )?;
    sheet.write_string(1, 0, "填报单位：县农业农村局")?;
    for (c, h) in [
        "序号",
        "乡镇",
        "村名",
        "合作社数量",
        "家庭农场数量",
        "带动农户数（户）",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(2, c as u16, *h)?;
    }
    for (r, &i) in villages.iter().enumerate() {
        let v = &world.villages[i];
        let row = r as u32 + 3;
        let name = if rng.random_range(0..3) == 0 {
            v.official_name.clone()
        } else {
            v.name.clone()
        };
        sheet.write_number(row, 0, (r + 1) as f64)?;
        sheet.write_string(row, 1, &world.towns[v.town].name)?;
        sheet.write_string(row, 2, &name)?;
        sheet.write_number(row, 3, rng.random_range(0..7) as f64)?;
        sheet.write_number(row, 4, rng.random_range(0..12) as f64)?;
        sheet.write_number(
            row,
            5,
            (pops[r] as f64 * rng.random_range(0.02..0.2)).round(),
        )?;
    }
    let p = dir.join("cooperatives_2024.xlsx");
    let tmp = dir.join("cooperatives_2024.xlsx.tmp");
    book.save(&tmp)?;
    std::fs::rename(&tmp, &p)?;
    files.push(p);
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::chain::credit_code_valid;

    #[test]
    fn credit_code_check_character() {
        // A published example code.
        assert!(credit_code_valid("91350100M000100Y43"));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..50 {
            assert!(credit_code_valid(&credit_code(&mut rng, "350322")));
        }
        assert_eq!(full_width("35"), "３５");
    }
}
